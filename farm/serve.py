"""Serving the static index over HTTP, with PEP 691 content negotiation."""

from __future__ import annotations

import functools
import io
import http.server
from pathlib import Path

__all__ = ["make_server"]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
#: what a client may ask for to get JSON; the answer always names the version it is (PEP 691)
_JSON_ASKED = (JSON_TYPE, "application/vnd.pypi.simple.latest+json")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.translate_path(self.path)
        if Path(path).is_dir() and self.path.split("?", 1)[0].endswith("/"):
            accept = self.headers.get("Accept", "")
            if any(t in accept for t in _JSON_ASKED) and (Path(path) / "index.json").exists():
                body = (Path(path) / "index.json").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", JSON_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


def make_server(index: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Handler, directory=str(index))
    return http.server.ThreadingHTTPServer((host, port), handler)
