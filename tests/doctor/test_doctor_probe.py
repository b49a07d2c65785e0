from __future__ import annotations

import sys
from pathlib import Path

import pytest

from farm.doctor.elf import read_rodata
from farm.doctor.loader import loader_config, resolve
from farm.doctor.probe import call_version
from farm.doctor.versions import embedded_version

from doctor_helpers import CompileSo


def test_zlib_answers_the_same_as_its_embedded_string() -> None:
    found = resolve(loader_config({}), "libz.so.1").path
    if found is None:
        pytest.skip("no system zlib")
    called = call_version(sys.executable, found, "zlib")
    assert called is not None
    assert called == embedded_version("zlib", read_rodata(found))


def test_a_library_without_the_function_gives_none(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(tmp_path / "libz.so.1", soname="libz.so.1")
    assert call_version(sys.executable, lib, "zlib") is None


def test_a_made_up_library_reports_through_its_api(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(
        tmp_path / "libsqlite3.so.0",
        source='const char *sqlite3_libversion(void) { return "3.99.1"; }\n',
        soname="libsqlite3.so.0",
    )
    assert call_version(sys.executable, lib, "sqlite") == "3.99.1"


def test_a_crashing_library_gives_none(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(
        tmp_path / "libsqlite3.so.0",
        source="const char *sqlite3_libversion(void) { *(volatile int *)0 = 1; return 0; }\n",
        soname="libsqlite3.so.0",
    )
    assert call_version(sys.executable, lib, "sqlite") is None


def test_unknown_identity_is_not_called(tmp_path: Path) -> None:
    assert call_version(sys.executable, tmp_path / "libwhatever.so", "whatever") is None
