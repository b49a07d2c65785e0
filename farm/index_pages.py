"""The simple repository pages of a record: PEP 503 HTML and PEP 691 JSON, API version 1.1.

Pure: a :class:`~farm.index_record.Record` in, page texts out, nothing read or written.
Each file link carries its sha256 (PEP 503), its core metadata file's hash (PEP 658,
under both of PEP 714's names), its Requires-Python, its yank and reason (PEP 592); the
JSON pages add each file's size and upload time and the project's versions (PEP 700).
A file served by the index itself is linked relatively (``../../files/<name>``); a file
that lives elsewhere by its recorded URL.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from typing import Any

from farm.index_record import Published, Record

__all__ = ["API_VERSION", "file_url", "render"]

API_VERSION = "1.1"

_HEAD = '<meta name="pypi:repository-version" content="' + API_VERSION + '">'


def file_url(entry: Published) -> str:
    """Where a project page sends an installer for ``entry`` (relative to ``simple/<project>/``)."""
    return entry.url if entry.url is not None else "../../files/" + urllib.parse.quote(entry.filename)


def _attr(name: str, value: str) -> str:
    return f' {name}="{html.escape(value, quote=True)}"'


def _link(entry: Published) -> str:
    attrs = _attr("href", f"{file_url(entry)}#sha256={entry.sha256}")
    if entry.requires_python is not None:
        attrs += _attr("data-requires-python", entry.requires_python)
    if entry.metadata_served:
        attrs += _attr("data-dist-info-metadata", f"sha256={entry.metadata_sha256}")
        attrs += _attr("data-core-metadata", f"sha256={entry.metadata_sha256}")
    if entry.yanked is not None:
        attrs += _attr("data-yanked", entry.yanked)
    return f"    <a{attrs}>{html.escape(entry.filename)}</a><br>"


def _page(title: str, body: list[str]) -> str:
    return "\n".join([
        "<!DOCTYPE html>", "<html>", f"  <head>{_HEAD}<title>{html.escape(title)}</title></head>", "  <body>",
        f"    <h1>{html.escape(title)}</h1>", *body, "  </body>", "</html>", "",
    ])


def _file_doc(entry: Published) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "filename": entry.filename,
        "url": file_url(entry),
        "hashes": {"sha256": entry.sha256},
        "size": entry.size,
        "yanked": entry.yanked if entry.yanked is not None else False,
    }
    if entry.upload_time is not None:
        doc["upload-time"] = entry.upload_time
    if entry.requires_python is not None:
        doc["requires-python"] = entry.requires_python
    if entry.metadata_served:
        doc["core-metadata"] = {"sha256": entry.metadata_sha256}
        doc["dist-info-metadata"] = {"sha256": entry.metadata_sha256}
    return doc


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def render(record: Record) -> dict[str, str]:
    """Path under ``simple/`` -> text, for the root and every project (HTML and JSON)."""
    meta = {"api-version": API_VERSION}
    projects = record.projects()
    pages = {
        "index.html": _page("Simple index", [f'    <a href="{n}/">{n}</a><br>' for n in projects]),
        "index.json": _json({"meta": meta, "projects": [{"name": n} for n in projects]}),
    }
    for name, entries in projects.items():
        pages[f"{name}/index.html"] = _page(f"Links for {name}", [_link(e) for e in entries])
        pages[f"{name}/index.json"] = _json({
            "meta": meta, "name": name, "versions": record.versions(name),
            "files": [_file_doc(e) for e in entries],
        })
    return pages
