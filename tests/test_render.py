from __future__ import annotations

from pathlib import Path

import pytest

from farm.locate import load_yaml
from farm.pins import Pins
from farm.platforms import Platform
from farm.recipe.render import RecipeDocument, RecipeError, render, render_all, variants

LINUX = Platform("linux", "x86_64")
MAC = Platform("macos", "aarch64")

TEXT = """\
context:
  version: "0.3.21"
  suffix: ${{ "64_" if int == 64 else "" }}
package:
  name: openblas${{ "64" if int == 64 else "" }}
  version: ${{ version }}
source:
  - url: https://example.org/OpenBLAS-${{ version }}.tar.gz
    sha256: "%s"
build:
  number: ${{ 2 if linux else 0 }}
  script: [make]
  variants:
    int: [32, 64]
  skip: ${{ win }}
requirements:
  build:
    - c-compiler
    - if: linux
      then: [make, patchelf]
      else: cmake
  host:
    - zlib >=1.2
about: {license: BSD-3-Clause, license_file: LICENSE, summary: BLAS}
test: {commands: ["true"]}
maintainers: [someone]
""" % ("a" * 64)


def doc(text: str = TEXT) -> RecipeDocument:
    return RecipeDocument(Path("/r/openblas/recipe.yaml"), load_yaml(text, Path("/r/openblas/recipe.yaml")))


def test_variants_default_first() -> None:
    assert variants(doc()) == [{"int": 32}, {"int": 64}]


def test_render_substitutes_and_keeps_types() -> None:
    r32, r64 = render_all(doc(), Pins(), LINUX)
    assert (r32.name, r64.name) == ("openblas", "openblas64")
    assert r32.build_number == 2 and r32.wheel_version == "0.3.21.post2"
    assert r32.sources[0].origins[0].url == "https://example.org/OpenBLAS-0.3.21.tar.gz"
    assert r32.build_requirements == ("c-compiler", "make", "patchelf")
    assert [str(h) for h in r32.host] == ["zlib >=1.2"]


def test_conditions_follow_the_platform() -> None:
    r = render(doc(), Pins(), MAC)
    assert r.build_requirements == ("c-compiler", "cmake") and r.build_number == 0 and not r.skip
    assert render(doc(), Pins(), Platform("windows", "x86_64")).skip


def test_errors_name_file_line_and_column() -> None:
    with pytest.raises(RecipeError, match=r"recipe.yaml:6:12: .*'nope' is undefined"):
        render(doc(TEXT.replace("version: ${{ version }}", "version: ${{ nope }}")), Pins(), LINUX)


def test_build_options_default_and_local_label() -> None:
    text = TEXT.replace("  variants:\n    int: [32, 64]\n", "  variants:\n    int: [32, 64]\n  options:\n    kernels: [dynamic, haswell]\n")
    release = render(doc(text), Pins(), LINUX)
    assert release.options == {"kernels": "dynamic"} and release.wheel_version == "0.3.21.post2"
    dev = render(doc(text), Pins(), LINUX, chosen={"kernels": "haswell"})
    assert dev.wheel_version == "0.3.21.post2+kernelshaswell"
    with pytest.raises(RecipeError, match="option kernels=zen is not one of dynamic, haswell"):
        render(doc(text), Pins(), LINUX, chosen={"kernels": "zen"})
