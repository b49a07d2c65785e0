from __future__ import annotations

import json
from pathlib import Path

import pytest
from bot_fakes import publish
from packaging.version import Version

from farm.bot.index_reader import IndexReader, IndexReadError, http_fetch, parse_project_page


def test_folder_index_newest_published_wheel(tmp_path: Path) -> None:
    publish(tmp_path, "wheelfarm-libtiff", "4.5.0", "4.5.0.post1", "4.5.0.post2", yanked=("4.5.0.post2",))
    reader = IndexReader(str(tmp_path))
    assert reader.versions("wheelfarm_libtiff") == (Version("4.5.0"), Version("4.5.0.post1"))
    assert reader.newest(["wheelfarm-libtiff", "wheelfarm-zlib"]) == {"wheelfarm-libtiff": Version("4.5.0.post1")}


def test_versions_list_alone_proves_nothing() -> None:
    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "x", "versions": ["1.0"], "files": [
        {"filename": "x-1.0.tar.gz", "url": "x", "hashes": {}}]}).encode()
    assert parse_project_page(body, "here") == ()


def test_a_broken_page_is_an_error_not_an_empty_index() -> None:
    with pytest.raises(IndexReadError, match="here: not a PEP 691 project page"):
        parse_project_page(b"<html>", "here")


def test_http_index(static_server: object, tmp_path: Path) -> None:
    from bot_fakes import Static

    assert isinstance(static_server, Static)
    publish(tmp_path, "wheelfarm-zlib", "1.2.13")
    page = (tmp_path / "simple" / "wheelfarm-zlib" / "index.json").read_bytes()
    static_server.add("/idx/simple/wheelfarm-zlib/index.json", page)
    static_server.add("/idx/simple/wheelfarm-broken/index.json", b"oops", status=503)
    reader = IndexReader(static_server.url + "/idx/", http_fetch(5))
    assert reader.newest(["wheelfarm-zlib", "wheelfarm-sqlite"]) == {"wheelfarm-zlib": Version("1.2.13")}
    assert static_server.seen_headers[0]["Accept"] == "application/vnd.pypi.simple.v1+json"
    with pytest.raises(IndexReadError, match="answered 503"):
        reader.versions("wheelfarm-broken")


def test_a_failed_build_leaves_a_record_beside_the_pages(tmp_path: Path, static_server: object) -> None:
    from bot_fakes import Static

    from farm.bot.index_reader import record_build_failure

    assert isinstance(static_server, Static)
    path = record_build_failure(tmp_path, "wheelfarm_LibTIFF", "4.5.0.post01", "a" * 70_000 + "\nError 1\n")
    assert path == tmp_path / "failures" / "wheelfarm-libtiff" / "4.5.0.post1.log"
    assert [p.name for p in path.parent.iterdir()] == ["4.5.0.post1.log"]  # no temporary file left
    reader = IndexReader(str(tmp_path))
    log = reader.failure("wheelfarm-libtiff", Version("4.5.0.post1"))
    assert log is not None and log.endswith("\nError 1\n") and len(log) == 64 * 1024
    assert reader.failure("wheelfarm-libtiff", Version("4.5.0.post2")) is None
    static_server.add("/idx/failures/wheelfarm-zlib/1.3.1.log", b"boom")
    over_http = IndexReader(static_server.url + "/idx", http_fetch(5))
    assert over_http.failure("wheelfarm-zlib", Version("1.3.1")) == "boom"
    assert over_http.failure("wheelfarm-zlib", Version("1.3.2")) is None
