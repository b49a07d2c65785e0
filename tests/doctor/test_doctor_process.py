from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from farm.doctor.findings import process_findings
from farm.doctor.process import (
    ProcessInspectionError,
    import_modules,
    loaded_libraries,
    parse_maps,
    remote_maps,
)

from doctor_helpers import CompileSo

MAPS = """\
55d0c0000000-55d0c0001000 r--p 00000000 08:01 131 /usr/bin/python3.11
7f0000000000-7f0000001000 r--p 00000000 08:01 200 /env/site-packages/numpy.libs/libscipy_openblas64_-32a4b2a6.so
7f0000001000-7f0000002000 r-xp 00001000 08:01 200 /env/site-packages/numpy.libs/libscipy_openblas64_-32a4b2a6.so
7f0000002000-7f0000003000 r--p 00000000 08:01 300 /env/site-packages/scipy.libs/libscipy_openblas-6cdc3b4a.so
7f0000003000-7f0000004000 rw-p 00000000 00:00 0 
7f0000004000-7f0000005000 r--p 00000000 08:01 400 /env/site-packages/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so
7f0000005000-7f0000006000 r--p 00000000 08:01 500 /tmp/with space/libz.so.1 (deleted)
7f0000006000-7f0000007000 r--p 00000000 00:00 0 [vdso]
7f0000007000-7f0000008000 r--p 00000000 08:01 600 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13
"""


def test_parse_maps_keeps_one_entry_per_file() -> None:
    mapped = parse_maps(MAPS)
    assert [m.path for m in mapped] == [
        "/usr/bin/python3.11",
        "/env/site-packages/numpy.libs/libscipy_openblas64_-32a4b2a6.so",
        "/env/site-packages/scipy.libs/libscipy_openblas-6cdc3b4a.so",
        "/env/site-packages/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
        "/tmp/with space/libz.so.1",
        "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
    ]
    assert mapped[4].deleted and mapped[4].inode == 500


def test_loaded_libraries_skip_executables_and_extension_modules() -> None:
    libs = loaded_libraries(MAPS)
    assert [(lib.identity, lib.owner) for lib in libs] == [
        ("openblas", "numpy"),
        ("openblas", "scipy"),
        ("zlib", None),
        ("zlib", None),
    ]
    findings = process_findings(libs)
    assert [(f.id, f.subject) for f in findings] == [("D301", "openblas"), ("D301", "zlib")]
    assert "2 copies loaded (numpy, scipy)" in findings[0].message


def test_this_process() -> None:
    libs = loaded_libraries()
    assert any(lib.identity.startswith("c") or lib.identity.startswith("ld-") for lib in libs)


_LOAD_TWO = """
import ctypes, json, sys
from farm.doctor.process import loaded_libraries
from farm.doctor.findings import process_findings
for path in sys.argv[1:]:
    ctypes.CDLL(path)
libs = loaded_libraries()
print(json.dumps([[f.id, f.subject, f.message, list(f.paths)] for f in process_findings(libs)]))
"""


def _findings_after_loading(*paths: Path) -> list[list[Any]]:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_TWO, *map(str, paths)], capture_output=True, text=True, check=True
    )
    result: list[list[Any]] = json.loads(done.stdout)
    return result


def test_one_soname_from_two_files_is_reported_once(tmp_path: Path, compile_so: CompileSo) -> None:
    first = compile_so(tmp_path / "a" / "libdemo.so.1", soname="libdemo.so.1")
    second = compile_so(
        tmp_path / "b" / "libdemo.so.1", source="int other(void) { return 7; }\n", soname="libdemo.so.1"
    )
    findings = _findings_after_loading(first, second)
    assert [(f[0], f[1]) for f in findings] == [("D302", "demo")]
    assert "soname libdemo.so.1 loaded from 2 files" in findings[0][2]
    assert sorted(findings[0][3]) == sorted([str(first), str(second)])


def test_one_library_under_two_names_is_reported_once(tmp_path: Path, compile_so: CompileSo) -> None:
    first = compile_so(tmp_path / "one.libs" / "libdemo-1a2b3c4d.so.1", soname="libdemo-1a2b3c4d.so.1")
    second = compile_so(tmp_path / "two.libs" / "libdemo-9f8e7d6c.so.1", soname="libdemo-9f8e7d6c.so.1")
    findings = _findings_after_loading(first, second)
    assert [(f[0], f[1]) for f in findings] == [("D301", "demo")]
    assert "2 copies loaded (one, two)" in findings[0][2]


def test_the_same_file_loaded_twice_is_no_finding(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(tmp_path / "libsolo.so.1", soname="libsolo.so.1")
    assert _findings_after_loading(lib, lib) == []


def test_import_modules_names_every_failure() -> None:
    import_modules(["json", "os.path"])
    with pytest.raises(
        ProcessInspectionError, match=r"cannot import no_such_mod_a \(ModuleNotFoundError.*no_such_mod_b"
    ):
        import_modules(["no_such_mod_a", "json", "no_such_mod_b"])


def test_remote_maps_from_another_interpreter() -> None:
    maps = remote_maps(Path(sys.executable), ["json"])
    assert any(m.path.endswith(".so") or ".so." in m.path for m in parse_maps(maps))


def test_remote_import_failure_is_actionable() -> None:
    with pytest.raises(ProcessInspectionError, match="cannot import no_such_mod .*install it there or drop --import"):
        remote_maps(Path(sys.executable), ["no_such_mod"])


def test_remote_without_proc_is_explained() -> None:
    def run(args: Any, **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1, "", "FileNotFoundError: /proc/self/maps\n")

    with pytest.raises(ProcessInspectionError, match="needs Linux's /proc"):
        remote_maps(Path(sys.executable), [], run=run)


def test_own_maps_missing_is_explained(tmp_path: Path) -> None:
    from farm.doctor.process import read_own_maps

    with pytest.raises(ProcessInspectionError, match="--process needs Linux's /proc"):
        read_own_maps(tmp_path / "no-proc" / "maps")
