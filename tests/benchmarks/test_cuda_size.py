"""benchmarks/cuda_size.py on small synthetic wheels: copies, archives, build paths, CUDA libraries, targets."""

from __future__ import annotations

import json
import platform
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmark_scripts import load

from farm.elf import DynamicInfo

LIBZ = Path("/lib/x86_64-linux-gnu/libz.so.1")


cuda_size = load("cuda_size")


@pytest.fixture
def elf() -> bytes:
    if not LIBZ.exists():
        pytest.skip(f"{LIBZ} is not on this machine")
    return LIBZ.resolve().read_bytes()


def _wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pkg/", b"")  # a directory entry: neither a member file nor bytes
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _theirs(elf: bytes) -> dict[str, bytes]:
    """Like RAPIDS' layout: the library under two names, a static archive, a .pc and a .la from the build tree."""
    return {
        "pkg/lib/libz.so.1": elf,
        "pkg/lib/libz.so.1.2.13": elf,
        "pkg/lib/libz.a": b"!<arch>\n" + b"\0" * 4000,
        "pkg/lib/pkgconfig/z.pc": b"prefix=/tmp/build/z\nlibdir=${prefix}/lib\nLibs: -L${libdir} -lz\n",
        "pkg/lib/libz.la": b"libdir='/tmp/build/z/lib'\ndependency_libs=' -L/usr/local/cuda/lib64 -lm'\n",
        "pkg/include/zlib.h": b"/* see /home/someone/notes: headers are not scanned */\n",
        "pkg.libs/libcudart-0123abcd.so.12.9.79": b"not really\n",
    }


def _ours(elf: bytes) -> dict[str, bytes]:
    return {
        "pkg/lib/libz.so.1": elf,
        "pkg/lib/pkgconfig/z.pc": b"prefix=${pcfiledir}/../..\nlibdir=${prefix}/lib\nLibs: -L${libdir} -lz\n",
        "pkg/cmake/z-config.cmake": b'set(_dir "${CMAKE_CURRENT_LIST_DIR}/../build/lib")\n',
    }


def test_counts_copies_archives_build_paths_and_cuda(tmp_path: Path, elf: bytes) -> None:
    members = _theirs(elf)
    m = cuda_size.measure(_wheel(tmp_path / "t.whl", members), "RAPIDS cu12", "cu12")
    assert m.download_bytes == (tmp_path / "t.whl").stat().st_size
    assert m.members == len(members)
    assert m.unpacked_bytes == sum(len(d) for d in members.values())
    assert m.elf_files == 2
    assert m.copies == {"libz.so.1": ["pkg/lib/libz.so.1", "pkg/lib/libz.so.1.2.13"]}
    assert m.duplicates == 1 and m.duplicate_bytes == len(elf)
    assert (m.static_archives, m.static_bytes) == (1, len(members["pkg/lib/libz.a"]))
    assert m.build_paths == {"pkg/lib/pkgconfig/z.pc": ["/tmp/build/z"],
                             "pkg/lib/libz.la": ["/tmp/build/z/lib", "/usr/local/cuda/lib64"]}
    assert m.cuda == {"libcudart": True, "libcuda": False, "libnvidia-ml": False}


def test_a_clean_wheel_counts_nothing(tmp_path: Path, elf: bytes) -> None:
    m = cuda_size.measure(_wheel(tmp_path / "o.whl", _ours(elf)), "ours cu12", "cu12")
    assert (m.elf_files, m.duplicates, m.static_archives) == (1, 0, 0)
    assert m.build_paths == {}
    assert not any(m.cuda.values())


def test_same_soname_different_bytes_is_a_duplicate(tmp_path: Path, elf: bytes) -> None:
    m = cuda_size.measure(_wheel(tmp_path / "s.whl", {"a/libz.so.1": elf, "b/libz.so.1": elf + b"\0"}), "x", "cu12")
    assert m.duplicates == 1 and list(m.copies) == ["libz.so.1"]


