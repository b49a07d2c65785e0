"""Writing and reading wheel archives: deterministic zips with a RECORD.

A wheel farm writes is a function of its files alone: members in sorted order with the
``.dist-info`` folder last (as the wheel spec recommends, RECORD the very last), every
time stamp the zip epoch, every mode 0644 or 0755, no directory entries, one compression
level. :func:`normalize_wheel` brings a wheel another tool rewrote (auditwheel's repair)
back to that form.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterable
from email.message import Message
from email.parser import Parser
from pathlib import Path

from farm.errors import FarmError

__all__ = ["WheelFileError", "normalize_wheel", "read_metadata", "record_hash", "write_wheel"]

_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNIX = 3  # the "made by" system of every entry, whichever system wrote the wheel


class WheelFileError(FarmError, ValueError):
    """A wheel archive that cannot be read or rewritten."""


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _order(arc: str, dist_info: str) -> tuple[bool, tuple[str, ...]]:
    return (arc.startswith(dist_info + "/"), tuple(arc.split("/")))


def _write(members: Iterable[tuple[str, bytes, bool]], dist_info: str, dest: Path) -> Path:
    """Zip ``(name, data, executable)`` members into ``dest`` in the canonical form, RECORD made here."""
    record = f"{dist_info}/RECORD"
    entries = sorted(((a, d, x) for a, d, x in members if a != record), key=lambda m: _order(m[0], dist_info))
    record_lines = []
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for arc, data, executable in [*entries, (record, b"", False)]:
                if arc == record:
                    record_lines.append(f"{record},,")
                    data = ("\n".join(record_lines) + "\n").encode()
                else:
                    record_lines.append(f"{arc},{record_hash(data)},{len(data)}")
                info = zipfile.ZipInfo(arc, _EPOCH)
                info.create_system = _UNIX
                info.external_attr = (0o100000 | (0o755 if executable else 0o644)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data, compresslevel=9)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def write_wheel(tree: Path, dist_info: str, dest: Path) -> Path:
    """Zip ``tree`` into ``dest`` with a fresh RECORD; same tree -> same bytes."""
    files = [p for p in tree.rglob("*") if p.is_file()]
    return _write(((p.relative_to(tree).as_posix(), p.read_bytes(), os.access(p, os.X_OK)) for p in files),
                  dist_info, dest)


def _dist_info(names: Iterable[str], wheel: Path) -> str:
    found = {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    if len(found) != 1:
        raise WheelFileError(f"{wheel}: expected one .dist-info folder, found {sorted(found) or 'none'}")
    return found.pop()


def normalize_wheel(wheel: Path) -> Path:
    """Rewrite ``wheel`` in place in the canonical form (order, times, modes, RECORD).

    A file keeps the executable bit if any of its execute bits was set; everything else of a
    member's zip header is fixed. The wheel is replaced only once the new archive is complete.
    """
    try:
        with zipfile.ZipFile(wheel) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            members = [(i.filename, zf.read(i), bool((i.external_attr >> 16) & 0o111)) for i in infos]
    except (OSError, zipfile.BadZipFile) as exc:
        raise WheelFileError(f"{wheel}: not a readable wheel ({exc})") from None
    return _write(members, _dist_info((m[0] for m in members), wheel), wheel)


def read_metadata(wheel: Path) -> Message:
    """The METADATA of a wheel as an email message."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return Parser().parsestr(zf.read(name).decode("utf-8"))
