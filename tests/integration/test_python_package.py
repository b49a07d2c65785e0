"""A Python package built by the farm from its sdist: shapely on the farm's GEOS, end to end,
installed by pip and by uv as a user would, and the bad inputs that must publish nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from farm_helpers import farm, snapshot

from farm.elf import read_elf
from farm.wheelfile import read_metadata, record_hash

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent
#: the GEOS recipe's version: shapely is built against it
GEOS = str(yaml.safe_load((ROOT / "recipes" / "geos" / "recipe.yaml").read_text(encoding="utf-8"))["context"]["version"])


@pytest.fixture(scope="module")
def farm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A farm with the real geos, shapely and zlib recipes; shapely (and so GEOS) built once."""
    root = tmp_path_factory.mktemp("pyfarm")
    for name in ("geos", "shapely", "zlib"):
        shutil.copytree(ROOT / "recipes" / name, root / "recipes" / name)
    shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    farm(root, "build", "shapely")
    return root


def _wheel(root: Path) -> Path:
    (wheel,) = (root / "wheelhouse").glob("shapely-*.whl")
    return wheel


def test_the_wheel_keeps_its_name_declares_geos_and_ships_no_copy(farm_root: Path, tmp_path: Path) -> None:
    wheel = _wheel(farm_root)
    name, version, python, abi, _ = wheel.name.removesuffix(".whl").split("-")
    assert (name, version) == ("shapely", "2.2.0+wheelfarm")
    assert python == abi == f"cp{sys.version_info[0]}{sys.version_info[1]}"
    meta = read_metadata(wheel)
    assert meta["Version"] == "2.2.0+wheelfarm"
    assert f"wheelfarm-geos>={GEOS},<4" in meta.get_all("Requires-Dist", [])
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert not [n for n in names if "libgeos" in n], "GEOS is the farm's wheel, never a copy"
        record = zf.read("shapely-2.2.0+wheelfarm.dist-info/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if digest:
                data = zf.read(path)
                assert digest == record_hash(data) and int(size) == len(data), path
        assert "shapely-2.2.0+wheelfarm.dist-info/provenance.json" in names
        sbom = json.loads(zf.read("shapely-2.2.0+wheelfarm.dist-info/sboms/shapely.cdx.json"))
        assert sbom["bomFormat"] == "CycloneDX"
        assert any(c.get("name") == "wheelfarm-geos" for c in sbom.get("components", [])), sbom["components"]
        zf.extractall(tmp_path)
    lib = next((tmp_path / "shapely").glob("lib.cpython-*.so"))
    info = read_elf(lib)
    assert info is not None and "libgeos_c.so.1" in info.needed
    assert info.runpath == ("$ORIGIN/../wheelfarm/geos/lib",)


def _fresh_venv(path: Path, installer: str) -> tuple[Path, list[str]]:
    if installer == "uv":
        subprocess.run([str(BIN / "uv"), "venv", "-q", "--python", sys.executable, str(path)], check=True)
        return path, [str(BIN / "uv"), "pip", "install", "-q", "--python", str(path / "bin" / "python")]
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path, [str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_prefer_the_farms_build_given_its_index_beside_the_default(
        farm_root: Path, tmp_path: Path, installer: str) -> None:
    # the one command a user runs: the farm's index as an extra index, the package by its own name
    venv, install = _fresh_venv(tmp_path / "venv", installer)
    index = (farm_root / "index" / "simple").as_uri() + "/"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_INDEX", "UV_INDEX", "UV_EXTRA"))}
    subprocess.run([*install, "--extra-index-url", index, "shapely==2.2.0"], check=True, env=env)
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m, shapely; print(m.version('shapely'), m.version('wheelfarm-geos')); "
         "print(*sorted({l.split()[-1] for l in open('/proc/self/maps') if 'libgeos' in l}))"],
        capture_output=True, text=True, check=True, cwd=tmp_path)
    versions, maps = probe.stdout.splitlines()
    assert versions == f"2.2.0+wheelfarm {GEOS}"
    assert all(f"{venv}/lib/" in p and "/wheelfarm/geos/lib/" in p for p in maps.split()), maps


