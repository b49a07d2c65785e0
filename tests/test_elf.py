from __future__ import annotations

import shutil
from pathlib import Path

from farm.elf import read_elf, read_elf_bytes


def test_bytes_in_memory_read_as_the_file_does() -> None:
    ls = Path(shutil.which("ls") or "/bin/ls").resolve()
    data = ls.read_bytes()
    from_file = read_elf(ls)
    assert from_file is not None and from_file.needed
    assert read_elf_bytes(data, "ls") == from_file


def test_not_elf_and_truncated_are_none() -> None:
    assert read_elf_bytes(b"#!/bin/sh\necho\n", "script") is None
    ls = Path(shutil.which("ls") or "/bin/ls").resolve()
    assert read_elf_bytes(ls.read_bytes()[:100], "cut") is None
