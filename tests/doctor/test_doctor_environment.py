from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from farm.doctor.environment import CudaTarget, WheelKind, cuda_major_of, cuda_target, scan_environment
from farm.doctor.findings import duplicate_findings

from doctor_helpers import CompileSo, FakeDist, fake_interpreter, install_fake


@pytest.fixture
def site(tmp_path: Path, compile_so: CompileSo) -> Path:
    """A site-packages with one library wheel, one NVIDIA wheel, one bundling wheel and a pure one."""
    site = tmp_path / "env" / "site-packages"
    foo = compile_so(
        tmp_path / "build" / "libfoo.so.1",
        source='const char *v(void) { return "OpenBLAS 0.3.99 TEST"; }\n',
        soname="libfoo.so.1",
        runpath=["$ORIGIN"],
    )
    cudart = compile_so(tmp_path / "build" / "libcudart.so.12", soname="libcudart.so.12")
    bundled = compile_so(tmp_path / "build" / "libz-1a2b3c4d.so.1.2.13", soname="libz-1a2b3c4d.so.1.2.13")
    ext = compile_so(tmp_path / "build" / "_ext.cpython-311-x86_64-linux-gnu.so", rpath=["/usr/local/lib64"])
    install_fake(
        site,
        FakeDist(
            "wheelfarm-foo",
            "1.2.3",
            {
                "wheelfarm/foo/__init__.py": b"",
                "wheelfarm/foo/lib/libfoo.so.1": foo.read_bytes(),
                "wheelfarm/foo/lib/pkgconfig/foo.pc": b"Name: foo\n",
            },
            requires=("wheelfarm-zlib>=1.3,<2",),
        ),
    )
    install_fake(
        site,
        FakeDist(
            "nvidia-cuda-runtime-cu12",
            "12.9.79",
            {"nvidia/cuda_runtime/lib/libcudart.so.12": cudart.read_bytes(), "nvidia/cuda_runtime/__init__.py": b""},
        ),
    )
    install_fake(
        site,
        FakeDist(
            "pillowish",
            "1.0",
            {
                "pillowish/__init__.py": b"",
                "pillowish/_ext.cpython-311-x86_64-linux-gnu.so": ext.read_bytes(),
                "pillowish.libs/libz-1a2b3c4d.so.1.2.13": bundled.read_bytes(),
            },
        ),
    )
    install_fake(site, FakeDist("purely", "2.0", {"purely/__init__.py": b""}))
    return site


def test_scan_finds_each_kind(site: Path) -> None:
    env = scan_environment(fake_interpreter(site))
    kinds = {w.name: w.kind for w in env.wheels}
    assert kinds == {
        "wheelfarm-foo": WheelKind.WHEELFARM,
        "nvidia-cuda-runtime-cu12": WheelKind.NVIDIA,
        "pillowish": WheelKind.OTHER,
    }
    assert env.installed_version("PURELY") == "2.0"
    assert env.installed_version("absent") is None


def test_library_wheel_details(site: Path) -> None:
    env = scan_environment(fake_interpreter(site))
    foo = next(w for w in env.wheels if w.name == "wheelfarm-foo")
    assert foo.component == "foo"
    assert foo.requires == ("wheelfarm-zlib>=1.3,<2",)
    assert foo.record is not None and foo.record.intact and foo.record.checked == 4
    [lib] = foo.libraries
    assert (lib.soname, lib.runpath, lib.identity) == ("libfoo.so.1", ("$ORIGIN",), "foo")
    assert lib.size == lib.path.stat().st_size


def test_nvidia_and_bundled_details(site: Path) -> None:
    env = scan_environment(fake_interpreter(site))
    cuda = next(w for w in env.wheels if w.kind is WheelKind.NVIDIA)
    assert (cuda.component, cuda.cuda_major) == ("cuda-runtime", 12)
    assert [lib.soname for lib in cuda.libraries] == ["libcudart.so.12"]
    assert cuda.cuda_basis == "name suffix -cu12"
    bundling = next(w for w in env.wheels if w.kind is WheelKind.OTHER)
    [lib] = bundling.libraries
    assert lib.identity == "zlib"
    assert lib.version is not None and lib.version.value == "1.2.13"


def test_search_paths_cover_extension_modules(site: Path) -> None:
    env = scan_environment(fake_interpreter(site))
    entries = {(e.distribution, e.tag, e.entry) for e in env.search_paths}
    assert ("pillowish", "RPATH", "/usr/local/lib64") in entries
    assert ("wheelfarm-foo", "RUNPATH", "$ORIGIN") in entries


def test_record_check_finds_changed_and_missing_files(site: Path) -> None:
    (site / "wheelfarm/foo/lib/pkgconfig/foo.pc").write_text("Name: changed\n")
    (site / "wheelfarm/foo/__init__.py").unlink()
    env = scan_environment(fake_interpreter(site))
    foo = next(w for w in env.wheels if w.name == "wheelfarm-foo")
    assert foo.record is not None and not foo.record.intact
    assert foo.record.modified == ("wheelfarm/foo/lib/pkgconfig/foo.pc",)
    assert foo.record.missing == ("wheelfarm/foo/__init__.py",)


def test_namespace_is_a_setting(site: Path) -> None:
    env = scan_environment(fake_interpreter(site), namespace="otherfarm")
    kinds = {w.name: w.kind for w in env.wheels}
    assert kinds == {
        "nvidia-cuda-runtime-cu12": WheelKind.NVIDIA,
        "pillowish": WheelKind.OTHER,
        "wheelfarm-foo": WheelKind.OTHER,  # it still ships a library; it is just not ours
    }


