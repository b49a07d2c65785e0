from __future__ import annotations

import base64
import functools
import hashlib
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from farm.cli import main
from farm.index import (IndexError_, MoveRefused, move, newest_release, publish, published_versions, read_record,
                        rebuild_pages, unyank, verify, yank)
from farm.index_record import RecordError
from farm.serve import JSON_TYPE, make_server


def wheel(folder: Path, name: str, version: str, payload: str = "x", requires_python: str | None = None,
          tag: str = "py3-none-linux_x86_64") -> Path:
    """A wheel as far as the index looks: its name and its METADATA."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    path = folder / f"{dist}-{version}-{tag}.whl"
    meta = f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n"
    if requires_python:
        meta += f"Requires-Python: {requires_python}\n"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{dist}-{version}.dist-info/METADATA", meta)
        zf.writestr("payload.txt", payload)
    return path


def installable_wheel(folder: Path, name: str, version: str) -> Path:
    """A complete pure-Python wheel pip installs: a module, METADATA, WHEEL and RECORD."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}_mod.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()},{len(b)}"
              for n, b in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for n, b in files.items():
            zf.writestr(n, b)
    return path


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every link's target under ``root``: what 'unchanged' means."""
    out: dict[str, bytes | str] = {}
    for folder, dirs, names in os.walk(root):
        for n in [*dirs, *names]:
            p = Path(folder) / n
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_file():
                out[rel] = p.read_bytes()
            else:
                out[rel] = "dir"
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


@dataclass
class Bucket:
    """A folder served over HTTP on 127.0.0.1: a stand-in for object storage or release assets."""

    folder: Path
    url: str = ""

    def put(self, source: Path, name: str | None = None) -> str:
        shutil.copyfile(source, self.folder / (name or source.name))
        return f"{self.url}/{name or source.name}"


