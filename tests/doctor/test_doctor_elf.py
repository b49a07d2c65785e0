from __future__ import annotations

from pathlib import Path

import pytest

from farm.doctor.elf import ElfReadError, is_elf, read_dynamic, read_rodata

from doctor_helpers import CompileSo


def test_reads_soname_needed_and_runpath(tmp_path: Path, compile_so: CompileSo) -> None:
    dep = compile_so(tmp_path / "dep" / "libdep.so.2", soname="libdep.so.2")
    lib = compile_so(
        tmp_path / "lib" / "libtop.so.1",
        source="int dep(void); int top(void) { return 1; }\n",
        soname="libtop.so.1",
        link=[str(dep)],
        runpath=["$ORIGIN", "$ORIGIN/../dep"],
    )
    info = read_dynamic(lib)
    assert info is not None
    assert info.soname == "libtop.so.1"
    assert "libdep.so.2" in info.needed
    assert info.runpath == ("$ORIGIN", "$ORIGIN/../dep")
    assert info.rpath == ()
    assert info.search_path == info.runpath
    assert info.machine.startswith("EM_")


def test_rpath_is_the_search_path_only_without_runpath(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(tmp_path / "libold.so", soname="libold.so", rpath=["/opt/old/lib"])
    info = read_dynamic(lib)
    assert info is not None
    assert info.rpath == ("/opt/old/lib",)
    assert info.runpath == ()
    assert info.search_path == ("/opt/old/lib",)


def test_library_without_soname(tmp_path: Path, compile_so: CompileSo) -> None:
    info = read_dynamic(compile_so(tmp_path / "libplain.so"))
    assert info is not None and info.soname is None


def test_not_elf_gives_none(tmp_path: Path) -> None:
    text = tmp_path / "libfake.so"
    text.write_text("INPUT(-lc)\n")  # a linker script named like a library
    assert not is_elf(text)
    assert read_dynamic(text) is None
    assert read_rodata(text) == b""
    assert not is_elf(tmp_path / "missing.so")


def test_truncated_elf_raises_a_clear_error(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(tmp_path / "libcut.so", soname="libcut.so")
    cut = tmp_path / "libcut-truncated.so"
    cut.write_bytes(lib.read_bytes()[:100])
    with pytest.raises(ElfReadError, match="libcut-truncated.so: cannot read its ELF headers"):
        read_dynamic(cut)


def test_rodata_holds_string_constants(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(
        tmp_path / "libv.so",
        source='const char *version(void) { return "Example 9.8.7 build"; }\n',
    )
    assert b"Example 9.8.7 build" in read_rodata(lib)
    assert read_rodata(lib, limit=0) == b""
