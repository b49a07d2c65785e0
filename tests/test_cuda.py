"""CUDA variants: pins, rendering, the build-time overlay and its stubs, hiding the machine's
own toolkit, and what reaches a wheel (ranges, loader, never a driver library)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from farm.abi import pin_range
from farm.cuda import (
    CUDA_TOOLS,
    CudaToolkit,
    CudaVariant,
    OverlayInput,
    hide_system_cuda,
    make_overlay,
    make_stub,
    stub_symbols,
)
from farm.elf import read_elf
from farm.linkcheck import check_wheel
from farm.loader import loader_source
from farm.locate import load_yaml
from farm.pins import load_pins
from farm.platforms import Platform
from farm.recipe.render import RecipeDocument, RecipeError, render, render_all, variants

ROOT = Path(__file__).resolve().parents[1]
LINUX = Platform("linux", "x86_64")
CC = shutil.which("cc") or "cc"
#: any real shared library of the machine stands in for NVIDIA's (only its bytes and name matter)
REAL_SO = next(p for p in (Path("/lib/x86_64-linux-gnu/libz.so.1"), Path("/usr/lib/x86_64-linux-gnu/libz.so.1"),
                           Path("/lib64/libz.so.1")) if p.exists())

RECIPE = """\
package: {name: probe, version: "1.0"}
source:
  - url: https://example.org/probe-1.0.tar.gz
    sha256: "%s"
build:
  number: 0
  script: [make]
  cuda: ["12", "13"]
requirements:
  build: [c-compiler]
  cuda: [%s]
about: {license: MIT, license_file: LICENSE, summary: A probe}
test: {commands: ["lstopo-cu${{ cuda }}"]}
maintainers: [someone]
"""


def doc(components: str = "runtime, nvml, nvcc") -> RecipeDocument:
    file = Path("/r/probe/recipe.yaml")
    return RecipeDocument(file, load_yaml(RECIPE % ("a" * 64, components), file))


@pytest.fixture(scope="module")
def pins():  # type: ignore[no-untyped-def]
    return load_pins(ROOT / "recipes" / "pins.yaml")


# -- pins and rendering --------------------------------------------------------------------------

def test_pins_describe_both_layouts(pins) -> None:  # type: ignore[no-untyped-def]
    cu12, cu13 = pins.cuda["12"], pins.cuda["13"]
    assert (cu12.label, cu13.label) == ("cu12", "cu13")
    runtime12 = pins.external[cu12.wheel_of("runtime")[0]]
    runtime13 = pins.external[cu13.wheel_of("runtime")[0]]
    assert runtime12.lib_dir == "nvidia/cuda_runtime/lib" and runtime12.sonames == ("libcudart.so.12",)
    assert runtime13.lib_dir == "nvidia/cu13/lib" and runtime13.sonames == ("libcudart.so.13",)
    # every wheel a build unpacks is pinned by file and sha256
    for major in (cu12, cu13):
        for wheel in major.wheel_of_all(major.components):
            ext = pins.external[wheel]
            assert ext.wheel is not None and len(ext.wheel[1]) == 64, wheel
    # headers and compilers are never a run-time dependency
    assert not pins.external["nvidia-nvml-dev-cu12"].runtime and not pins.external["nvidia-cuda-nvcc"].runtime
    assert cu13.compiler_wheels and cu12.compiler_debian is not None and cu12.compiler_debian.suite == "trixie"
    assert cu13.sass[0] == "75"  # CUDA 13 targets sm_75 and newer


def test_architectures_are_sass_plus_one_ptx() -> None:
    kit = CudaToolkit("13", "cu13", "580.65.06", sass=("75", "90"), ptx="90")
    assert kit.cmake_architectures == "75-real;90-real;90-virtual"
    assert kit.gencode.split() == ["-gencode=arch=compute_75,code=sm_75", "-gencode=arch=compute_90,code=sm_90",
                                   "-gencode=arch=compute_90,code=compute_90"]


def test_a_cuda_recipe_renders_one_variant_per_major(pins) -> None:  # type: ignore[no-untyped-def]
    assert variants(doc(), pins) == [{"cuda": "12"}, {"cuda": "13"}]
    r12, r13 = render_all(doc(), pins, LINUX)
    assert (r12.package, r12.module, r12.flavour) == ("probe-cu12", "probe_cu12", "cu12")
    assert (r13.package, r13.module) == ("probe-cu13", "probe_cu13")
    assert r12.command("lstopo") == "lstopo-cu12" and r12.test.commands == ("lstopo-cu12",)
    assert [h.name for h in r12.host] == ["nvidia-cuda-runtime-cu12", "nvidia-cuda-nvcc-cu12", "nvidia-nvml-dev-cu12"]
    assert [h.name for h in r13.host] == ["nvidia-cuda-runtime", "nvidia-cuda-crt", "nvidia-nvml-dev"]
    assert r12.cuda is not None and r12.cuda.nvcc and r12.cuda.components == ("runtime", "nvml")
    # a recipe without build.cuda is untouched
    plain = render(RecipeDocument(Path("/r/zlib/recipe.yaml"), load_yaml(
        (ROOT / "recipes" / "zlib" / "recipe.yaml").read_text(), Path("/r/zlib/recipe.yaml"))), pins, LINUX)
    assert plain.cuda is None and plain.module == "zlib" and plain.command("x") == "x"


def test_an_unknown_component_names_the_line(pins) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RecipeError, match=r"/r/probe/recipe.yaml:11:\d+: CUDA 12 has no component 'cublas'"):
        render(doc("runtime, cublas"), pins, LINUX, {"cuda": "12"})


def test_an_unknown_major_names_the_line(pins) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RecipeError, match=r"recipe.yaml:8:\d+: CUDA 11 is not in pins.yaml"):
        render(doc(), pins, LINUX, {"cuda": "11"})


def test_runtime_ranges_follow_cuda_rules(pins) -> None:  # type: ignore[no-untyped-def]
    """Same major, at least the build's minor (minor-version compatibility)."""
    rt = pins.external["nvidia-cuda-runtime-cu12"]
    assert pin_range(rt.version, rt.max_pin, rt.min_pin) == ">=12.9,<13"
    rt13 = pins.external["nvidia-cuda-runtime"]
    assert pin_range(rt13.version, rt13.max_pin, rt13.min_pin) == ">=13.5,<14"


