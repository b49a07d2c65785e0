"""The static package index: PEP 503 HTML, PEP 691/700 JSON, PEP 658 metadata, PEP 592 yanks.

Layout (served as-is by any HTTP server, or read by pip through file://)::

    index/files/<wheel>                   the index's own copies (never rewritten)
    index/files/<wheel>.metadata          PEP 658 core metadata
    index/generations/<id>/record.jsonl   every published file: sha256, size, upload time, URL, yank
    index/generations/<id>/simple/...     the pages generated from that record
    index/current -> generations/<id>     swapped atomically by rename
    index/simple -> current/simple

A reader always sees one whole generation, record and pages together: an update writes a
new generation and swaps ``current`` in one rename, so it never leaves a half-written
page, and an update refused (a wheel whose bytes differ from what is published, a move to
a place serving other bytes) leaves the index byte for byte as it was. Updates take a
lock on ``index/.lock``.

A file may live anywhere (object storage, release assets): its sha256 and size are
recorded once, at publication, from the bytes published, and it moves (``move``, or
``publish`` with a base URL) only when the bytes at the new place hash to the record.
``verify`` downloads every file that lives elsewhere and checks it against the record.
"""

from __future__ import annotations

import email.parser
import fcntl
import hashlib
import os
import re
import shutil
import urllib.parse
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from farm.digest import SCHEMES, Digest, DigestError, Probe, digest_file, url_probe
from farm.errors import FarmError
from farm.index_pages import render
from farm.index_record import Published, Record, upload_time

__all__ = [
    "IndexError_", "MoveRefused", "Problem", "Verified", "move", "newest_release", "publish",
    "published_versions", "read_record", "rebuild_pages", "unyank", "verify", "yank",
]


class IndexError_(FarmError, ValueError):
    """A wheel cannot be published, or the index cannot be changed as asked."""


class MoveRefused(IndexError_):
    """A new location of a file does not serve the bytes recorded at its publication."""


@dataclass(frozen=True)
class Problem:
    filename: str
    location: str
    message: str


@dataclass(frozen=True)
class Verified:
    checked: int
    external: int
    problems: tuple[Problem, ...]


# --- reading wheels ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wheel:
    path: Path
    entry: Published
    metadata: bytes


