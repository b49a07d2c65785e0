"""farm serve: serve the index over HTTP (127.0.0.1 by default)."""

from __future__ import annotations

import argparse

from farm.cli._common import add_root, settings
from farm.index import rebuild_pages
from farm.serve import make_server


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    add_root(parser)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    if not (s.index / "simple").exists():
        rebuild_pages(s.index)
    server = make_server(s.index, args.host, args.port)
    print(f"serving {s.index} at http://{args.host}:{server.server_address[1]}/simple/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
