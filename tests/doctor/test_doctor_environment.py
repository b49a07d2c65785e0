from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from farm.doctor.environment import WheelKind, cuda_major_of, scan_environment

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
        "pillowish": WheelKind.BUNDLED,
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
    bundling = next(w for w in env.wheels if w.kind is WheelKind.BUNDLED)
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
    assert {w.name for w in env.wheels} == {"nvidia-cuda-runtime-cu12", "pillowish"}


def test_first_path_entry_wins(tmp_path: Path, site: Path) -> None:
    shadow = tmp_path / "shadow"
    install_fake(shadow, FakeDist("purely", "9.9", {"purely/__init__.py": b"x"}))
    interp = fake_interpreter(site)
    interp = type(interp)(**{**interp.__dict__, "paths": (shadow, site)})
    assert scan_environment(interp).installed_version("purely") == "9.9"


@pytest.mark.parametrize(
    ("name", "version", "component", "files", "major"),
    [
        ("nvidia-cublas-cu12", "12.4.5.8", "cublas", [], 12),
        ("nvidia-cudnn-cu12", "9.1.0.70", "cudnn", [], 12),
        ("nvidia-cuda-runtime", "13.0.48", "cuda-runtime", ["nvidia/cu13/lib/libcudart.so.13"], 13),
        ("nvidia-cublas", "13.1.0.3", "cublas", [], 13),
        ("nvidia-nccl", "2.27.3", "nccl", [], None),
        ("wheelfarm-ucx-cu12", "1.18.0", "ucx", [], 12),
    ],
)
def test_cuda_major(name: str, version: str, component: str, files: list[str], major: int | None) -> None:
    assert cuda_major_of(name, version, component, [PurePosixPath(f) for f in files]) == major