def _metadata_bytes(wheel: Path) -> bytes:
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(names) != 1:
                raise IndexError_(f"{wheel}: expected one .dist-info/METADATA, found {len(names)}")
            return zf.read(names[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise IndexError_(f"{wheel}: not a readable wheel ({exc})") from None


def _read_wheel(wheel: Path, moment: datetime) -> _Wheel:
    try:
        name, version, _, _ = parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as exc:
        raise IndexError_(f"{wheel}: {exc}") from None
    meta = _metadata_bytes(wheel)
    headers = email.parser.BytesHeaderParser().parsebytes(meta)
    if canonicalize_name(str(headers.get("Name", ""))) != name:
        raise IndexError_(f"{wheel}: its METADATA names {headers.get('Name')!r}, its file name {name}")
    requires_python = headers.get("Requires-Python")
    digest = digest_file(wheel)
    meta_sha = hashlib.sha256(meta).hexdigest()
    entry = Published(
        filename=wheel.name, project=str(name), version=str(version), sha256=digest.sha256, size=digest.size,
        metadata_sha256=meta_sha, upload_time=upload_time(moment),
        requires_python=str(requires_python).strip() if requires_python else None,
    )
    return _Wheel(wheel, entry, meta)


# --- generations ---------------------------------------------------------------------------


def _generation(index: Path) -> Path | None:
    current = index / "current"
    return current.resolve() if current.is_symlink() else None


def _stored(index: Path) -> Record | None:
    gen = _generation(index)
    file = gen / "record.jsonl" if gen else None
    if file is None or not file.exists():
        return None
    return Record.loads(file.read_text(encoding="utf-8"), file)


def read_record(index: Path) -> Record:
    """What the index publishes now; wheels in ``files/`` that no record lists are added.

    Such a wheel was published before the index kept a record (or copied in by hand): it
    is recorded from its bytes, with the time it was written there as its upload time.
    Reading changes nothing on disk.
    """
    record = _stored(index) or Record()
    files = index / "files"
    for wheel in sorted(files.glob("*.whl")) if files.is_dir() else []:
        if record.get(wheel.name) is None:
            moment = datetime.fromtimestamp(wheel.stat().st_mtime, timezone.utc)
            record = record.put(_read_wheel(wheel, moment).entry)
    return record


def _ensure_metadata(index: Path, record: Record) -> None:
    """Write the PEP 658 file of every wheel the index serves itself that lacks one."""
    for entry in record.files:
        wheel = index / "files" / entry.filename
        meta = wheel.with_name(f"{wheel.name}.metadata")
        if entry.url is None and not meta.exists() and wheel.exists():
            _write_atomic(meta, _metadata_bytes(wheel))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _swap_link(link: Path, target: str) -> None:
    if link.exists() and not link.is_symlink():
        raise IndexError_(f"{link} is a folder, not farm's generation link; move it away and run 'farm index'")
    tmp = link.with_name(f".{link.name}-{uuid.uuid4().hex[:8]}")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _write_generation(index: Path, record: Record) -> Path:
    """Write ``record`` and its pages as a new generation and make it the current one."""
    link = index / "simple"
    if link.exists() and not link.is_symlink():
        raise IndexError_(f"{link} is a folder, not farm's generation link; move it away and run 'farm index'")
    generations = index / "generations"
    gen = generations / uuid.uuid4().hex[:12]
    simple = gen / "simple"
    simple.mkdir(parents=True)
    for rel, text in render(record).items():
        page = simple / rel
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
    (gen / "record.jsonl").write_text(record.dumps(), encoding="utf-8")
    _swap_link(index / "current", os.path.relpath(gen, index))
    if not link.is_symlink() or os.readlink(link) != os.path.join("current", "simple"):
        _swap_link(link, os.path.join("current", "simple"))
    for old in generations.iterdir():
        if old.name != gen.name:
            shutil.rmtree(old, ignore_errors=True)
    return gen


@contextmanager
def _locked(index: Path, create: bool = False) -> Iterator[None]:
    if not index.is_dir():
        if not create:
            raise IndexError_(f"{index}: no index here; publish wheels with 'farm index' first")
        index.mkdir(parents=True)
    with (index / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _sweep(index)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sweep(index: Path) -> None:
    """What a writer killed half way left (under the lock, so no writer is running): partly
    copied files and links that were never swapped in. No page names them."""
    for leftover in (*(index / "files").glob(".*.part"), *index.glob(".current-*"), *index.glob(".simple-*")):
        leftover.unlink(missing_ok=True)


def rebuild_pages(index: Path) -> Path:
    """Write a whole new generation from the record (and any unrecorded wheel in ``files/``)."""
    with _locked(index, create=True):
        (index / "files").mkdir(exist_ok=True)
        record = read_record(index)
        _ensure_metadata(index, record)
        return _write_generation(index, record)


# --- locations -----------------------------------------------------------------------------


def _check_url(entry: Published, url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if not url.startswith(SCHEMES) or not parts.path:
        raise IndexError_(f"{url}: a file's location is an http://, https:// or file:// URL")
    if parts.query or parts.fragment:
        raise IndexError_(f"{url}: a file's URL carries no query or fragment (the index appends #sha256=, "
                          "and PEP 658 serves the metadata at the URL + .metadata)")
    last = urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
    if last != entry.filename:
        raise IndexError_(f"{url}: the URL must end with the file's name, {entry.filename} (installers take "
                          "the name from it)")


def _locate(entry: Published, url: str, probe: Probe) -> Published:
    """``entry`` served from ``url``, once the bytes there hash to the record; else MoveRefused."""
    _check_url(entry, url)
    try:
        found = probe(url)
        meta = probe(url + ".metadata")
    except DigestError as exc:
        raise MoveRefused(f"{entry.filename}: {exc}; the index is unchanged") from None
    if found is None:
        raise MoveRefused(f"{entry.filename}: nothing at {url}; upload the file there first, the index is unchanged")
    if found != Digest(entry.sha256, entry.size):
        raise MoveRefused(f"{entry.filename}: {url} serves sha256 {found.sha256} ({found.size} bytes), the record "
                          f"says {entry.sha256} ({entry.size} bytes); refused, the index is unchanged")
    if meta is not None and meta.sha256 != entry.metadata_sha256:
        raise MoveRefused(f"{entry.filename}: {url}.metadata is not this wheel's core metadata (sha256 "
                          f"{meta.sha256}, the record says {entry.metadata_sha256}); refused, the index is unchanged")
    return replace(entry, url=url, metadata_served=meta is not None)


# --- changes -------------------------------------------------------------------------------


def publish(index: Path, wheels: Iterable[Path], *, base_url: str | None = None, probe: Probe | None = None,
            now: datetime | None = None) -> list[Path]:
    """Copy wheels into ``index/files`` (with metadata files) and swap in new pages.

    With ``base_url`` the pages send installers to ``<base_url>/<wheel>``, and each wheel is
    published only when the bytes there are the wheel's. Every wheel is checked before any
    is written: one refused wheel publishes none. Returns the wheels newly in ``files/``.
    """
    moment = now or datetime.now(timezone.utc)
    with _locked(index, create=True):
        files = index / "files"
        files.mkdir(exist_ok=True)
        stored = _stored(index)
        record = read_record(index)
        new: dict[str, _Wheel] = {}
        for path in wheels:
            wheel = _read_wheel(path, moment)
            known = record.get(path.name) or (new[path.name].entry if path.name in new else None)
            if known is not None:
                if known.sha256 != wheel.entry.sha256:
                    raise IndexError_(f"{path.name} is already published with different content; bump the build "
                                      "number instead")
                continue
            new[path.name] = wheel
        if base_url is not None:
            where = probe or url_probe()
            for name, wheel in new.items():
                url = base_url.rstrip("/") + "/" + urllib.parse.quote(name)
                new[name] = replace(wheel, entry=_locate(wheel.entry, url, where))
        added = []
        for name, wheel in new.items():
            target = files / name
            if not target.exists():  # one there would have been read into the record, and compared
                tmp = files / f".{name}.part"
                shutil.copyfile(wheel.path, tmp)
                _write_atomic(files / f"{name}.metadata", wheel.metadata)
                os.replace(tmp, target)
                added.append(target)
            record = record.put(wheel.entry)
        if record != stored:
            _ensure_metadata(index, record)
            _write_generation(index, record)
        return added


def _change(index: Path, filename: str, update: Callable[[Published], Published]) -> bool:
    with _locked(index):
        record = read_record(index)
        entry = record.get(filename)
        if entry is None:
            raise IndexError_(f"{filename} is not published in {index}; 'farm index' publishes it")
        changed = update(entry)
        if changed == entry and record == _stored(index):
            return False
        _ensure_metadata(index, record)
        _write_generation(index, record.put(changed))
        return changed != entry


def yank(index: Path, filename: str, reason: str) -> bool:
    """Mark a published file yanked (PEP 592) with ``reason``; False when it already was, for that reason."""
    reason = reason.strip()
    if not reason or "\n" in reason:
        raise IndexError_(f"{filename}: a yank needs a reason of one line, which installers show to users")
    return _change(index, filename, lambda e: replace(e, yanked=reason))


def unyank(index: Path, filename: str) -> bool:
    """Take a file's yank back; False when it was not yanked."""
    return _change(index, filename, lambda e: replace(e, yanked=None))


def move(index: Path, filename: str, url: str, probe: Probe | None = None) -> bool:
    """Serve ``filename`` from ``url`` from now on, when the bytes there are the ones recorded.

    Refused (:class:`MoveRefused`, index unchanged) when they differ, or when a metadata
    file at ``<url>.metadata`` is not the wheel's. Without one there, the pages stop
    announcing a metadata file for it. False when the file is already served from ``url``.
    """
    return _change(index, filename, lambda e: _locate(e, url, probe or url_probe()))


# --- checks and queries --------------------------------------------------------------------


def _local_digest(path: Path) -> Digest | None:
    try:
        return digest_file(path)
    except FileNotFoundError:
        return None


def _problems(index: Path, entry: Published, probe: Probe) -> list[Problem]:
    if entry.url is None:
        location = str(index / "files" / entry.filename)
        try:
            checks = [(location, _local_digest(Path(location)), Digest(entry.sha256, entry.size), "file"),
                      (location + ".metadata", _local_digest(Path(location + ".metadata")), None, "metadata file")]
        except OSError as exc:
            return [Problem(entry.filename, location, f"cannot read it ({exc.strerror or exc})")]
    else:
        location = entry.url
        try:
            checks = [(location, probe(location), Digest(entry.sha256, entry.size), "file")]
            if entry.metadata_served:
                checks.append((location + ".metadata", probe(location + ".metadata"), None, "metadata file"))
        except DigestError as exc:
            return [Problem(entry.filename, location, str(exc))]
    out = []
    for where, found, wanted, what in checks:
        if found is None:
            out.append(Problem(entry.filename, where, f"the {what} is missing"))
        elif wanted is not None and found != wanted:
            out.append(Problem(entry.filename, where, f"sha256 {found.sha256} ({found.size} bytes), "
                                                      f"recorded {wanted.sha256} ({wanted.size} bytes)"))
        elif wanted is None and found.sha256 != entry.metadata_sha256:
            out.append(Problem(entry.filename, where, f"metadata sha256 {found.sha256}, recorded "
                                                      f"{entry.metadata_sha256}"))
    return out


def verify(index: Path, probe: Probe | None = None, workers: int = 8) -> Verified:
    """Download every file that lives elsewhere, hash every local one, and compare with the record."""
    if not index.is_dir():
        raise IndexError_(f"{index}: no index here; publish wheels with 'farm index' first")
    record = read_record(index)
    where = probe or url_probe()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(lambda e: _problems(index, e, where), record.files))
    return Verified(len(record.files), sum(1 for f in record.files if f.external),
                    tuple(p for problems in found for p in problems))


def published_versions(index: Path, dist: str) -> list[str]:
    """Versions of ``dist`` the index publishes (yanked ones too, as PEP 700's ``versions``)."""
    return read_record(index).versions(str(canonicalize_name(dist))) if index.is_dir() else []


def newest_release(index: Path, dist: str) -> Path | None:
    """The index's copy of the newest published release wheel of ``dist``, or None.

    Development builds (a local label, ``0.3.34+kernelshaswell``) are not releases, nor are
    yanked files. Versions are compared as versions: file names do not sort by them
    (0.3.34.post1, 0.3.100).
    """
    if not (index / "files").is_dir():
        return None
    wanted = canonicalize_name(dist)
    releases = [(version, index / "files" / f.filename) for f in read_record(index).files
                for _, version, _, _ in [parse_wheel_filename(f.filename)]
                if f.project == wanted and not version.local and f.yanked is None
                and (index / "files" / f.filename).exists()]
    return max(releases)[1] if releases else None
