from __future__ import annotations

import json
import os
import threading
import urllib.request
import zipfile
from pathlib import Path

import pytest

from farm.index import IndexError_, newest_release, publish, published_versions
from farm.serve import JSON_TYPE, make_server


def wheel(folder: Path, name: str, version: str, payload: str = "x") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace('-', '_')}-{version}-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{name.replace('-', '_')}-{version}.dist-info/METADATA",
                    f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n")
        zf.writestr("payload.txt", payload)
    return path


def test_publish_writes_pep503_691_658(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13")])
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13.post1")])
    page = json.loads((index / "simple" / "wheelfarm-zlib" / "index.json").read_text())
    assert page["meta"]["api-version"] == "1.1"
    assert page["versions"] == ["1.2.13", "1.2.13.post1"]
    f = page["files"][0]
    assert f["core-metadata"]["sha256"] and f["hashes"]["sha256"]
    assert (index / "simple" / f["url"]).resolve() == (index / "files" / f["filename"]).resolve()
    assert (index / "files" / (f["filename"] + ".metadata")).read_text().startswith("Metadata-Version")
    html = (index / "simple" / "wheelfarm-zlib" / "index.html").read_text()
    assert "data-core-metadata" in html and "#sha256=" in html
    assert published_versions(index, "wheelfarm_zlib") == ["1.2.13", "1.2.13.post1"]
    assert len(list((index / "generations").iterdir())) == 1, "old generations are removed"


def test_republishing_different_bytes_is_refused(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "a", "wheelfarm-zlib", "1.0", "one")])
    before = os.readlink(index / "simple")
    with pytest.raises(IndexError_, match="already published with different content"):
        publish(index, [wheel(tmp_path / "b", "wheelfarm-zlib", "1.0", "two")])
    assert os.readlink(index / "simple") == before


def test_serve_negotiates_json(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")])
    server = make_server(index, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/simple/wheelfarm-zlib/"
        req = urllib.request.Request(base, headers={"Accept": JSON_TYPE})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers["Content-Type"] == JSON_TYPE and json.load(r)["name"] == "wheelfarm-zlib"
        with urllib.request.urlopen(base, timeout=5) as r:
            assert b"<a href" in r.read()
    finally:
        server.shutdown()
        server.server_close()


def test_newest_release_compares_versions_and_skips_development_builds(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert newest_release(index, "wheelfarm-openblas") is None
    versions = ["0.3.34", "0.3.34.post1", "0.3.100", "0.3.200+kernelshaswell", "0.3.9"]
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-openblas", v) for v in versions])
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-openblas64", "0.3.300")])
    newest = newest_release(index, "wheelfarm_openblas")
    assert newest is not None and newest.name == "wheelfarm_openblas-0.3.100-py3-none-linux_x86_64.whl"
    (index / "files" / newest.name).unlink()
    newest = newest_release(index, "wheelfarm-openblas")
    assert newest is not None and newest.name == "wheelfarm_openblas-0.3.34.post1-py3-none-linux_x86_64.whl"
