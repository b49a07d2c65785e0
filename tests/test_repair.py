from __future__ import annotations

from farm.platforms import Platform
from farm.repair import policy_whitelist, repair_command


def test_linux_excludes_host_libraries() -> None:
    cmd = repair_command(Platform("linux", "x86_64"), "w.whl", "out", ["libz.so.1", "libtiff.so.6", "libz.so.1"])
    assert cmd == ["auditwheel", "repair", "-w", "out", "--exclude", "libtiff.so.6", "--exclude", "libz.so.1", "w.whl"]


def test_macos_uses_delocate() -> None:
    cmd = repair_command(Platform("macos", "aarch64"), "w.whl", "out", ["libz.1.dylib", "libtiff.6.dylib"])
    assert cmd == ["delocate-wheel", "--require-archs", "arm64", "-w", "out",
                   "--exclude", "libtiff.6.dylib,libz.1.dylib", "-v", "w.whl"]


def test_policy_allows_libc_not_libgfortran() -> None:
    allowed = policy_whitelist()
    assert "libc.so.6" in allowed and "libgfortran.so.5" not in allowed


# -- the platform policy, checked on real ELF files -------------------------------------

import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from farm.repair import PolicyError, policy_violations, repair_wheel  # noqa: E402
from farm.wheelfile import write_wheel  # noqa: E402

needs_cc = pytest.mark.skipif(shutil.which("cc") is None or platform.machine() != "x86_64",
                              reason="needs a C compiler for x86_64")

#: pthread_create moved into libc in glibc 2.34: a library linking it today needs GLIBC_2.34
_NEW = "#include <pthread.h>\nstatic void *run(void *a) { return a; }\n" \
       "int start(pthread_t *t) { return pthread_create(t, 0, run, 0); }\n"
_OLD = "#include <string.h>\nunsigned long length(const char *s) { return strlen(s); }\n"


def _glibc_at_least(major: int, minor: int) -> bool:
    name, version = platform.libc_ver()
    return name == "glibc" and tuple(int(p) for p in version.split(".")[:2]) >= (major, minor)


def _wheel(tmp_path: Path, source: str) -> Path:
    tree = tmp_path / "tree"
    lib = tree / "wheelfarm" / "demo" / "lib"
    lib.mkdir(parents=True)
    (tmp_path / "demo.c").write_text(source)
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libdemo.so.1", "-o", str(lib / "libdemo.so.1"),
                    str(tmp_path / "demo.c")], check=True)
    di = tree / "wheelfarm_demo-1.0.dist-info"
    di.mkdir()
    (di / "METADATA").write_text("Metadata-Version: 2.4\nName: wheelfarm-demo\nVersion: 1.0\n")
    (di / "WHEEL").write_text("Wheel-Version: 1.0\nGenerator: farm\nRoot-Is-Purelib: false\n"
                              "Tag: py3-none-linux_x86_64\n")
    return write_wheel(tree, di.name, tmp_path / "wheelfarm_demo-1.0-py3-none-linux_x86_64.whl")


@needs_cc
@pytest.mark.skipif(not _glibc_at_least(2, 34), reason="the symbol is GLIBC_2.34 only where glibc is 2.34 or newer")
def test_strict_policy_names_the_symbol_needing_a_newer_glibc(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, _NEW)
    checked = policy_violations(wheel, "manylinux_2_17_x86_64")
    assert not checked.ok
    assert [(t.file, t.symbol, t.version, t.library) for t in checked.too_new] == [
        ("wheelfarm/demo/lib/libdemo.so.1", "pthread_create", "GLIBC_2.34", "libc.so.6")]
    assert checked.newest_allowed["GLIBC"] == "2.17"
    assert policy_violations(wheel, "manylinux_2_34_x86_64").ok
    with pytest.raises(PolicyError, match=r"cannot claim manylinux_2_28_x86_64: it allows GLIBC up to 2\.28, "
                                          r"but wheelfarm/demo/lib/libdemo\.so\.1 needs pthread_create@GLIBC_2\.34"):
        repair_wheel(wheel, tmp_path / "out", Platform("linux", "x86_64"), [], "manylinux_2_28_x86_64")
    assert not (tmp_path / "out").exists()  # refused before anything was written


@needs_cc
def test_old_symbols_meet_the_oldest_policy(tmp_path: Path) -> None:
    checked = policy_violations(_wheel(tmp_path, _OLD), "manylinux_2_17_x86_64")
    assert checked.ok and checked.too_new == ()


@needs_cc
def test_repair_leaves_a_normalised_wheel(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, _OLD)
    repaired = repair_wheel(wheel, tmp_path / "out", Platform("linux", "x86_64"), [], "manylinux_2_17_x86_64")
    assert "manylinux_2_17_x86_64" in repaired.tag.split(".")
    with zipfile.ZipFile(repaired.wheel) as zf:
        infos = zf.infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert not [i for i in infos if i.is_dir()]
    names = [i.filename for i in infos]
    assert names[-1].endswith(".dist-info/RECORD") and names.index("wheelfarm/demo/lib/libdemo.so.1") == 0
    assert {(i.external_attr >> 16) & 0o777 for i in infos} <= {0o644, 0o755}