def test_runpath_entries(tmp_path: Path, elf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    real: Callable[[bytes, str], DynamicInfo | None] = cuda_size.read_elf_bytes

    def with_runpath(data: bytes, name: str) -> DynamicInfo | None:
        info = real(data, name)
        assert info is not None
        runpath = ("$ORIGIN/../lib", "/usr/lib/x86_64-linux-gnu", "/__w/ucx/build/lib", "/usr/local/cuda/lib64")
        return DynamicInfo(info.soname, info.needed, runpath, ("/lib64",), info.machine, info.elfclass)

    monkeypatch.setattr(cuda_size, "read_elf_bytes", with_runpath)
    m = cuda_size.measure(_wheel(tmp_path / "r.whl", {"pkg/lib/libz.so.1": elf}), "x", "cu12")
    assert m.build_paths == {"pkg/lib/libz.so.1": ["/__w/ucx/build/lib", "/usr/local/cuda/lib64"]}


def test_build_dirs_and_marker_paths() -> None:
    assert not cuda_size._is_build_dir("$ORIGIN/../lib")
    assert not cuda_size._is_build_dir("/usr/lib64")
    assert not cuda_size._is_build_dir("/lib/aarch64-linux-gnu")
    assert cuda_size._is_build_dir("/opt/vendor/lib")
    home_lib = str(Path.home() / ".local" / "lib")
    assert cuda_size._is_build_dir(home_lib)
    text = f'prefix="/home/ci/x" ${{prefix}}/build/y -L/opt/conda/lib lib/tmp/z -Wl,-rpath,{home_lib}\n'.encode()
    assert cuda_size._marker_paths(text) == ["/home/ci/x", "/opt/conda/lib", home_lib]


def _farm(tmp_path: Path, elf: bytes, ours: dict[str, bytes]) -> tuple[Path, Path]:
    house, cache = tmp_path / "wheelhouse", tmp_path / "cache"
    house.mkdir()
    cache.mkdir()
    tag = f"py3-none-manylinux_2_28_{platform.machine()}"
    for major in cuda_size.MAJORS:
        _wheel(house / f"wheelfarm_ucx_{major}-1.22.0-{tag}.whl", ours)
        _wheel(cache / f"libucx_{major}-1.22.0-{tag}.whl", _theirs(elf))
    return house, cache


def test_targets_met(tmp_path: Path, elf: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    house, cache = _farm(tmp_path, elf, _ours(elf))
    out = tmp_path / "m.json"
    assert cuda_size.main(["--wheelhouse", str(house), "--cache", str(cache), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ours / RAPIDS cu12" in printed and "every target met" in printed
    data = json.loads(out.read_text())
    assert [w["name"] for w in data["wheels"]] == ["ours cu12", "ours cu13", "RAPIDS cu12", "RAPIDS cu13"]
    assert data["missed"] == [] and data["ratios"]["cu13"]["unpacked"] <= 0.5
    assert data["wheels"][2]["duplicates"] == 1


def test_targets_missed(tmp_path: Path, elf: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    house, cache = _farm(tmp_path, elf, _theirs(elf))
    assert cuda_size.main(["--wheelhouse", str(house), "--cache", str(cache)]) == 1
    missed = capsys.readouterr().out.split("target missed: ")[1]
    for what in ("unpacked ours/RAPIDS 1.00", "1 duplicate ELF files", "2 members with build paths", "libcudart"):
        assert what in missed


def test_only_anchor_and_missing_wheels(tmp_path: Path, elf: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    _, cache = _farm(tmp_path, elf, _ours(elf))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cuda_size.main(["--wheelhouse", str(empty), "--cache", str(cache)]) == 2
    assert "farm build ucx" in capsys.readouterr().err
    assert cuda_size.main(["--only-anchor", "--wheelhouse", str(empty), "--cache", str(cache)]) == 0
    printed = capsys.readouterr().out
    assert "RAPIDS cu12" in printed and "ours" not in printed.split("\n\n")[0]
