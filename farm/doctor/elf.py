"""What doctor reads from ELF files: the dynamic section (farm.elf) and read-only data.

Only looks; never changes a file. A file that is not ELF gives ``None``; an ELF
file that cannot be parsed raises :class:`ElfReadError`.
"""

from __future__ import annotations

from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from farm.elf import DynamicInfo, ElfReadError, is_elf, read_dynamic

__all__ = [
    "DynamicInfo",
    "ElfReadError",
    "is_elf",
    "read_dynamic",
    "read_rodata",
]


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
