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
