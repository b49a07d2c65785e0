"""Fixtures for the doctor's tests: tiny real shared libraries, real wheels, real venvs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from doctor_helpers import CompileSo, Venv, compile_library, make_venv, require_gcc


@pytest.fixture
def compile_so(tmp_path: Path) -> CompileSo:
    """Compile a small shared library: ``compile_so(out_path, source, soname=..., link=[...])``."""
    gcc = require_gcc()

    def build(
        out: Path,
        source: str = "int answer(void) { return 42; }\n",
        soname: str | None = None,
        link: Sequence[str] = (),
        runpath: Sequence[str] = (),
        rpath: Sequence[str] = (),
    ) -> Path:
        return compile_library(gcc, tmp_path, out, source, soname, link, runpath, rpath)

    return build


@pytest.fixture(scope="session")
def science_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """numpy and scipy from the index: each bundles its own OpenBLAS and gfortran."""
    return make_venv(tmp_path_factory.mktemp("science") / "venv", "numpy", "scipy")


@pytest.fixture(scope="session")
def geo_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """rasterio, fiona and pyogrio from the index: three GDALs, and their stacks.

    shapely is pinned to a release whose extension module carries RUNPATH /usr/local/lib64.
    """
    return make_venv(tmp_path_factory.mktemp("geo") / "venv", "rasterio", "fiona", "pyogrio", "shapely==2.2.0")
