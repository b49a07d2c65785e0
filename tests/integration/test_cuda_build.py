"""A real CUDA build on a machine without a GPU or a CUDA toolkit of its own: both variants
of a small library from NVIDIA's wheels, installed side by side, and a build whose NVIDIA
wheels are missing, which must fail rather than find the machine's own toolkit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from farm_helpers import farm, snapshot

from farm.elf import read_elf
from farm.pins import load_pins

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "data" / "cudaprobe"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cuda_farm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cudafarm")
    shutil.copytree(PROBE, root / "recipes" / "cudaprobe")
    shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    farm(root, "build", "cudaprobe")  # one command, both variants
    return root


def _wheel(root: Path, label: str) -> Path:
    found = list((root / "wheelhouse").glob(f"wheelfarm_cudaprobe_{label}-1.0-*.whl"))
    assert len(found) == 1, sorted(p.name for p in (root / "wheelhouse").iterdir())
    return found[0]


@pytest.mark.parametrize(("label", "folder", "soname", "requirement"), [
    ("cu12", "nvidia/cuda_runtime/lib", "libcudart.so.12", "nvidia-cuda-runtime-cu12>=12.9,<13"),
    ("cu13", "nvidia/cu13/lib", "libcudart.so.13", "nvidia-cuda-runtime>=13.5,<14"),
])
def test_each_variant_links_nvidia_wheels_and_ships_none(cuda_farm: Path, label: str, folder: str, soname: str,
                                                         requirement: str, tmp_path: Path) -> None:
    wheel = _wheel(cuda_farm, label)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(f"wheelfarm_cudaprobe_{label}-1.0.dist-info/METADATA").decode()
        script = zf.read(f"wheelfarm/cudaprobe_{label}/lib/libcudaprobe.so").decode()
        zf.extractall(tmp_path)
    libs = [n for n in names if ".so." in n]
    assert libs == [f"wheelfarm/cudaprobe_{label}/lib/libcudaprobe.so.1"]
    assert script.startswith("/*") and "INPUT(libcudaprobe.so.1)" in script  # the link-time name, not a copy
    assert not any(k in n for n in names for k in ("libcudart", "libcuda.", "libnvidia-ml", "stubs", "lib64"))
    requires = sorted(line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist"))
    assert [r.replace(" ", "") for r in requires] == [requirement]  # the crt headers' wheel is not a dependency
    info = read_elf(tmp_path / libs[0])
    assert info is not None
    assert soname in info.needed and "libcuda.so.1" not in info.needed
    assert info.runpath == ("$ORIGIN", f"$ORIGIN/../../../{folder}")


def test_variants_install_side_by_side_and_find_no_gpu(cuda_farm: Path, tmp_path: Path) -> None:
    pins = load_pins(ROOT / "recipes" / "pins.yaml")
    cache = Path(os.path.expanduser("~/.cache/wheelfarm")) / "sha256"
    runtimes = []
    for name in ("nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime"):
        spec = pins.external[name].wheel
        assert spec is not None
        runtimes.append(cache / spec[1][:2] / spec[1] / spec[0])
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    ours = [_wheel(cuda_farm, "cu12"), _wheel(cuda_farm, "cu13")]
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-index", *map(str, runtimes), *map(str, ours)], check=True)
    site = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    records = [set((site / f"wheelfarm_cudaprobe_{label}-1.0.dist-info" / "RECORD").read_text().splitlines())
               for label in ("cu12", "cu13")]
    assert not {line.split(",")[0] for line in records[0]} & {line.split(",")[0] for line in records[1]}
    env = {"PATH": "/usr/bin:/bin"}  # no LD_LIBRARY_PATH: RUNPATH alone finds NVIDIA's wheels
    for label, soname, folder in (("cu12", "libcudart.so.12", "nvidia/cuda_runtime/lib"),
                                  ("cu13", "libcudart.so.13", "nvidia/cu13/lib")):
        lib = site / "wheelfarm" / f"cudaprobe_{label}" / "lib" / "libcudaprobe.so.1"
        ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env).stdout
        line = next(x for x in ldd.splitlines() if soname in x)
        found = Path(line.split("=>", 1)[1].split("(", 1)[0].strip())
        assert found.resolve() == (site / folder / soname).resolve(), ldd
        probe = subprocess.run([py, "-c", f"import ctypes, wheelfarm.cudaprobe_{label} as m; m.load_library(); "
                                          f"print(ctypes.CDLL(m.lib_dir() + '/libcudaprobe.so.1').cudaprobe_devices())"],
                               capture_output=True, text=True, env=env)
        # without a GPU the runtime answers an error code (no device, or no driver): no crash
        assert probe.returncode == 0 and int(probe.stdout.strip()) <= 0, probe.stderr


def test_missing_nvidia_wheels_fail_the_build_instead_of_using_the_machines_cuda(cuda_farm: Path) -> None:
    broken = cuda_farm / "recipes" / "cudaprobe-nowheels"
    shutil.copytree(PROBE, broken)
    text = (broken / "recipe.yaml").read_text()
    (broken / "recipe.yaml").write_text(text.replace("name: cudaprobe", "name: cudaprobe-nowheels")
                                        .replace("  cuda: [runtime]\n", ""))
    before = snapshot(cuda_farm / "wheelhouse", cuda_farm / "index")
    result = farm(cuda_farm, "build", "cudaprobe-nowheels", "--variant", "cuda=13", check=False)
    assert result.returncode != 0
    log = next((cuda_farm / ".farm" / "logs").glob("cudaprobe-nowheels-cuda13*.log")).read_text()
    assert "Could NOT find CUDAToolkit" in log or "CUDAToolkit_ROOT" in log, log[-2000:]
    assert "/usr/local/cuda" not in log.split("$ bash", 1)[-1]
    assert snapshot(cuda_farm / "wheelhouse", cuda_farm / "index") == before


def test_audit_knows_nvidia_wheels_and_the_driver(cuda_farm: Path) -> None:
    """auditwheel's policy holds once NVIDIA's sonames (from the pins) are excluded like a sibling wheel's."""
    result = farm(cuda_farm, "audit", check=False)
    lines = [line for line in result.stdout.splitlines() if "cudaprobe" in line]
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines) == 2 and all(line.startswith("ok") and "libcudart.so.1" in line for line in lines), lines
