"""farm index: publish the wheelhouse into the static PEP 503/691/658 index."""

from __future__ import annotations

import argparse
from pathlib import Path

from farm.cli._common import add_root, settings
from farm.index import publish


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("wheels", nargs="*", type=Path, help="wheels to publish (default: the whole wheelhouse)")
    add_root(parser)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    wheels = args.wheels or sorted(s.wheelhouse.glob("*.whl"))
    added = publish(s.index, wheels)
    print(f"{s.index}: {len(added)} new wheel(s), {len(wheels)} in the wheelhouse; pip install --index-url "
          f"{(s.index / 'simple').as_uri()}/ ...")
    return 0
