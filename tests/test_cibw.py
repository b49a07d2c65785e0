from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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
