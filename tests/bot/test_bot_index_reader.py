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