# -- stubs and the overlay -----------------------------------------------------------------------

HEADER = """\
typedef int CUresult;
#define cuCtxCreate cuCtxCreate_v2
CUresult cuInit(unsigned int flags);
CUresult cuCtxCreate(void **ctx, unsigned int flags, int dev);
typedef CUresult (*PFN_cuInit)(unsigned int);
"""


def test_stub_exports_every_name_a_caller_may_use(tmp_path: Path) -> None:
    header = tmp_path / "cuda.h"
    header.write_text(HEADER)
    names = stub_symbols(header, "cu", CC, [tmp_path])
    assert names == ["cuCtxCreate", "cuCtxCreate_v2", "cuInit"]
    stub = make_stub("libcuda.so.1", names, tmp_path / "stubs", CC)
    assert stub.name == "libcuda.so"
    info = read_elf(stub)
    assert info is not None and info.soname == "libcuda.so.1"
    nm = subprocess.run(["nm", "-D", "--defined-only", str(stub)], capture_output=True, text=True, check=True).stdout
    assert {"cuInit", "cuCtxCreate", "cuCtxCreate_v2"} <= {line.split()[-1] for line in nm.splitlines()}


def _host(tmp_path: Path) -> Path:
    host = tmp_path / "host"
    (host / "nvidia/cu13/lib").mkdir(parents=True)
    (host / "nvidia/cu13/include").mkdir(parents=True)
    shutil.copy(REAL_SO, host / "nvidia/cu13/lib/libcudart.so.13")
    (host / "nvidia/cu13/include/cuda.h").write_text(HEADER)
    (host / "nvidia/cu13/include/cuda_runtime_api.h").write_text("int cudaGetDeviceCount(int *);\n")
    (host / "nvidia/cu13/bin").mkdir()
    for tool in ("nvcc", "ptxas", "g++"):
        (host / "nvidia/cu13/bin" / tool).write_text("#!/bin/sh\n")
    return host


def test_overlay_is_a_toolkit_view_outside_the_prefix(tmp_path: Path) -> None:
    host = _host(tmp_path)
    kit = CudaToolkit("13", "cu13", "580.65.06", sass=("75",), ptx="120")
    variant = CudaVariant(kit, ("runtime",), nvcc=True)
    overlay = make_overlay(variant, host, tmp_path / "tree" / "cuda",
                           [OverlayInput("nvidia-cuda-runtime", "nvidia/cu13/lib", "nvidia/cu13/include",
                                         ("libcudart.so.13",), "13.5.37")], CC, host / "nvidia/cu13/bin")
    root = overlay.root
    assert (root / "lib64" / "libcudart.so").resolve() == (host / "nvidia/cu13/lib/libcudart.so.13").resolve()
    assert (root / "lib" / "libcudart.so.13").exists() and (root / "include" / "cuda.h").is_symlink()
    assert read_elf(root / "lib64" / "stubs" / "libcuda.so").soname == "libcuda.so.1"  # type: ignore[union-attr]
    assert '"13.5.37"' in (root / "version.json").read_text()
    assert (root / "bin" / "nvcc").exists() and not (root / "bin" / "g++").exists()
    # a launcher, not a link: nvcc reads nvcc.profile next to the path it is run by
    assert not (root / "bin" / "nvcc").is_symlink()
    assert str((host / "nvidia/cu13/bin/nvcc").resolve()) in (root / "bin" / "nvcc").read_text()
    assert f"-Wl,-rpath-link,{root / 'lib64'}" in overlay.env["LDFLAGS"]
    env = overlay.env
    assert env["CUDA_HOME"] == env["CUDAToolkit_ROOT"] == str(root)
    assert env["CUDACXX"] == str(root / "bin" / "nvcc") and env["CUDAARCHS"] == "75-real;120-virtual"
    assert str(root / "lib64") in env["LIBRARY_PATH"].split(os.pathsep)


