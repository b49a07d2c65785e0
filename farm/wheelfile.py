"""Writing and reading wheel archives: deterministic zips with a RECORD."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

__all__ = ["read_metadata", "record_hash", "write_wheel"]

_EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def write_wheel(tree: Path, dist_info: str, dest: Path) -> Path:
    """Zip ``tree`` into ``dest`` with a fresh RECORD; same tree -> same bytes."""
    files = sorted(p for p in tree.rglob("*") if p.is_file() and p.relative_to(tree).as_posix() != f"{dist_info}/RECORD")
    record_lines = []
    tmp = dest.with_name(f".{dest.name}.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        # dist-info last, as the wheel spec recommends
        ordered = [p for p in files if not p.relative_to(tree).as_posix().startswith(dist_info + "/")]
        ordered += [p for p in files if p.relative_to(tree).as_posix().startswith(dist_info + "/")]
        for path in ordered:
            arc = path.relative_to(tree).as_posix()
            data = path.read_bytes()
            info = zipfile.ZipInfo(arc, _EPOCH)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
            record_lines.append(f"{arc},{record_hash(data)},{len(data)}")
        record_lines.append(f"{dist_info}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", _EPOCH)
        info.external_attr = (0o100644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, "\n".join(record_lines) + "\n")
    os.replace(tmp, dest)
    return dest


def read_metadata(wheel: Path) -> Message:
    """The METADATA of a wheel as an email message."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        return Parser().parsestr(zf.read(name).decode("utf-8"))
