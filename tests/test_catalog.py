from __future__ import annotations

from pathlib import Path

from farm.catalog import Catalog
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_variant_packages_map_back_to_their_recipe() -> None:
    catalog = Catalog.from_settings(load_settings(ROOT))
    lp64, ilp64 = catalog.variants_of("openblas")
    assert (lp64.name, ilp64.name) == ("openblas", "openblas64")
    assert catalog.name_of(ilp64) == "openblas"
    assert ilp64.module == "openblas64" and ilp64.provides.sonames == ("libopenblas_64.so.0",)


def test_graph_of_the_real_recipes() -> None:
    graph = Catalog.from_settings(load_settings(ROOT)).graph()
    assert graph.dependencies("libtiff") == ["lerc", "libdeflate", "libjpeg-turbo", "libwebp", "xz", "zlib", "zstd"]
    assert "gdal" in graph.dependents("zlib", transitive=True)
    # the Python packages on GDAL come last, GDAL the wave before
    assert graph.waves()[-1] == ["fiona", "gdal-python", "pyogrio", "rasterio"]
    assert "gdal" in graph.waves()[-2]