def _recipe_copy(root: Path, name: str, text: str) -> Path:
    folder = root / "recipes" / name
    folder.mkdir(parents=True)
    (folder / "recipe.yaml").write_text(text)
    return folder / "recipe.yaml"


def test_a_wrong_sdist_sha256_names_the_recipe_line_and_publishes_nothing(farm_root: Path) -> None:
    text = (ROOT / "recipes" / "shapely" / "recipe.yaml").read_text()
    good = "e8865e553d874a1ec4a032057ea81fca9def37b188cd8fb550af3b3480b3f88c"
    assert good in text
    bad = text.replace("name: shapely\n  version", "name: shapely-bad\n  version").replace(good, "f" * 64)
    recipe = _recipe_copy(farm_root, "shapely-bad", bad)
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "f" * 64 in t)
    try:
        before = snapshot(farm_root / "wheelhouse", farm_root / "index")
        result = farm(farm_root, "build", "shapely-bad", check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        (message,) = [m for m in result.stderr.splitlines() if "sha256 mismatch" in m]
        assert f"{recipe}:{line}:" in message
        assert snapshot(farm_root / "wheelhouse", farm_root / "index") == before
    finally:
        shutil.rmtree(recipe.parent)


_SETUP = """\
from setuptools import Extension, setup
setup(ext_modules=[Extension("zdemo", ["zdemo.c"], libraries=["z"])])
"""
_C = """\
#include <Python.h>
#include <zlib.h>
static PyObject *version(PyObject *self, PyObject *args) { return PyUnicode_FromString(zlibVersion()); }
static PyMethodDef methods[] = {{"version", version, METH_NOARGS, ""}, {0}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "zdemo", 0, -1, methods};
PyMODINIT_FUNC PyInit_zdemo(void) { return PyModule_Create(&mod); }
"""


def _sdist(path: Path) -> str:
    files = {
        "zdemo-1.0/pyproject.toml": '[build-system]\nrequires = ["setuptools>=68"]\n'
                                    'build-backend = "setuptools.build_meta"\n'
                                    '[project]\nname = "zdemo"\nversion = "1.0"\n',
        "zdemo-1.0/setup.py": _SETUP,
        "zdemo-1.0/zdemo.c": _C,
        "zdemo-1.0/LICENSE": "MIT\n",
    }
    with tarfile.open(path, "w:gz") as tf:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tf.addfile(info, io.BytesIO(text.encode()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_extension_linking_an_undeclared_farm_library_fails_the_link_check(
        farm_root: Path, tmp_path: Path) -> None:
    # zdemo links libz, which the zlib recipe provides, but does not declare zlib: the build finds the
    # machine's libz (which manylinux allows), and the link check refuses it all the same
    sha = _sdist(tmp_path / "zdemo-1.0.tar.gz")
    recipe = _recipe_copy(farm_root, "zdemo", f"""\
package: {{name: zdemo, version: "1.0"}}
source:
  - url: {(tmp_path / "zdemo-1.0.tar.gz").as_uri()}
    sha256: "{sha}"
build: {{number: 0}}
python: {{requires: ">=3.11", module: zdemo}}
requirements:
  build: [c-compiler]
about: {{license: MIT, license_file: LICENSE, summary: An extension that links zlib, homepage: https://example.org}}
test: {{python: ["import zdemo; print(zdemo.version())"]}}
maintainers: [wheelfarm/core]
""")
    try:
        before = snapshot(farm_root / "wheelhouse", farm_root / "index")
        result = farm(farm_root, "build", "zdemo", check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "link check failed" in result.stderr
        (problem,) = [m for m in result.stderr.splitlines() if "libz" in m]
        assert "needs libz.so.1, which recipe 'zlib' provides; add zlib to requirements.host" in problem
        assert f"{recipe}:" in problem
        assert snapshot(farm_root / "wheelhouse", farm_root / "index") == before
    finally:
        shutil.rmtree(recipe.parent)