@pytest.fixture
def bucket(tmp_path: Path) -> Iterator[Bucket]:
    folder = tmp_path / "bucket" / "assets"
    folder.mkdir(parents=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(folder.parent)))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield Bucket(folder, f"http://127.0.0.1:{server.server_address[1]}/assets")
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served_index(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """``tmp/index`` served by farm's own server; yields (folder, base URL of simple/)."""
    index = tmp_path / "index"
    index.mkdir()
    server = make_server(index, port=0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield index, f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def upload(bucket: Bucket, index: Path, name: str) -> str:
    """Put a published wheel and its metadata file into the bucket, as a publishing job would."""
    url = bucket.put(index / "files" / name)
    bucket.put(index / "files" / f"{name}.metadata")
    return url


# --- the PEP checks ------------------------------------------------------------------------

SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
METADATA_FLAG = {"oneOf": [{"type": "boolean"},
                           {"type": "object", "required": ["sha256"], "properties": {"sha256": SHA256}}]}
META = {"type": "object", "required": ["api-version"],
        "properties": {"api-version": {"const": "1.1"}}}  # the version the pages declare, and meet
ROOT_SCHEMA = {  # PEP 691 project list
    "type": "object", "required": ["meta", "projects"],
    "properties": {"meta": META, "projects": {"type": "array", "items": {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}},
}
PROJECT_SCHEMA = {  # PEP 691 project detail + PEP 700 (1.1) + PEP 658/714 + PEP 592
    "type": "object", "required": ["meta", "name", "files", "versions"],
    "properties": {
        "meta": META, "name": {"type": "string"},
        "versions": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "files": {"type": "array", "items": {
            "type": "object", "required": ["filename", "url", "hashes", "size"],
            "properties": {
                "filename": {"type": "string"}, "url": {"type": "string"},
                "hashes": {"type": "object", "required": ["sha256"], "properties": {"sha256": SHA256}},
                "size": {"type": "integer", "minimum": 0},
                "upload-time": {"type": "string",
                                "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$"},
                "requires-python": {"type": "string"},
                "core-metadata": METADATA_FLAG, "dist-info-metadata": METADATA_FLAG,
                "yanked": {"oneOf": [{"type": "boolean"}, {"type": "string", "minLength": 1}]},
                "gpg-sig": {"type": "boolean"},
            },
        }},
    },
}


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.doctype = ""
        self.meta: dict[str, str] = {}
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None
        self._text = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            d = dict(attrs)
            self.meta[str(d.get("name"))] = str(d.get("content"))
        elif tag == "a":
            assert self._open is None, "nested anchors"
            self._open, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, self._text))
            self._open = None


def get(url: str, accept: str | None = None) -> tuple[str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=10) as r:
        return str(r.headers.get("Content-Type", "")), r.read()


def html_page(url: str) -> _Page:
    ctype, body = get(url, "text/html")
    assert ctype.split(";")[0] in ("text/html", "application/vnd.pypi.simple.v1+html"), url
    page = _Page()
    page.feed(body.decode("utf-8"))
    assert page.doctype.lower() == "doctype html", f"{url}: not an HTML5 page"
    assert page.meta.get("pypi:repository-version") == "1.1", f"{url}: PEP 629 version"
    return page


def json_page(url: str, schema: dict[str, Any]) -> dict[str, Any]:
    ctype, body = get(url, JSON_TYPE)
    assert ctype == JSON_TYPE, url
    doc: dict[str, Any] = json.loads(body)
    jsonschema.validate(doc, schema)
    return doc


def check_index(simple: str) -> dict[str, dict[str, Any]]:
    """Every page under ``simple`` against PEP 503, 691, 700, 658/714 and 592; every file and metadata
    file downloaded through the URL the page gives and hashed. Returns project -> JSON page."""
    root = json_page(simple, ROOT_SCHEMA)
    names = [p["name"] for p in root["projects"]]
    root_html = html_page(simple)
    assert sorted(text for _, text in root_html.anchors) == sorted(names)
    assert all(a["href"] == f"{text}/" for a, text in root_html.anchors)
    pages = {}
    for name in names:
        assert canonicalize_name(name) == name, "project URLs use the normalized name"
        url = urllib.parse.urljoin(simple, f"{name}/")
        doc = json_page(url, PROJECT_SCHEMA)
        assert doc["name"] == name
        anchors = {text: a for a, text in html_page(url).anchors}
        assert sorted(anchors) == sorted(f["filename"] for f in doc["files"]), "HTML and JSON list the same files"
        for f in doc["files"]:
            name_, version, _, _ = parse_wheel_filename(f["filename"])
            assert name_ == name and str(version) in doc["versions"], "versions covers every file (PEP 700)"
            target = urllib.parse.urljoin(url, f["url"])
            assert urllib.parse.unquote(urllib.parse.urlsplit(target).path).rsplit("/", 1)[-1] == f["filename"]
            body = get(target)[1]
            assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"], f"{target}: hash"
            assert len(body) == f["size"], f"{target}: size"
            a = anchors[f["filename"]]
            href, _, fragment = str(a["href"]).partition("#")
            assert href == f["url"] and fragment == f"sha256={f['hashes']['sha256']}"
            assert a.get("data-requires-python") == f.get("requires-python")
            assert f.get("core-metadata") == f.get("dist-info-metadata"), "PEP 714 keeps both names in step"
            assert a.get("data-core-metadata") == a.get("data-dist-info-metadata")
            if f.get("core-metadata"):
                meta = get(target + ".metadata")[1]
                assert hashlib.sha256(meta).hexdigest() == f["core-metadata"]["sha256"]
                assert a["data-core-metadata"] == f"sha256={f['core-metadata']['sha256']}"
                assert f"\nVersion: {version}\n" in meta.decode()
            else:
                assert "data-core-metadata" not in a
            if f.get("yanked"):
                assert "data-yanked" in a and a["data-yanked"] == (f["yanked"] if isinstance(f["yanked"], str) else "")
            else:
                assert "data-yanked" not in a
        pages[name] = doc
    return pages


# --- tests ---------------------------------------------------------------------------------


def test_publish_writes_pep503_691_700_658(tmp_path: Path) -> None:
    index = tmp_path / "index"
    when = datetime(2026, 12, 1, 9, 30, 5, 123456, tzinfo=timezone.utc)
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13")], now=when)
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13.post1", requires_python=">=3.9")])
    page = json.loads((index / "simple" / "wheelfarm-zlib" / "index.json").read_text())
    assert page["meta"]["api-version"] == "1.1"
    assert page["versions"] == ["1.2.13", "1.2.13.post1"]
    f, g = page["files"]
    assert f["upload-time"] == "2026-12-01T09:30:05.123456Z"
    assert f["size"] == (index / "files" / f["filename"]).stat().st_size
    assert f["core-metadata"] == f["dist-info-metadata"] == {
        "sha256": hashlib.sha256((index / "files" / (f["filename"] + ".metadata")).read_bytes()).hexdigest()}
    assert "data-dist-info-metadata" not in f, "PEP 691's JSON key has no data- prefix"
    base = (index / "simple" / "wheelfarm-zlib").as_uri() + "/"
    assert urllib.parse.urljoin(base, f["url"]) == (index / "files" / f["filename"]).as_uri()
    assert g["requires-python"] == ">=3.9" and f["yanked"] is False
    html_text = (index / "simple" / "wheelfarm-zlib" / "index.html").read_text()
    assert 'data-requires-python="&gt;=3.9"' in html_text and "data-core-metadata" in html_text
    assert published_versions(index, "wheelfarm_zlib") == ["1.2.13", "1.2.13.post1"]
    assert len(list((index / "generations").iterdir())) == 1, "old generations are removed"


def test_what_a_killed_writer_left_is_swept_by_the_next(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13")])
    leftovers = [index / "files" / ".wheelfarm_zlib-1.3-py3-none-any.whl.part", index / ".current-0badc0de",
                 index / ".simple-0badc0de"]
    leftovers[0].write_bytes(b"half a wheel")
    os.symlink("generations/gone", leftovers[1])
    os.symlink("current/simple", leftovers[2])
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.2.13.post1")])
    assert not [p for p in leftovers if os.path.lexists(p)]
    assert published_versions(index, "wheelfarm-zlib") == ["1.2.13", "1.2.13.post1"]


def test_republishing_different_bytes_is_refused(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "a", "wheelfarm-zlib", "1.0", "one")])
    before = snapshot(index)
    with pytest.raises(IndexError_, match="already published with different content"):
        publish(index, [wheel(tmp_path / "c", "wheelfarm-libpng", "1.6"),
                        wheel(tmp_path / "b", "wheelfarm-zlib", "1.0", "two")])
    assert snapshot(index) == before, "one refused wheel publishes none"
    publish(index, [wheel(tmp_path / "a", "wheelfarm-zlib", "1.0", "one")])
    assert snapshot(index) == before, "publishing the same bytes again changes nothing"


