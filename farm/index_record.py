"""The index's record of every published file: what the pages are generated from.

One JSON object per line (``record.jsonl``), after a header line, so an error names its
line and a change reads as a one-line diff. A file's sha256, size and upload time are
recorded once, at publication, from the bytes published; later a file may move (object
storage, release assets), and a move is accepted only when the bytes at the new place
hash to what is recorded here. ``url`` is None while the file is served from the index's
own ``files/`` folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.version import Version

from farm.errors import FarmError

__all__ = ["FORMAT", "Published", "Record", "RecordError", "upload_time"]

#: the header line's format number
FORMAT = 1

_SHA256 = re.compile(r"[0-9a-f]{64}")
#: PEP 700's upload-time: UTC, Z suffix, up to six fractional digits
_UPLOAD_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


class RecordError(FarmError, ValueError):
    """The index's record cannot be read."""


def upload_time(moment: datetime) -> str:
    """``moment`` in PEP 700's form, ``yyyy-mm-ddThh:mm:ss.ffffffZ``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Published:
    """One published file, as recorded when it was published."""

    filename: str
    project: str  #: normalized name
    version: str  #: normalized version
    sha256: str
    size: int
    metadata_sha256: str  #: of its PEP 658 core metadata file
    upload_time: str | None = None
    url: str | None = None  #: None: the index's own files/ folder
    metadata_served: bool = True  #: the core metadata file is at ``<url>.metadata``
    requires_python: str | None = None
    yanked: str | None = None  #: the reason, when yanked (PEP 592)

    @property
    def external(self) -> bool:
        return self.url is not None


_TYPES: dict[str, tuple[type, ...]] = {
    "filename": (str,), "project": (str,), "version": (str,), "sha256": (str,), "size": (int,),
    "metadata_sha256": (str,), "upload_time": (str, type(None)), "url": (str, type(None)),
    "metadata_served": (bool,), "requires_python": (str, type(None)), "yanked": (str, type(None)),
}
_REQUIRED = {"filename", "project", "version", "sha256", "size", "metadata_sha256"}


def _entry(data: Any, where: str) -> Published:
    if not isinstance(data, dict):
        raise RecordError(f"{where}: expected a JSON object, one published file per line")
    unknown = sorted(set(data) - set(_TYPES))
    if unknown:
        raise RecordError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(_TYPES)}")
    missing = sorted(_REQUIRED - set(data))
    if missing:
        raise RecordError(f"{where}: missing key {missing[0]!r}")
    for key, value in data.items():
        wanted = _TYPES[key]
        if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
            raise RecordError(f"{where}: {key} must be {' or '.join(t.__name__ for t in wanted)}, not {value!r}")
    entry = Published(**data)
    if not _SHA256.fullmatch(entry.sha256) or not _SHA256.fullmatch(entry.metadata_sha256):
        raise RecordError(f"{where}: {entry.filename}: sha256 values are 64 lowercase hex digits")
    if entry.size < 0:
        raise RecordError(f"{where}: {entry.filename}: size must not be negative")
    if entry.upload_time is not None and not _UPLOAD_TIME.fullmatch(entry.upload_time):
        raise RecordError(f"{where}: {entry.filename}: upload_time {entry.upload_time!r} is not "
                          "yyyy-mm-ddThh:mm:ss.ffffffZ")
    if entry.yanked is not None and not entry.yanked.strip():
        raise RecordError(f"{where}: {entry.filename}: a yank needs a reason")
    return entry


@dataclass(frozen=True)
class Record:
    """Every published file, ordered by file name; changes return a new Record."""

    files: tuple[Published, ...] = ()

    def get(self, filename: str) -> Published | None:
        return next((f for f in self.files if f.filename == filename), None)

    def put(self, entry: Published) -> Record:
        kept = [f for f in self.files if f.filename != entry.filename]
        return Record(tuple(sorted([*kept, entry], key=lambda f: f.filename)))

    def projects(self) -> dict[str, tuple[Published, ...]]:
        """Normalized project name -> its files, names in order."""
        out: dict[str, list[Published]] = {}
        for f in self.files:
            out.setdefault(f.project, []).append(f)
        return {name: tuple(out[name]) for name in sorted(out)}

    def versions(self, project: str) -> list[str]:
        return sorted({f.version for f in self.files if f.project == project}, key=Version)

    def dumps(self) -> str:
        lines = [json.dumps({"format": FORMAT}, sort_keys=True)]
        for f in self.files:
            data = {k.name: getattr(f, k.name) for k in fields(f)}
            lines.append(json.dumps(data, sort_keys=True))
        return "\n".join(lines) + "\n"

    @classmethod
    def loads(cls, text: str, where: Path) -> Record:
        lines = text.splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except ValueError as exc:
            raise RecordError(f"{where}:1: not JSON ({exc})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise RecordError(f"{where}:1: expected the header {{\"format\": {FORMAT}}}; "
                              "this record was written by another version of farm")
        entries: dict[str, Published] = {}
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise RecordError(f"{where}:{number}: not JSON ({exc})") from None
            entry = _entry(data, f"{where}:{number}")
            if entry.filename in entries:
                raise RecordError(f"{where}:{number}: {entry.filename} is recorded twice")
            entries[entry.filename] = entry
        return cls(tuple(entries[name] for name in sorted(entries)))
