"""The geo stack's recipes, checked without building anything (fast, CI-safe).

The builds themselves run in ci/geo-stack.sh, with the consumers in tests/geo/consumers.sh.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.version import Version

from farm.abi import pin_range
from farm.catalog import Catalog
from farm.lint.run import lint_paths
from farm.pins import load_pins
from farm.platforms import Platform

ROOT = Path(__file__).resolve().parents[2]
STACK = ["libjpeg-turbo", "libpng", "openssl", "expat", "curl", "proj", "geos", "gdal"]
#: what each recipe links directly (its requirements.host), from the libraries' own build systems
EDGES = {
    "libpng": {"zlib"},
    "curl": {"openssl", "zlib"},
    "libtiff": {"zlib", "libjpeg-turbo", "libdeflate", "zstd", "xz", "libwebp", "lerc"},
    "proj": {"sqlite", "libtiff", "curl"},
    "gdal": {"proj", "geos", "sqlite", "libtiff", "curl", "expat", "libpng", "libjpeg-turbo", "zlib", "libdeflate",
             "zstd", "xz", "lz4", "c-blosc", "lerc", "libgeotiff", "giflib", "libwebp", "openjpeg", "hdf5", "netcdf",
             "spatialite", "pcre2", "freexl", "qhull", "json-c", "openssl", "libxml2"},
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(ROOT / "recipes", load_pins(ROOT / "recipes" / "pins.yaml"), Platform("linux", "x86_64"))


def test_stack_recipes_lint_clean(catalog: Catalog) -> None:
    # the whole farm is linted (host dependencies are checked against every recipe)
    diagnostics = lint_paths(sorted((ROOT / "recipes").glob("*/recipe.yaml")), catalog.pins, catalog.platform)
    ours = [d for d in diagnostics if d.file.parent.name in {*STACK, "libtiff"}]
    assert ours == []


@pytest.mark.parametrize("name", STACK)
def test_renders_with_a_source_pinned_by_sha256_and_a_debian_alternative(catalog: Catalog, name: str) -> None:
    (recipe,) = catalog.variants_of(name)
    assert recipe.name == name
    # a pin moves only through a migration (a bump inside the ABI range leaves it), so the
    # recipe is at the pinned release or past it
    assert Version(catalog.pins.pins[name]) <= Version(recipe.version), "recipes/pins.yaml pins a release the recipe has"
    origins = [o for artifact in recipe.sources for o in artifact.origins]
    assert any(o.kind == "debian" for o in origins), "our machines reach Debian's archive, not upstream hosts"
    assert all(len(o.sha256) == 64 for o in origins)
    assert recipe.provides.sonames and recipe.test.commands


def test_dependency_graph(catalog: Catalog) -> None:
    graph = catalog.graph()
    for name, deps in EDGES.items():
        assert set(graph.dependencies(name)) == deps, name
    assert set(graph.dependencies("gdal", transitive=True)) >= {"openssl", "zlib", "sqlite"}
    waves = graph.waves(only=[*STACK, "zlib", "sqlite", "libtiff", *(d for deps in EDGES.values() for d in deps)])
    position = {n: i for i, wave in enumerate(waves) for n in wave}
    for name, deps in EDGES.items():
        assert all(position[d] < position[name] for d in deps), name
    assert waves[-1] == ["gdal"]


def test_dot_draws_every_edge(catalog: Catalog) -> None:
    dot = catalog.graph().to_dot(only=[*STACK, "zlib", "sqlite", "libtiff", *(d for deps in EDGES.values() for d in deps)])
    assert dot.lstrip().startswith("digraph")
    for name, deps in EDGES.items():
        for dep in deps:
            assert f'"{name}"' in dot and f'"{dep}"' in dot


@pytest.mark.parametrize(("name", "bound"), [
    ("gdal", "minor"),      # the soname changes with every minor release (libgdal.so.32 is 3.6 only)
    ("proj", "major"),      # libproj.so.25 across 9.x
    ("geos", "major"),      # the C API, libgeos_c.so.1
    ("curl", "major"),
    ("openssl", "major"),
    ("libpng", "minor"),
    ("libjpeg-turbo", "major"),
    ("expat", "major"),
])
def test_abi_policies_give_dependents_these_ranges(catalog: Catalog, name: str, bound: str) -> None:
    (recipe,) = catalog.variants_of(name)
    release = Version(recipe.version).release
    upper = f"{release[0]}.{release[1] + 1}" if bound == "minor" else f"{release[0] + 1}"
    assert pin_range(recipe.version, recipe.max_pin, recipe.min_pin) == f">={recipe.version},<{upper}"


def test_geos_offers_only_its_stable_c_api(catalog: Catalog) -> None:
    (geos,) = catalog.variants_of("geos")
    assert geos.provides.sonames == ("libgeos_c.so.1",)


def test_data_paths_for_run_time(catalog: Catalog) -> None:
    (gdal,) = catalog.variants_of("gdal")
    (proj,) = catalog.variants_of("proj")
    assert dict(gdal.provides.env) == {"GDAL_DATA": "share/gdal"}
    assert dict(proj.provides.env) == {"PROJ_DATA": "share/proj"}
    assert "gdal-config" in gdal.provides.executables and "projinfo" in proj.provides.executables


def test_gdal_patch_and_test_files_exist(catalog: Catalog) -> None:
    (gdal,) = catalog.variants_of("gdal")
    for artifact in gdal.sources:
        for patch in artifact.patches:
            assert (gdal.folder / patch).is_file()
    for name in gdal.test.files:
        assert (gdal.folder / name).is_file()


#: the Python packages built against the stack, and what they link
CONSUMERS = {"shapely": {"geos"}, "pyproj": {"proj"}, "gdal-python": {"gdal"}, "pyogrio": {"gdal"},
             "fiona": {"gdal"}, "rasterio": {"gdal"}}


def test_consumers_are_dependents_built_last(catalog: Catalog) -> None:
    graph = catalog.graph()
    for name, deps in CONSUMERS.items():
        assert set(graph.dependencies(name)) == deps, name
        assert catalog.variants_of(name)[0].python is not None
    waves = graph.waves(only=[*STACK, "zlib", "sqlite", "libtiff", *CONSUMERS])
    assert set(waves[-1]) == {"gdal-python", "pyogrio", "fiona", "rasterio"}


def _migrate(tmp_path: Path, pin: str) -> list[str]:
    import subprocess
    import sys

    shutil.copytree(ROOT / "recipes", tmp_path / "recipes", ignore=shutil.ignore_patterns("migrations"))
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    farm = [sys.executable, "-m", "farm"]
    subprocess.run([*farm, "migrate", "new", "--pin", pin, "--root", str(tmp_path)], check=True, capture_output=True)
    subprocess.run([*farm, "migrate", "status", "--root", str(tmp_path)], check=True, capture_output=True)
    page = (tmp_path / ".farm" / "status" / "status.md").read_text()
    return [line.split(" | ")[1] for line in page.splitlines() if line.startswith("| 1 |")]


def test_a_gdal_migration_rebuilds_the_python_packages_on_it(tmp_path: Path) -> None:
    assert sorted(_migrate(tmp_path, "gdal=3.6.3")) == ["fiona", "gdal-python", "pyogrio", "rasterio"]
    # shapely links only GEOS's C API: a GEOS migration rebuilds it in the first wave, beside librttopo
    # (GDAL waits for SpatiaLite, which waits for librttopo), never fiona and the rest
    assert sorted(_migrate(tmp_path / "geos", "geos=3.11.2")) == ["librttopo", "shapely"]
