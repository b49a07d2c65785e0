from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.digest import Digest, DigestError, digest_file, digest_url


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b"x" * (3 << 20)  # several blocks

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        if self.path == "/big.whl":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        else:
            self.send_error(404 if self.path == "/gone.whl" else 503)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


@pytest.fixture
def server() -> Iterator[str]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_url_is_hashed_as_it_streams(server: str) -> None:
    assert digest_url(f"{server}/big.whl") == Digest(hashlib.sha256(_Handler.body).hexdigest(), len(_Handler.body))


def test_nothing_there_is_none_and_a_failing_server_an_error(server: str) -> None:
    assert digest_url(f"{server}/gone.whl") is None
    with pytest.raises(DigestError, match=r"/broken.whl: the server answered 503"):
        digest_url(f"{server}/broken.whl")
    with pytest.raises(DigestError, match="cannot reach it"):
        digest_url("http://127.0.0.1:9/x.whl", timeout=5)
    with pytest.raises(DigestError, match="unsupported URL scheme"):
        digest_url("ftp://127.0.0.1/x.whl")


def test_file_urls_and_files_agree(tmp_path: Path) -> None:
    f = tmp_path / "a b.whl"
    f.write_bytes(b"wheel bytes")
    assert digest_url(f.as_uri()) == digest_file(f) == Digest(hashlib.sha256(b"wheel bytes").hexdigest(), 11)
    assert digest_url((tmp_path / "missing.whl").as_uri()) is None
