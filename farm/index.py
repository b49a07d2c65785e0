"""The static package index: PEP 503 HTML, PEP 691 JSON, PEP 658 metadata files.

Layout (served as-is by any HTTP server, or read by pip through file://)::

    index/files/<wheel>            published wheels (never rewritten)
    index/files/<wheel>.metadata   PEP 658 core metadata
    index/generations/<id>/...     one complete simple/ tree per update
    index/simple -> generations/<id>   swapped atomically by rename

A reader always sees one whole generation: an update never leaves a half-written page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.utils import InvalidWheelFilename

from farm.errors import FarmError
from farm.fetch import sha256_file

__all__ = ["IndexError_", "newest_release", "publish", "published_versions", "rebuild_pages"]


class IndexError_(FarmError, ValueError):
    """A wheel cannot be published."""


@dataclass(frozen=True)
class _File:
    name: str
    sha256: str
    metadata_sha256: str


def _metadata_bytes(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise IndexError_(f"{wheel.name}: expected one .dist-info/METADATA, found {len(names)}")
        return zf.read(names[0])


def publish(index: Path, wheels: Iterable[Path]) -> list[Path]:
    """Copy wheels into ``index/files`` (with metadata files) and swap in new pages."""
    files = index / "files"
    files.mkdir(parents=True, exist_ok=True)
    added = []
    for wheel in wheels:
        try:
            parse_wheel_filename(wheel.name)
        except InvalidWheelFilename as exc:
            raise IndexError_(f"{wheel}: {exc}") from None
        target = files / wheel.name
        if target.exists():
            if sha256_file(target) != sha256_file(wheel):
                raise IndexError_(
                    f"{wheel.name} is already published with different content; bump the build number instead"
                )
            continue
        meta = _metadata_bytes(wheel)
        tmp = files / f".{wheel.name}.part"
        shutil.copyfile(wheel, tmp)
        (files / f".{wheel.name}.metadata.part").write_bytes(meta)
        os.replace(files / f".{wheel.name}.metadata.part", files / f"{wheel.name}.metadata")
        os.replace(tmp, target)
        added.append(target)
    rebuild_pages(index)
    return added


def _collect(files: Path) -> dict[str, list[_File]]:
    projects: dict[str, list[_File]] = defaultdict(list)
    for wheel in sorted(files.glob("*.whl")):
        name = parse_wheel_filename(wheel.name)[0]
        meta = files / f"{wheel.name}.metadata"
        if not meta.exists():
            meta.write_bytes(_metadata_bytes(wheel))
        projects[str(name)].append(_File(wheel.name, sha256_file(wheel), sha256_file(meta)))
    return projects


def _project_pages(name: str, entries: list[_File]) -> tuple[str, str]:
    links = "\n".join(
        f'    <a href="../../files/{html.escape(f.name)}#sha256={f.sha256}" '
        f'data-dist-info-metadata="sha256={f.metadata_sha256}" '
        f'data-core-metadata="sha256={f.metadata_sha256}">{html.escape(f.name)}</a><br>'
        for f in entries
    )
    page = (f'<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.1">'
            f"<title>Links for {name}</title></head>\n  <body>\n    <h1>Links for {name}</h1>\n{links}\n  </body>\n</html>\n")
    versions = sorted({str(parse_wheel_filename(f.name)[1]) for f in entries})
    doc = {
        "meta": {"api-version": "1.1"},
        "name": name,
        "versions": versions,
        "files": [
            {
                "filename": f.name,
                "url": f"../../files/{f.name}",
                "hashes": {"sha256": f.sha256},
                "core-metadata": {"sha256": f.metadata_sha256},
                "data-dist-info-metadata": {"sha256": f.metadata_sha256},
            }
            for f in entries
        ],
    }
    return page, json.dumps(doc, indent=1, sort_keys=True) + "\n"


def rebuild_pages(index: Path) -> Path:
    """Write a whole new generation of pages, then point ``simple`` at it atomically."""
    files = index / "files"
    files.mkdir(parents=True, exist_ok=True)
    generations = index / "generations"
    gen = generations / uuid.uuid4().hex[:12]
    projects = _collect(files)
    for name, entries in projects.items():
        d = gen / name
        d.mkdir(parents=True)
        page, doc = _project_pages(name, entries)
        (d / "index.html").write_text(page, encoding="utf-8")
        (d / "index.json").write_text(doc, encoding="utf-8")
    gen.mkdir(parents=True, exist_ok=True)
    names = sorted(projects)
    root_links = "\n".join(f'    <a href="{n}/">{n}</a><br>' for n in names)
    (gen / "index.html").write_text(
        f'<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.1">'
        f"<title>Simple index</title></head>\n  <body>\n{root_links}\n  </body>\n</html>\n",
        encoding="utf-8",
    )
    (gen / "index.json").write_text(
        json.dumps({"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}, indent=1) + "\n",
        encoding="utf-8",
    )
    link = index / "simple"
    tmp_link = index / f".simple-{gen.name}"
    os.symlink(os.path.relpath(gen, index), tmp_link)
    old = os.readlink(link) if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        raise IndexError_(f"{link} is a folder, not farm's generation link; move it away and run 'farm index'")
    os.replace(tmp_link, link)
    if old:
        shutil.rmtree(index / old, ignore_errors=True)
    return gen


def published_versions(index: Path, dist: str) -> list[str]:
    """Versions of ``dist`` the index publishes."""
    page = index / "simple" / str(canonicalize_name(dist)) / "index.json"
    if not page.exists():
        return []
    return list(json.loads(page.read_text(encoding="utf-8"))["versions"])


def newest_release(index: Path, dist: str) -> Path | None:
    """The published wheel of ``dist`` with the highest release version, or None.

    Development builds (a local label, ``0.3.34+kernelshaswell``) are not releases. Versions
    are compared as versions: file names do not sort by them (0.3.34.post1, 0.3.100).
    """
    wanted = canonicalize_name(dist)
    releases = [(version, wheel) for wheel in (index / "files").glob("*.whl")
                for name, version, _, _ in [parse_wheel_filename(wheel.name)]
                if name == wanted and not version.local]
    return max(releases)[1] if releases else None
