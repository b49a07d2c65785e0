"""A downstream C extension (meson-python) built against wheelfarm-openblas, repaired
without vendoring it, installed from the local index into a fresh venv, and correct."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Path(__file__).resolve().parent / "blasdemo"
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.integration


def run(*cmd: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, env=env)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def farm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A farm holding a quick single-target OpenBLAS build (the release build is ci/openblas.sh's)."""
    root = tmp_path_factory.mktemp("farm")
    shutil.copytree(ROOT / "recipes" / "openblas", root / "recipes" / "openblas")
    shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    run(sys.executable, "-m", "farm", "build", "openblas", "--option", "kernels=haswell",
        "--variant", "interface=lp64", "--root", str(root))
    return root


def test_extension_builds_links_and_computes(farm_root: Path, tmp_path: Path) -> None:
    wheels = farm_root / "wheelhouse"
    dist = tmp_path / "dist"
    # build isolation installs meson-python and pkgconf from the package index, and our OpenBLAS from the wheelhouse
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), "--find-links", str(wheels),
        str(PROJECT))
    (built,) = dist.glob("blasdemo-*.whl")
    repaired = tmp_path / "repaired"
    run(str(BIN / "auditwheel"), "repair", "--exclude", "libopenblas.so.0", "-w", str(repaired), str(built),
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    (wheel,) = repaired.glob("blasdemo-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert not [n for n in names if "openblas" in n.lower() or "gfortran" in n], names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    py = str(venv / "bin" / "python")
    run(py, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(wheels), str(wheel))
    out = run(py, "-c", """
import blasdemo
a = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]
assert blasdemo.matmul(a, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) == a
x = blasdemo.solve(a, [[1.0], [2.0], [3.0]])
back = blasdemo.matmul(a, x)
assert all(abs(back[i][0] - (i + 1)) < 1e-12 for i in range(3)), back
big = [[float(i == j) * 50 + 1.0 / (i + j + 1) for j in range(50)] for i in range(50)]
sol = blasdemo.solve(big, [[1.0]] * 50)
res = blasdemo.matmul(big, sol)
assert max(abs(r[0] - 1.0) for r in res) < 1e-10
import os
maps = open("/proc/self/maps").read()
assert "wheelfarm/openblas/lib/libopenblas.so.0" in maps
print("ok")
""")
    assert out.strip() == "ok"
