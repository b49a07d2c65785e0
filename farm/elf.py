"""Reading what the dynamic loader reads from ELF files (pyelftools, no readelf).

One reader for the whole tool: packing, the link check and ``farm doctor`` all look
at ELF files through :func:`read_dynamic` (raises on a corrupt file) or
:func:`read_elf` (``None`` for anything that is not a readable ELF file).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection, DynamicTag
from elftools.elf.elffile import ELFFile

from farm.errors import FarmError

__all__ = ["DynamicInfo", "ElfInfo", "ElfReadError", "is_elf", "read_dynamic", "read_elf", "read_elf_bytes"]

_MAGIC = b"\x7fELF"


class ElfReadError(FarmError, ValueError):
    """An ELF file whose headers cannot be read (truncated or corrupt)."""


@dataclass(frozen=True)
class DynamicInfo:
    """The loader-relevant part of one ELF file."""

    soname: str | None
    needed: tuple[str, ...]
    runpath: tuple[str, ...]
    rpath: tuple[str, ...]
    machine: str
    elfclass: int
    kind: str = "shared"  # "shared" | "executable" | "object"
    interpreter: str | None = None

    @property
    def search_path(self) -> tuple[str, ...]:
        """The entries the loader searches for this file's DT_NEEDED (DT_RPATH is ignored when DT_RUNPATH is set)."""
        return self.runpath if self.runpath else self.rpath


ElfInfo = DynamicInfo


def is_elf(path: Path) -> bool:
    """Whether ``path`` is a regular file starting with the ELF magic."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == _MAGIC
    except OSError:
        return False


def _split(value: str) -> tuple[str, ...]:
    return tuple(entry for entry in value.split(":") if entry)


def _string(tag: DynamicTag, attribute: str) -> str:
    # pyelftools sets these string attributes per tag kind at run time
    return str(getattr(tag, attribute))


def read_dynamic(path: Path) -> DynamicInfo | None:
    """DT_SONAME, DT_NEEDED, DT_RUNPATH, DT_RPATH and the file's kind; None if not ELF."""
    if not is_elf(path):
        return None
    try:
        with path.open("rb") as fh:
            return _parse(fh, str(path))
    except OSError as exc:
        raise ElfReadError(f"{path}: cannot read its ELF headers ({exc}); reinstall the wheel that owns it") from exc


def read_elf_bytes(data: bytes, name: str) -> DynamicInfo | None:
    """Like :func:`read_elf`, for a file already in memory (a wheel's member): no second read."""
    if data[:4] != _MAGIC:
        return None
    try:
        return _parse(io.BytesIO(data), name)
    except ElfReadError:
        return None


def _parse(fh: BinaryIO, name: str) -> DynamicInfo:
    soname: str | None = None
    needed: list[str] = []
    runpath: list[str] = []
    rpath: list[str] = []
    interpreter: str | None = None
    try:
        elf = ELFFile(fh)
        machine = str(elf["e_machine"])
        elfclass = int(elf.elfclass)
        e_type = str(elf.header["e_type"])
        for segment in elf.iter_segments():
            if segment["p_type"] == "PT_INTERP":
                interpreter = str(getattr(segment, "get_interp_name")())
        for section in elf.iter_sections():
            if not isinstance(section, DynamicSection):
                continue
            for tag in section.iter_tags():
                kind = tag.entry.d_tag
                if kind == "DT_SONAME":
                    soname = _string(tag, "soname")
                elif kind == "DT_NEEDED":
                    needed.append(_string(tag, "needed"))
                elif kind == "DT_RUNPATH":
                    runpath.extend(_split(_string(tag, "runpath")))
                elif kind == "DT_RPATH":
                    rpath.extend(_split(_string(tag, "rpath")))
    except (ELFError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ElfReadError(f"{name}: cannot read its ELF headers ({exc}); reinstall the wheel that owns it") from exc
    if e_type == "ET_EXEC" or (e_type == "ET_DYN" and interpreter and not soname):
        file_kind = "executable"
    elif e_type == "ET_DYN":
        file_kind = "shared"
    else:
        file_kind = "object"
    return DynamicInfo(soname, tuple(needed), tuple(runpath), tuple(rpath), machine, elfclass, file_kind, interpreter)


def read_elf(path: Path) -> DynamicInfo | None:
    """Like :func:`read_dynamic`, but ``None`` for links and unreadable files too."""
    if path.is_symlink():
        return None
    try:
        return read_dynamic(path)
    except ElfReadError:
        return None
