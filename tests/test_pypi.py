"""sdists found through a package index's simple API (a local server stands in for the index)."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.fetch import FetchError, SourceCache
from farm.pypi import IndexFileError, file_url, pip_index_url
from farm.recipe.model import Artifact, Origin

SDIST = b"an sdist's bytes"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[str]:
    """A simple index at http://127.0.0.1:PORT/simple/ with project 'demo-pkg' in JSON and 'other' in HTML only."""
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "demo_pkg-1.0.tar.gz").write_bytes(SDIST)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/simple/demo-pkg/" and "vnd.pypi.simple.v1+json" in self.headers.get("Accept", ""):
                body = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo-pkg", "files": [
                    {"filename": "demo_pkg-1.0.tar.gz", "url": "../../files/demo_pkg-1.0.tar.gz", "hashes": {}}]})
                self._send(body.encode(), "application/vnd.pypi.simple.v1+json")
            elif self.path == "/simple/other/":
                self._send(b'<a href="/files/demo_pkg-1.0.tar.gz#sha256=00">other-1.0.tar.gz</a>'
                           b'<a href="/files/demo_pkg-1.0.tar.gz">demo_pkg-1.0.tar.gz</a>', "text/html")
            elif self.path.startswith("/files/"):
                super().do_GET()
            else:
                self.send_error(404)

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def test_file_url_from_the_json_page_relative_to_it(index: str) -> None:
    assert file_url("Demo_Pkg", "demo_pkg-1.0.tar.gz", index) == index.removesuffix("/simple") + \
        "/files/demo_pkg-1.0.tar.gz"


def test_file_url_from_an_html_page(index: str) -> None:
    assert file_url("other", "demo_pkg-1.0.tar.gz", index).endswith("/files/demo_pkg-1.0.tar.gz")


def test_a_file_is_found_under_its_pep_625_name(index: str) -> None:
    """A recipe's ``Demo_Pkg-${{ version }}.tar.gz`` finds a release the index has as demo_pkg-1.0.tar.gz."""
    assert file_url("demo-pkg", "Demo_Pkg-1.0.tar.gz", index).endswith("/files/demo_pkg-1.0.tar.gz")
    assert file_url("demo-pkg", "demo-pkg-1.0.tar.gz", index).endswith("/files/demo_pkg-1.0.tar.gz")
    with pytest.raises(IndexFileError, match="has no file Demo_Pkg-1.1.tar.gz"):
        file_url("demo-pkg", "Demo_Pkg-1.1.tar.gz", index)


def test_unknown_file_and_project_are_one_line_errors(index: str) -> None:
    with pytest.raises(IndexFileError, match="has no file demo_pkg-9.tar.gz; check the recipe's pypi.file"):
        file_url("demo-pkg", "demo_pkg-9.tar.gz", index)
    with pytest.raises(IndexFileError, match="answered 404"):
        file_url("missing", "missing-1.0.tar.gz", index)


def test_the_index_is_pips(index: str) -> None:
    assert pip_index_url(lambda cmd: f"{index}\n") == index
    assert pip_index_url(lambda cmd: "") is not None  # pip's own default


def test_a_pypi_origin_is_fetched_verified_and_cached(index: str, tmp_path: Path) -> None:
    sha = hashlib.sha256(SDIST).hexdigest()
    artifact = Artifact((Origin(sha, pypi_project="demo-pkg", pypi_file="demo_pkg-1.0.tar.gz"),))
    cache = SourceCache(tmp_path / "cache", index_url=index)
    got = cache.fetch(artifact)
    assert got.path.read_bytes() == SDIST and got.origin.kind == "pypi" and not got.from_cache
    assert got.origin.describe() == "pypi:demo-pkg/demo_pkg-1.0.tar.gz"
    assert cache.fetch(artifact).from_cache
    wrong = Artifact((Origin("0" * 64, pypi_project="demo-pkg", pypi_file="demo_pkg-1.0.tar.gz"),))
    with pytest.raises(FetchError, match="sha256 mismatch"):
        SourceCache(tmp_path / "other", index_url=index).fetch(wrong)