def test_a_wheel_whose_metadata_names_another_project_is_refused(tmp_path: Path) -> None:
    bad = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")
    bad = bad.rename(bad.with_name(bad.name.replace("zlib", "libz")))
    with pytest.raises(IndexError_, match="METADATA names 'wheelfarm-zlib'"):
        publish(tmp_path / "index", [bad])


def test_serve_negotiates_json(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")])
    server = make_server(index, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/simple/wheelfarm-zlib/"
        for asked in (JSON_TYPE, "application/vnd.pypi.simple.latest+json"):
            ctype, body = get(base, asked)
            assert ctype == JSON_TYPE and json.loads(body)["name"] == "wheelfarm-zlib"
        assert b"<a href" in get(base)[1]
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
    yank(index, newest.name, "miscompiled")
    newest = newest_release(index, "wheelfarm-openblas")
    assert newest is not None and newest.name == "wheelfarm_openblas-0.3.34.post1-py3-none-linux_x86_64.whl"


def test_yank_with_a_reason_shows_in_html_and_json_and_can_be_taken_back(tmp_path: Path) -> None:
    index = tmp_path / "index"
    w = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")
    publish(index, [w, wheel(tmp_path / "wh", "wheelfarm-zlib", "1.1")])
    before = os.readlink(index / "current")
    assert yank(index, w.name, 'links the "wrong" libc <2.28>')
    assert os.readlink(index / "current") != before, "a yank is a new generation"
    assert not yank(index, w.name, 'links the "wrong" libc <2.28>'), "the same yank again changes nothing"
    page = json.loads((index / "simple" / "wheelfarm-zlib" / "index.json").read_text())
    assert [f["yanked"] for f in page["files"]] == ['links the "wrong" libc <2.28>', False]
    assert page["versions"] == ["1.0", "1.1"], "a yanked version is still a version (PEP 700)"
    text = (index / "simple" / "wheelfarm-zlib" / "index.html").read_text()
    assert 'data-yanked="links the &quot;wrong&quot; libc &lt;2.28&gt;"' in text
    assert text.count("data-yanked") == 1
    assert unyank(index, w.name) and not unyank(index, w.name)
    assert "data-yanked" not in (index / "simple" / "wheelfarm-zlib" / "index.html").read_text()
    with pytest.raises(IndexError_, match="a yank needs a reason"):
        yank(index, w.name, "  ")
    with pytest.raises(IndexError_, match="wheelfarm_zlib-9.9-py3-none-linux_x86_64.whl is not published"):
        yank(index, "wheelfarm_zlib-9.9-py3-none-linux_x86_64.whl", "gone")
    assert len(list((index / "generations").iterdir())) == 1


def test_every_page_meets_the_peps(served_index: tuple[Path, str], bucket: Bucket, tmp_path: Path) -> None:
    index, simple = served_index
    wh = tmp_path / "wh"
    publish(index, [wheel(wh, "wheelfarm-zlib", "1.2.13"), wheel(wh, "wheelfarm-zlib", "1.2.13.post1"),
                    wheel(wh, "wheelfarm-gdal", "3.6.2", requires_python=">=3.9,<4"), wheel(wh, "Wheelfarm.PROJ", "9.1")])
    yank(index, "wheelfarm_zlib-1.2.13-py3-none-linux_x86_64.whl", "built against the wrong pins")
    moved = "wheelfarm_zlib-1.2.13.post1-py3-none-linux_x86_64.whl"
    move(index, moved, upload(bucket, index, moved))
    bare = "wheelfarm_gdal-3.6.2-py3-none-linux_x86_64.whl"
    move(index, bare, bucket.put(index / "files" / bare))  # no metadata file there: none announced
    pages = check_index(simple)
    assert sorted(pages) == ["wheelfarm-gdal", "wheelfarm-proj", "wheelfarm-zlib"]
    zlib = {f["filename"]: f for f in pages["wheelfarm-zlib"]["files"]}
    assert zlib[moved]["url"] == f"{bucket.url}/{moved}" and zlib[moved]["core-metadata"]
    assert zlib["wheelfarm_zlib-1.2.13-py3-none-linux_x86_64.whl"]["yanked"] == "built against the wrong pins"
    gdal = pages["wheelfarm-gdal"]["files"][0]
    assert gdal["url"].startswith(bucket.url) and "core-metadata" not in gdal
    assert gdal["requires-python"] == ">=3.9,<4"


def test_the_checks_catch_a_page_that_breaks_the_peps(served_index: tuple[Path, str], tmp_path: Path) -> None:
    index, simple = served_index
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")])
    page = index / "simple" / "wheelfarm-zlib" / "index.json"
    doc = json.loads(page.read_text())
    del doc["files"][0]["size"]
    page.write_text(json.dumps(doc))
    with pytest.raises(jsonschema.ValidationError, match="'size' is a required property"):
        check_index(simple)
    doc["files"][0]["size"] = 1
    page.write_text(json.dumps(doc))
    with pytest.raises(AssertionError, match="size"):
        check_index(simple)


def test_publish_to_a_base_url_checks_the_bytes_there(tmp_path: Path, bucket: Bucket) -> None:
    index = tmp_path / "index"
    w = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")
    with pytest.raises(MoveRefused, match=f"nothing at {re.escape(bucket.url)}/{w.name}"):
        publish(index, [w], base_url=bucket.url)
    assert not (index / "current").exists() and not list((index / "files").iterdir())
    bucket.put(w)
    publish(index, [w], base_url=bucket.url + "/")
    [entry] = read_record(index).files
    assert entry.url == f"{bucket.url}/{w.name}" and not entry.metadata_served
    assert entry.sha256 == hashlib.sha256(w.read_bytes()).hexdigest() and entry.size == w.stat().st_size
    assert verify(index).problems == ()


def test_verify_names_every_tampered_or_missing_file(tmp_path: Path, bucket: Bucket) -> None:
    index = tmp_path / "index"
    wheels = [wheel(tmp_path / "wh", "wheelfarm-zlib", v) for v in ("1.0", "1.1", "1.2")]
    publish(index, [*wheels, wheel(tmp_path / "wh", "wheelfarm-libpng", "1.6")])
    for w in wheels:
        move(index, w.name, upload(bucket, index, w.name))
    result = verify(index)
    assert (result.checked, result.external, result.problems) == (4, 3, ())
    (bucket.folder / wheels[0].name).write_bytes(b"tampered")
    (bucket.folder / f"{wheels[1].name}.metadata").write_bytes(b"Name: other\n")
    (bucket.folder / wheels[2].name).unlink()
    (index / "files" / "wheelfarm_libpng-1.6-py3-none-linux_x86_64.whl").write_bytes(b"also tampered")
    problems = verify(index).problems
    by_file = {p.filename: p for p in problems}
    assert sorted(by_file) == sorted([*(w.name for w in wheels), "wheelfarm_libpng-1.6-py3-none-linux_x86_64.whl"])
    assert by_file[wheels[0].name].message.startswith(f"sha256 {hashlib.sha256(b'tampered').hexdigest()} (8 bytes)")
    assert by_file[wheels[1].name].location.endswith(".metadata")
    assert by_file[wheels[2].name].message == "the file is missing"


def test_a_move_to_other_bytes_is_refused_and_the_index_is_unchanged(tmp_path: Path, bucket: Bucket) -> None:
    index = tmp_path / "index"
    w = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0", "the real one")
    publish(index, [w])
    impostor = wheel(tmp_path / "other", "wheelfarm-zlib", "1.0", "another build")
    url = bucket.put(impostor)
    before = snapshot(index)
    with pytest.raises(MoveRefused, match=f"{re.escape(w.name)}: {re.escape(url)} serves sha256 "
                                          f"{hashlib.sha256(impostor.read_bytes()).hexdigest()}"):
        move(index, w.name, url)
    assert snapshot(index) == before
    bucket.put(index / "files" / w.name)
    (bucket.folder / f"{w.name}.metadata").write_text("Metadata-Version: 2.4\nName: x\nVersion: 1\n")
    with pytest.raises(MoveRefused, match=r"\.metadata is not this wheel's core metadata"):
        move(index, w.name, url)
    with pytest.raises(MoveRefused, match="nothing at"):
        move(index, w.name, f"{bucket.url}/elsewhere/{w.name}")
    with pytest.raises(IndexError_, match="must end with the file's name"):
        move(index, w.name, f"{bucket.url}/renamed.whl")
    with pytest.raises(IndexError_, match="no query or fragment"):
        move(index, w.name, f"{url}?sig=abc")
    with pytest.raises(MoveRefused, match="cannot reach it"):
        move(index, w.name, f"http://127.0.0.1:9/{w.name}")
    assert snapshot(index) == before
    bucket.put(index / "files" / f"{w.name}.metadata")
    assert move(index, w.name, url) and not move(index, w.name, url)
    assert snapshot(index) != before


def test_file_urls_are_locations_too(tmp_path: Path) -> None:
    index = tmp_path / "index"
    w = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")
    publish(index, [w])
    store = tmp_path / "store"
    store.mkdir()
    shutil.copyfile(w, store / w.name)
    move(index, w.name, (store / w.name).as_uri())
    assert verify(index).problems == ()
    (store / w.name).write_bytes(b"changed")
    assert [p.filename for p in verify(index).problems] == [w.name]


def test_an_index_without_a_record_is_adopted_from_its_files(tmp_path: Path) -> None:
    """Indexes written before the record existed: files/ and a simple -> generations/<id> link."""
    index = tmp_path / "index"
    (index / "generations" / "old").mkdir(parents=True)
    (index / "files").mkdir()
    w = wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")
    shutil.copy2(w, index / "files" / w.name)
    os.utime(index / "files" / w.name, (1_700_000_000, 1_700_000_000))
    os.symlink("generations/old", index / "simple")
    rebuild_pages(index)
    assert os.readlink(index / "simple") == "current/simple"
    assert [g.name for g in (index / "generations").iterdir()] != ["old"]
    [f] = json.loads((index / "simple" / "wheelfarm-zlib" / "index.json").read_text())["files"]
    assert f["upload-time"] == "2023-11-14T22:13:20.000000Z", "the time the file was written to the index"
    assert (index / "files" / f"{w.name}.metadata").is_file()
    assert "wheelfarm_zlib-1.0" in (index / "current" / "record.jsonl").read_text()


def test_a_broken_record_names_its_file_and_line(tmp_path: Path) -> None:
    index = tmp_path / "index"
    publish(index, [wheel(tmp_path / "wh", "wheelfarm-zlib", "1.0")])
    record = index / "current" / "record.jsonl"
    lines = record.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["size"] = "12"
    record.write_text("\n".join([lines[0], json.dumps(entry)]) + "\n")
    with pytest.raises(RecordError, match=rf"{re.escape(str(record.resolve()))}:2: size must be int"):
        read_record(index)
    entry["size"], entry["colour"] = 12, "red"
    record.write_text("\n".join([lines[0], json.dumps(entry)]) + "\n")
    with pytest.raises(RecordError, match=":2: unknown key 'colour'"):
        read_record(index)


def test_cli_verify_exits_nonzero_naming_the_bad_file(tmp_path: Path, bucket: Bucket, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    for var in ("FARM_INDEX", "FARM_WHEELHOUSE"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "farm"
    root.mkdir()
    (root / "farm.toml").write_text("")
    w = wheel(root / "wheelhouse", "wheelfarm-zlib", "1.0")
    assert main(["index", "--root", str(root)]) == 0
    assert main(["index", str(wheel(tmp_path / "other", "wheelfarm-zlib", "1.1")), "--root", str(root)]) == 0
    assert main(["index", "publish", str(w), "--root", str(root)]) == 0
    assert published_versions(root / "index", "wheelfarm-zlib") == ["1.0", "1.1"]
    assert main(["index", "yank", w.name, "--root", str(root)]) == 1
    assert "needs --reason" in capsys.readouterr().err
    assert main(["index", "verify", "--reason", "x", "--root", str(root)]) == 1
    assert main(["index", "yank", w.name, "--reason", "broken", "--root", str(root)]) == 0
    url = upload(bucket, root / "index", w.name)
    assert main(["index", "move", w.name, url, "--root", str(root)]) == 0
    assert main(["index", "verify", "--root", str(root)]) == 0
    (bucket.folder / w.name).write_bytes(b"tampered")
    capsys.readouterr()
    assert main(["index", "--root", str(root), "verify"]) == 1
    out, err = capsys.readouterr()
    assert f"{w.name}: {url}: sha256 " in err and f"do not match the record: {w.name}" in out
    before = snapshot(root / "index")
    assert main(["index", "move", w.name, url, "--root", str(root)]) == 1
    assert f"farm index: error: {w.name}: {url} serves sha256" in capsys.readouterr().err
    assert snapshot(root / "index") == before


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-cache-dir",
                           "--no-deps", "--no-input", "--timeout", "10"],
                          cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_pip_installs_from_the_index_with_a_file_that_lives_elsewhere(served_index: tuple[Path, str],
                                                                      bucket: Bucket, tmp_path: Path) -> None:
    index, simple = served_index
    wh = tmp_path / "wh"
    publish(index, [installable_wheel(wh, "farm-tiny", v) for v in ("1.0", "2.0", "3.0")])
    external = "farm_tiny-2.0-py3-none-any.whl"
    publish_url = upload(bucket, index, external)
    move(index, external, publish_url)
    yank(index, "farm_tiny-3.0-py3-none-any.whl", "broken on purpose")
    (index / "files" / external).unlink()  # the index's copy is gone: only the bucket has it
    check_index(simple)
    # file:// (HTML pages): pip skips the yanked 3.0 and fetches 2.0 from the bucket
    done = _pip("install", "--target", str(tmp_path / "t"), "--index-url", (index / "simple").as_uri() + "/",
                "farm-tiny", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "t" / "farm_tiny_mod.py").read_text() == "VERSION = '2.0'\n"
    # http:// (PEP 691 JSON by content negotiation)
    done = _pip("download", "-d", str(tmp_path / "d"), "--index-url", simple, "farm-tiny", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in (tmp_path / "d").iterdir()] == [external]
    assert (tmp_path / "d" / external).read_bytes() == (bucket.folder / external).read_bytes()
    # the bytes behind the URL change: pip refuses them, by the hash on the page
    (bucket.folder / external).write_bytes((bucket.folder / external).read_bytes() + b"\0")
    done = _pip("download", "-d", str(tmp_path / "d2"), "--index-url", simple, "farm-tiny==2.0", cwd=tmp_path)
    assert done.returncode != 0 and "hash" in (done.stdout + done.stderr).lower()