def test_overlay_refuses_a_wheel_without_its_library(tmp_path: Path) -> None:
    host = _host(tmp_path)
    (host / "nvidia/cu13/lib/libcudart.so.13").unlink()
    variant = CudaVariant(CudaToolkit("13", "cu13", "580"), ("runtime",))
    with pytest.raises(Exception, match="nvidia-cuda-runtime has no nvidia/cu13/lib/libcudart.so.13"):
        make_overlay(variant, host, tmp_path / "cuda", [OverlayInput("nvidia-cuda-runtime", "nvidia/cu13/lib",
                                                                     None, ("libcudart.so.13",))], CC, None)


def test_system_cuda_is_hidden_from_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "usr-local-bin"
    bin_dir.mkdir()
    for tool in ("nvcc", "ptxas", "cmake", "terraform"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "cc").write_text("")
    out = hide_system_cuda([str(clean), str(bin_dir), "/usr/local/cuda/bin", "/usr/local/cuda-13.0/bin"],
                           tmp_path / "shadow")
    assert out[0] == str(clean) and len(out) == 2
    shadow = Path(out[1])
    assert sorted(p.name for p in shadow.iterdir()) == ["cmake", "terraform"]
    assert not any((shadow / t).exists() for t in CUDA_TOOLS)


# -- what reaches a wheel ------------------------------------------------------------------------

def test_loader_loads_nvidia_libraries_from_their_wheel_or_names_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    pkg = site / "wheelfarm" / "probe_cu12"
    pkg.mkdir(parents=True)
    source = loader_source(dist="wheelfarm-probe-cu12", version="1.0", summary="probe", namespace="wheelfarm",
                           dependencies=[], libraries=[], rtld="local", env={},
                           external=[("nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime-cu12>=12.9,<13",
                                      "nvidia/cuda_runtime/lib", ("libcudart.so.12",))])
    (pkg / "__init__.py").write_text(source)

    def load() -> object:
        spec = importlib.util.spec_from_file_location(f"probe{len(list(tmp_path.iterdir()))}", pkg / "__init__.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.load_library()  # type: ignore[attr-defined]

    with pytest.raises(ImportError, match=r"needs libcudart.so.12 from nvidia-cuda-runtime-cu12 .*"
                                          r"pip install 'nvidia-cuda-runtime-cu12>=12.9,<13'"):
        load()
    (site / "nvidia/cuda_runtime/lib").mkdir(parents=True)
    shutil.copy(REAL_SO, site / "nvidia/cuda_runtime/lib/libcudart.so.12")
    assert load() == []  # this wheel's own libraries: none; NVIDIA's is loaded from its wheel's folder
    assert str(site / "nvidia/cuda_runtime/lib/libcudart.so.12") in Path("/proc/self/maps").read_text()


def test_a_driver_library_in_a_wheel_fails_the_link_check(tmp_path: Path) -> None:
    wheel = tmp_path / "wheelfarm_probe_cu12-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(REAL_SO, "wheelfarm/probe_cu12/lib/libcuda.so.1")
        zf.write(REAL_SO, "wheelfarm/probe_cu12/lib/libcudart-1a2b3c4d.so.12")
    report = check_wheel(wheel, tmp_path, recipe="probe", recipe_file=Path("/r/probe/recipe.yaml"), host_line="1",
                         providers={}, allowed=["libc.so.6"], forbidden=[],
                         never_shipped={"libcuda.so.1": "the NVIDIA driver",
                                        "libcudart.so.12": "nvidia-cuda-runtime-cu12"})
    text = "\n".join(report.errors)
    assert "libcuda.so.1 is a copy of the NVIDIA driver's library" in text
    assert "libcudart-1a2b3c4d.so.12 is a copy of nvidia-cuda-runtime-cu12's library" in text


def test_cuda12_kernels_need_apt_for_their_compiler(pins, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    r12, r13 = render_all(doc(), pins, LINUX)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert r12.cuda is not None and "no apt-get" in (r12.cuda.unavailable() or "")
    assert r13.cuda is not None and r13.cuda.unavailable() is None  # CUDA 13's nvcc is NVIDIA's wheels
    host_only = render(doc("runtime"), pins, LINUX, {"cuda": "12"})
    assert host_only.cuda is not None and host_only.cuda.unavailable() is None
