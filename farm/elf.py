"""Reading what the dynamic linker reads from ELF files (pyelftools, no readelf)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

__all__ = ["ElfInfo", "is_elf", "read_elf"]


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    kind: str  # "shared" | "executable"
    soname: str | None
    needed: tuple[str, ...]
    runpath: tuple[str, ...]
    rpath: tuple[str, ...]
    interpreter: str | None


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def read_elf(path: Path) -> ElfInfo | None:
    """Dynamic-section facts of ``path``, or None when it is not an ELF file."""
    if path.is_symlink() or not is_elf(path):
        return None
    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            soname: str | None = None
            needed: list[str] = []
            runpath: list[str] = []
            rpath: list[str] = []
            interp = None
            for seg in elf.iter_segments():
                if seg["p_type"] == "PT_INTERP":
                    interp = str(getattr(seg, "get_interp_name")())
            for section in elf.iter_sections():
                if not isinstance(section, DynamicSection):
                    continue
                for tag in section.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_SONAME":
                        soname = str(getattr(tag, "soname"))
                    elif kind == "DT_NEEDED":
                        needed.append(str(getattr(tag, "needed")))
                    elif kind == "DT_RUNPATH":
                        runpath.extend(p for p in str(getattr(tag, "runpath")).split(":") if p)
                    elif kind == "DT_RPATH":
                        rpath.extend(p for p in str(getattr(tag, "rpath")).split(":") if p)
            e_type = elf.header["e_type"]
    except (ELFError, OSError, ValueError):
        return None
    kind = "executable" if e_type == "ET_EXEC" or (e_type == "ET_DYN" and interp and not soname) else "shared"
    return ElfInfo(path, kind, soname, tuple(needed), tuple(runpath), tuple(rpath), interp)
