"""The doctor against real environments: wheels from the index, and library wheels built here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from farm.doctor import diagnose

from doctor_helpers import Venv, build_wheel, compile_library, make_venv, require_gcc

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _farm(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Run ``farm doctor`` as a user would, in a fresh process, and read its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "farm", "doctor", "--format", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert done.returncode in (0, 3), done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, data


def _by_id(data: dict[str, Any], check: str) -> dict[str, dict[str, Any]]:
    found = [f for f in data["findings"] if f["id"] == check]
    subjects = [f["subject"] for f in found]
    assert len(subjects) == len(set(subjects)), f"{check} reported twice: {subjects}"
    return {f["subject"]: f for f in found}


# -- numpy and scipy: two OpenBLAS ------------------------------------------------------------


def test_numpy_and_scipy_environment(science_venv: Venv) -> None:
    _, data = _farm("--python", str(science_venv.python), "--no-driver")
    dups = _by_id(data, "D101")
    openblas = dups["openblas"]
    assert len(openblas["paths"]) == 2
    assert {Path(p).parent.name for p in openblas["paths"]} == {"numpy.libs", "scipy.libs"}
    assert openblas["wasted_bytes"] == Path(sorted(openblas["paths"])[1]).stat().st_size
    assert "gfortran" in dups
    libs = {lib["path"]: lib for w in data["wheels"] for lib in w["libraries"]}
    for path in openblas["paths"]:
        assert libs[path]["identity"] == "openblas"
        assert re.fullmatch(r"0\.3\.\d+.*", libs[path]["version"] or ""), libs[path]["version"]


def test_numpy_and_scipy_in_another_process(science_venv: Venv) -> None:
    _, data = _farm(
        "--python", str(science_venv.python), "--no-driver", "--import", "numpy", "--import", "scipy.linalg"
    )
    loaded = _by_id(data, "D301")
    assert sorted(Path(p).parent.name for p in loaded["openblas"]["paths"]) == ["numpy.libs", "scipy.libs"]
    assert "D302" not in {f["id"] for f in data["findings"]}
    identities = [lib["identity"] for lib in data["process"]["libraries"]]
    assert identities.count("openblas") == 2


def test_numpy_and_scipy_in_this_process(science_venv: Venv) -> None:
    env = {**os.environ, "PYTHONPATH": str(science_venv.site)}
    _, data = _farm("--process", "--import", "numpy", "--import", "scipy.linalg", "--no-driver", env=env)
    assert data["process"]["source"] == "this process"
    assert len(_by_id(data, "D301")["openblas"]["paths"]) == 2


def test_library_api_after_importing(science_venv: Venv) -> None:
    code = (
        "import numpy, scipy.linalg, json\n"
        "import farm.doctor\n"
        "report = farm.doctor.inspect_process()\n"
        "print(json.dumps([[f.id, f.subject] for f in report.findings]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(science_venv.site), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    findings = json.loads(done.stdout)
    assert findings.count(["D301", "openblas"]) == 1


# -- rasterio, fiona, pyogrio: their .libs against an independent listing -----------------------

_HASH = re.compile(r"-[0-9a-f]{8}(?=[-.]|$)")


def _independent_identity(folder: str, filename: str) -> str:
    """Plain name normalisation, written apart from farm.doctor.identity."""
    owner = folder[: -len(".libs")]
    base = filename.split(".so", 1)[0]
    base = _HASH.split(base, 1)[0]
    base = base.removeprefix("lib")
    base = base.removesuffix(f"-{owner}")
    return base.lower()


def test_geo_duplicates_match_an_independent_listing(geo_venv: Venv) -> None:
    site = geo_venv.site
    groups: dict[str, set[str]] = defaultdict(set)
    folders = sorted(name for name in os.listdir(site) if name.endswith(".libs"))
    assert {"rasterio.libs", "fiona.libs", "pyogrio.libs"} <= set(folders)
    for folder in folders:
        for filename in os.listdir(site / folder):
            groups[_independent_identity(folder, filename)].add(str(site / folder / filename))
    expected = {frozenset(paths) for paths in groups.values() if len(paths) > 1}
    assert expected, "the three packages no longer share a library"

    report = diagnose(python=geo_venv.python, check_driver=False)
    reported = [f for f in report.findings if f.id == "D101"]
    assert {frozenset(f.paths) for f in reported} == expected
    assert len({f.subject for f in reported}) == len(reported)
    for finding in reported:
        sizes = [os.path.getsize(p) for p in sorted(finding.paths)]  # the first copy is kept
        assert finding.wasted_bytes == sum(sizes[1:])
    gdal = next(f for f in reported if f.subject == "gdal")
    assert len(gdal.paths) == 3


def test_search_path_outside_the_environment(geo_venv: Venv) -> None:
    _, data = _farm("--python", str(geo_venv.python), "--no-driver")
    shapely = _by_id(data, "D104")["shapely"]
    assert "/usr/local/lib64 (RUNPATH)" in shapely["message"]
    assert f"outside the environment {geo_venv.root}" in shapely["message"]
    assert all("/shapely/" in p for p in shapely["paths"])
    assert "rasterio" not in _by_id(data, "D104")  # $ORIGIN/../rasterio.libs stays inside


# -- library wheels built here, NVIDIA wheels from the index -----------------------------------


def _library_wheels(tmp: Path, foo_version: str = "1.2.3") -> tuple[Path, Path]:
    """wheelfarm-foo (libfoo.so.1) and wheelfarm-bar (libbar.so.1, needs foo >=1.2,<1.3)."""
    gcc = require_gcc()
    build = tmp / f"build-{foo_version}"
    foo = compile_library(
        gcc,
        tmp,
        build / "libfoo.so.1",
        f'const char *foo_version(void) {{ return "foo {foo_version}"; }}\n',
        soname="libfoo.so.1",
        runpath=["$ORIGIN"],
    )
    bar = compile_library(
        gcc,
        tmp,
        build / "libbar.so.1",
        "const char *foo_version(void); const char *bar(void) { return foo_version(); }\n",
        soname="libbar.so.1",
        link=[str(foo)],
        runpath=["$ORIGIN", "$ORIGIN/../../foo/lib"],
    )
    init = b"from pathlib import Path\n\ndef lib_dir():\n    return Path(__file__).parent / 'lib'\n"
    foo_whl = build_wheel(
        tmp / "wheels",
        "wheelfarm-foo",
        foo_version,
        {"wheelfarm/foo/__init__.py": init, "wheelfarm/foo/lib/libfoo.so.1": foo.read_bytes()},
    )
    bar_whl = build_wheel(
        tmp / "wheels",
        "wheelfarm-bar",
        "2.0.0",
        {"wheelfarm/bar/__init__.py": init, "wheelfarm/bar/lib/libbar.so.1": bar.read_bytes()},
        requires=["wheelfarm-foo>=1.2,<1.3"],
    )
    return foo_whl, bar_whl


@pytest.fixture(scope="module")
def farm_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    tmp = tmp_path_factory.mktemp("farmwheels")
    foo, bar = _library_wheels(tmp)
    venv = make_venv(tmp / "venv", str(foo), str(bar), "nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime")
    return venv


def test_library_wheels_listed_and_intact(farm_venv: Venv) -> None:
    _, data = _farm("--python", str(farm_venv.python), "--no-driver")
    wheels = {w["name"]: w for w in data["wheels"]}
    foo, bar = wheels["wheelfarm-foo"], wheels["wheelfarm-bar"]
    assert (foo["kind"], foo["version"], foo["component"]) == ("wheelfarm", "1.2.3", "foo")
    assert [lib["soname"] for lib in foo["libraries"]] == ["libfoo.so.1"]
    assert [lib["needed"] for lib in bar["libraries"]][0][:1] == ["libfoo.so.1"]
    assert foo["record"]["intact"] and bar["record"]["intact"]
    assert not {"D102", "D103", "D105", "D106", "D107"} & {f["id"] for f in data["findings"]}
    picks = {row["soname"]: row for row in data["loader"]["sonames"]}
    assert picks["libfoo.so.1"]["picked"] is None  # nothing outside the wheel provides it


def test_nvidia_wheels_without_a_driver(farm_venv: Venv) -> None:
    _, data = _farm("--python", str(farm_venv.python))
    wheels = {w["name"]: w for w in data["wheels"]}
    cu12, cu13 = wheels["nvidia-cuda-runtime-cu12"], wheels["nvidia-cuda-runtime"]
    assert (cu12["kind"], cu12["cuda_major"], cu13["cuda_major"]) == ("nvidia", 12, 13)
    assert any(lib["soname"] == "libcudart.so.12" for lib in cu12["libraries"])
    assert any("/nvidia/cu13/lib/" in lib["path"] for lib in cu13["libraries"])
    if data["driver"]["present"]:
        pytest.skip("this machine has an NVIDIA driver")
    assert data["driver"]["summary"] == "no NVIDIA driver"
    assert data["cuda"]["summary"].startswith("no NVIDIA driver: CUDA wheels install and load, but find no device")
    assert data["cuda"]["variant"] is None
    assert not {"D201", "D202"} & {f["id"] for f in data["findings"]}  # no driver is not an error
    # the cu12 and cu13 runtimes are two stacks side by side, not two copies of one library
    assert "cudart" not in _by_id(data, "D101")


def test_shadowing_by_ld_library_path(farm_venv: Venv, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "libfoo.so.1").write_bytes((farm_venv.site / "wheelfarm/foo/lib/libfoo.so.1").read_bytes())
    env = {**os.environ, "LD_LIBRARY_PATH": str(elsewhere)}
    _, data = _farm("--python", str(farm_venv.python), "--no-driver", env=env)
    shadowed = _by_id(data, "D106")["libfoo.so.1"]
    assert str(elsewhere / "libfoo.so.1") in shadowed["message"]
    assert "(LD_LIBRARY_PATH)" in shadowed["message"]


def test_broken_and_mismatched_library_wheels(tmp_path: Path) -> None:
    foo, bar = _library_wheels(tmp_path, foo_version="1.3.0")
    venv = make_venv(tmp_path / "venv")
    venv.pip("--no-deps", str(foo), str(bar))
    status, data = _farm("--python", str(venv.python), "--no-driver")
    assert status == 3
    out_of_range = _by_id(data, "D103")["wheelfarm-bar"]
    assert "needs wheelfarm-foo<1.3,>=1.2, but wheelfarm-foo 1.3.0 is installed" in out_of_range["message"]

    (venv.site / "wheelfarm/foo/lib/libfoo.so.1").write_bytes(b"\x7fELF overwritten")
    subprocess.run([str(venv.python), "-m", "pip", "uninstall", "-y", "-q", "wheelfarm-foo"], check=True)
    venv.pip("--no-deps", str(bar), "--force-reinstall")
    (venv.site / "wheelfarm/bar/__init__.py").unlink()
    _, data = _farm("--python", str(venv.python), "--no-driver")
    assert (
        "wheelfarm-bar 2.0.0 needs wheelfarm-foo<1.3,>=1.2, which is not installed"
        in _by_id(data, "D102")["wheelfarm-bar"]["message"]
    )
    assert "1 missing" in _by_id(data, "D105")["wheelfarm-bar"]["message"]
    assert _by_id(data, "D107")["libfoo.so.1"]["severity"] == "error"