def test_first_path_entry_wins(tmp_path: Path, site: Path) -> None:
    shadow = tmp_path / "shadow"
    install_fake(shadow, FakeDist("purely", "9.9", {"purely/__init__.py": b"x"}))
    interp = fake_interpreter(site)
    interp = type(interp)(**{**interp.__dict__, "paths": (shadow, site)})
    assert scan_environment(interp).installed_version("purely") == "9.9"


@pytest.mark.parametrize(
    ("name", "files", "major"),
    [
        ("nvidia-cublas-cu12", [], 12),
        ("nvidia-cudnn-cu12", [], 12),
        ("nvidia-cufft-cu12", ["nvidia/cufft/lib/libcufft.so.11"], 12),  # its version, 11.4.1.4, is not CUDA's
        ("nvidia-cuda-runtime", ["nvidia/cu13/lib/libcudart.so.13"], 13),
        ("nvidia-cublas", ["nvidia/cu13/lib/libcublas.so.13"], 13),
        ("nvidia-cufft", ["nvidia/cu13/lib/libcufft.so.12"], 13),
        ("nvidia-nccl", ["nvidia/nccl/lib/libnccl.so.2", "nvidia/__init__.py"], 12),
        ("nvidia-nccl", [], None),
        ("nvidia-cuda-runtime-cu11", ["nvidia/cuda_runtime/lib/libcudart.so.11.0"], 11),
        ("nvidia-dali-cuda120", ["nvidia/dali/libdali.so"], 12),
        ("nvidia-ml-py", ["pynvml.py"], None),
        ("wheelfarm-ucx-cu12", [], 12),
        ("wheelfarm-ucx-cu13", ["wheelfarm/ucx_cu13/lib/libucp.so.0"], 13),
        ("wheelfarm-ucx", ["wheelfarm/ucx/lib/libucp.so.0"], None),
        ("torch", ["nvidia/cu13/lib/libfoo.so"], None),
    ],
)
def test_cuda_major(name: str, files: list[str], major: int | None) -> None:
    assert cuda_major_of(name, [PurePosixPath(f) for f in files]) == major


def test_cuda_basis() -> None:
    assert cuda_target("nvidia-cuda-runtime", [PurePosixPath("nvidia/cu13/lib/libcudart.so.13")]) == CudaTarget(
        13, "layout nvidia/cu13/"
    )
    assert cuda_target("nvidia-cufft-cu12", []) == CudaTarget(12, "name suffix -cu12")
    assert cuda_target("nvidia-nccl", [PurePosixPath("nvidia/nccl/lib/libnccl.so.2")]) == CudaTarget(
        12, "layout nvidia/nccl/"
    )


def test_every_wheel_that_ships_a_shared_library(tmp_path: Path, compile_so: CompileSo) -> None:
    """scipy-openblas32 ships its library outside any .libs folder; it is listed, and counted by D101."""
    site = tmp_path / "env" / "site-packages"
    blas = compile_so(tmp_path / "b" / "libscipy_openblas.so", soname="libscipy_openblas.so")
    hashed = compile_so(tmp_path / "b" / "libscipy_openblas64_-32a4b2a6.so", soname="libscipy_openblas64_-32a4b2a6.so")
    ours = compile_so(tmp_path / "b" / "libopenblas.so.0", soname="libopenblas.so.0")
    ext = compile_so(tmp_path / "b" / "_yaml.cpython-311-x86_64-linux-gnu.so")
    install_fake(
        site,
        FakeDist(
            "scipy-openblas32",
            "0.3.29.0",
            {"scipy_openblas32/__init__.py": b"", "scipy_openblas32/lib/libscipy_openblas.so": blas.read_bytes()},
        ),
    )
    install_fake(
        site,
        FakeDist(
            "numpyish",
            "2.0",
            {
                "numpyish/_core.cpython-311-x86_64-linux-gnu.so": ext.read_bytes(),
                "numpyish.libs/libscipy_openblas64_-32a4b2a6.so": hashed.read_bytes(),
            },
        ),
    )
    install_fake(
        site, FakeDist("wheelfarm-openblas", "0.3.29", {"wheelfarm/openblas/lib/libopenblas.so.0": ours.read_bytes()})
    )
    install_fake(site, FakeDist("yamlish", "6.0", {"yamlish/_yaml.cpython-311-x86_64-linux-gnu.so": ext.read_bytes()}))
    script = b"/* GNU ld script */ GROUP ( libc.so.6 )\n"
    install_fake(site, FakeDist("scripted", "1.0", {"scripted/lib/libc.so": script}))  # named .so, not ELF
    env = scan_environment(fake_interpreter(site))
    by_name = {w.name: w for w in env.wheels}
    assert set(by_name) == {"scipy-openblas32", "numpyish", "wheelfarm-openblas"}  # no extension-only, no non-ELF
    assert {n: w.maker for n, w in by_name.items()} == {
        "scipy-openblas32": "other",
        "numpyish": "other",
        "wheelfarm-openblas": "ours",
    }
    scipy = by_name["scipy-openblas32"]
    assert (scipy.version, scipy.kind, scipy.cuda_major) == ("0.3.29.0", WheelKind.OTHER, None)
    assert [(lib.identity, lib.soname) for lib in scipy.libraries] == [("openblas", "libscipy_openblas.so")]
    assert [lib.path.name for lib in by_name["numpyish"].libraries] == ["libscipy_openblas64_-32a4b2a6.so"]
    [dup] = duplicate_findings(env)
    assert dup.subject == "openblas"
    assert "3 copies in numpyish, scipy-openblas32, wheelfarm-openblas" in dup.message
