from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from farm.buildenv import BuildFailed
from farm.catalog import Catalog
from farm.kinds import kind_of
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_generated_configuration(tmp_path: Path) -> None:
    out = tmp_path / "cibw" / "libtiff"
    subprocess.run([sys.executable, "-m", "farm", "cibw", "libtiff", "--output-dir", str(out), "--root", str(ROOT)],
                   check=True, capture_output=True)
    config = tomllib.loads((out / "pyproject.toml").read_text())
    cibw = config["tool"]["cibuildwheel"]
    assert config["build-system"]["build-backend"] == "farm.backend"
    assert cibw["build"] == "cp312-manylinux_x86_64"
    assert "--exclude libz.so.1" in cibw["repair-wheel-command"]
    assert "wheelfarm.libtiff" in cibw["test-command"]


@pytest.mark.skipif(shutil.which("cibuildwheel", path=str(Path(sys.executable).parent)) is None,
                    reason="cibuildwheel comes with the build extra")
def test_cibuildwheel_accepts_it(tmp_path: Path) -> None:
    out = tmp_path / "cibw" / "zlib"
    subprocess.run([sys.executable, "-m", "farm", "cibw", "zlib", "--output-dir", str(out), "--root", str(ROOT)],
                   check=True, capture_output=True)
    result = subprocess.run([str(Path(sys.executable).parent / "cibuildwheel"), "--print-build-identifiers",
                             "--platform", "linux", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cp312-manylinux_x86_64"]


def test_a_python_package_builds_once_per_cpython_under_its_own_name(tmp_path: Path) -> None:
    out = tmp_path / "cibw" / "shapely"
    subprocess.run([sys.executable, "-m", "farm", "cibw", "shapely", "--output-dir", str(out), "--root", str(ROOT)],
                   check=True, capture_output=True)
    config = tomllib.loads((out / "pyproject.toml").read_text())
    cibw = config["tool"]["cibuildwheel"]
    assert config["project"]["name"] == "shapely" and config["project"]["version"].endswith("+wheelfarm")
    # one per CPython of recipes/pins.yaml's python list
    assert cibw["build"].split() == [f"cp{v.replace('.', '')}-manylinux_x86_64"
                                              for v in ("3.11", "3.12", "3.13", "3.14")]
    assert "--exclude libgeos_c.so.1" in cibw["repair-wheel-command"]
    assert cibw["test-command"] == 'python -c "import shapely"'


def test_the_backend_builds_the_variant_of_the_running_cpython() -> None:
    variants = Catalog.from_settings(load_settings(ROOT)).variants_of("shapely")
    kind = kind_of(variants[0])
    assert kind.backend_variant(variants, "3.13").variant["python"] == "3.13"
    with pytest.raises(BuildFailed, match="not 3.9"):
        kind.backend_variant(variants, "3.9")


def test_one_project_per_cuda_major(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "cibw" / "ucx-cu13"
    subprocess.run([sys.executable, "-m", "farm", "cibw", "ucx", "--variant", "cuda=13", "--output-dir", str(out),
                    "--root", str(ROOT)], check=True, capture_output=True)
    config = tomllib.loads((out / "pyproject.toml").read_text())
    assert config["project"]["name"] == "wheelfarm-ucx-cu13"
    assert config["tool"]["farm"]["variant"] == {"cuda": "13"}
    repair = config["tool"]["cibuildwheel"]["repair-wheel-command"]
    # NVIDIA's runtime and the driver's libraries are linked, never grafted
    assert all(f"--exclude {so}" in repair for so in ("libcudart.so.13", "libcuda.so.1", "libnvidia-ml.so.1"))
    assert "wheelfarm.ucx_cu13" in config["tool"]["cibuildwheel"]["test-command"]
    from farm import backend

    monkeypatch.chdir(out)
    assert backend._project()[2] == {"cuda": "13"}
