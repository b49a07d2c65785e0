"""Reading what the dynamic loader reads from an ELF file: its dynamic section.

Only looks; never changes a file. A file that is not ELF gives ``None``; an ELF
file that cannot be parsed raises :class:`ElfReadError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection, DynamicTag
from elftools.elf.elffile import ELFFile

from farm.errors import FarmError

__all__ = [
    "DynamicInfo",
    "ElfReadError",
    "is_elf",
    "read_dynamic",
    "read_rodata",
]

_MAGIC = b"\x7fELF"


class ElfReadError(FarmError, ValueError):
    """An ELF file whose headers cannot be read (truncated or corrupt)."""


@dataclass(frozen=True)
class DynamicInfo:
    """The loader-relevant part of one ELF file's dynamic section."""

    soname: str | None
    needed: tuple[str, ...]
    runpath: tuple[str, ...]
    rpath: tuple[str, ...]
    machine: str
    elfclass: int

    @property
    def search_path(self) -> tuple[str, ...]:
        """The entries the loader searches for this file's DT_NEEDED.

        DT_RPATH is ignored by the loader when DT_RUNPATH is present.
        """
        return self.runpath if self.runpath else self.rpath


def is_elf(path: Path) -> bool:
    """Whether ``path`` is a regular file starting with the ELF magic."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == _MAGIC
    except OSError:
        return False


def _split_path_list(value: str) -> tuple[str, ...]:
    return tuple(entry for entry in value.split(":") if entry)


def _string(tag: DynamicTag, attribute: str) -> str:
    # pyelftools sets these string attributes per tag kind at run time
    return str(getattr(tag, attribute))


def read_dynamic(path: Path) -> DynamicInfo | None:
    """DT_SONAME, DT_NEEDED, DT_RUNPATH and DT_RPATH of ``path``; None if not ELF."""
    if not is_elf(path):
        return None
    soname: str | None = None
    needed: list[str] = []
    runpath: list[str] = []
    rpath: list[str] = []
    try:
        with path.open("rb") as fh:
            elf = ELFFile(fh)
            machine = str(elf["e_machine"])
            elfclass = int(elf.elfclass)
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
                        runpath.extend(_split_path_list(_string(tag, "runpath")))
                    elif kind == "DT_RPATH":
                        rpath.extend(_split_path_list(_string(tag, "rpath")))
    except (ELFError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ElfReadError(f"{path}: cannot read its ELF headers ({exc}); reinstall the wheel that owns it") from exc
    return DynamicInfo(
        soname=soname,
        needed=tuple(needed),
        runpath=tuple(runpath),
        rpath=tuple(rpath),
        machine=machine,
        elfclass=elfclass,
    )


def read_rodata(path: Path, limit: int = 64 * 1024 * 1024) -> bytes:
    """The read-only data of an ELF file (where version strings live), at most ``limit`` bytes.

    Gives every allocated, non-executable, non-writable PROGBITS section
    (``.rodata`` and its split variants); empty for a file that is not ELF.
    """
    if not is_elf(path):
        return b""
    chunks: list[bytes] = []
    total = 0
    try:
        with path.open("rb") as fh:
            elf = ELFFile(fh)
            for section in elf.iter_sections():
                header = section.header
                if header.sh_type != "SHT_PROGBITS" or not section.name.startswith(".rodata"):
                    continue
                size = int(header.sh_size)
                if total + size > limit:
                    continue
                fh.seek(int(header.sh_offset))
                chunks.append(fh.read(size))
                total += size
    except (ELFError, OSError, ValueError, KeyError, AssertionError) as exc:
        raise ElfReadError(f"{path}: cannot read its ELF sections ({exc}); reinstall the wheel that owns it") from exc
    return b"".join(chunks)
