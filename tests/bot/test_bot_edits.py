from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from farm.bot.edits import (
    EditError,
    add_variant_value,
    bump_build_number,
    drop_build_history,
    migration_edit,
    set_build_number,
    set_host_bound,
    set_in_mapping,
    set_source_sha256,
    set_version,
)

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "tests" / "data" / "bot-farm"  # zlib 1.2.13's recipe, fixed for the tests

PINS = """# Global pins: what every recipe builds against. Migrations change these.
schema_version: 1
toolchain:
  c_compiler: gcc
  c_compiler_version: "12"
platforms:
  linux-x86_64:
    # the oldest policy auditwheel must prove for every wheel built on this platform
    policy: manylinux_2_17
  macos-aarch64:
    policy: macosx_11_0
pins:
  zlib: "1.2.13"
  sqlite: "3.40.1"
external:
  nvidia-cuda-runtime-cu12:
    lib_dir: nvidia/cuda_runtime/lib
    version: "12.9.79"
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_bump_changes_one_line_and_keeps_every_comment() -> None:
    text = (RECIPES / "zlib" / "recipe.yaml").read_text()
    n = yaml.safe_load(text)["build"]["number"]
    out = bump_build_number(text, 1).text
    assert changed_lines(text, out) == [f"-  number: {n}", f"+  number: {n + 1}"]
    assert yaml.safe_load(out)["build"]["number"] == n + 1


def test_bump_keeps_a_trailing_comment_and_quoting() -> None:
    text = "build:\n  number: 4  # machine-managed\n  script: build.sh\n"
    assert bump_build_number(text, 2).text == "build:\n  number: 6  # machine-managed\n  script: build.sh\n"
    quoted = "build:\n  number: '4'\n"
    with pytest.raises(EditError, match="not a literal whole number"):
        bump_build_number("build:\n  number: ${{ n }}\n")
    assert set_build_number(text, 0).text.startswith("build:\n  number: 0  #")
    assert "number" in quoted


def test_a_new_version_drops_the_build_numbers_history_and_keeps_other_comments() -> None:
    text = ("build:\n  # GDAL's own CMake, every driver with a farm library\n"
            "  # 1: every driver the registry's GDALs have (where this\n  # release has it)\n"
            "  # 2: rebuilt against libtiff 4.5.0.post3\n  number: 2\n  script: build.sh\n")
    out = drop_build_history(set_build_number(text, 0).text).text
    assert out == "build:\n  # GDAL's own CMake, every driver with a farm library\n  number: 0\n  script: build.sh\n"
    plain = "build:\n  # the script keeps the data folder\n  number: 3\n"
    assert drop_build_history(plain).text == plain
    assert drop_build_history("package: {name: x, version: '1'}\n").text == "package: {name: x, version: '1'}\n"


def test_version_is_set_where_it_is_written() -> None:
    text = (REPO / "recipes" / "libtiff" / "recipe.yaml").read_text()
    old = yaml.safe_load(text)["context"]["version"]
    out = set_version(text, "9.9.9").text
    assert changed_lines(text, out) == [f'-  version: "{old}"', '+  version: "9.9.9"']  # context.version, quotes kept
    plain = "package:\n  name: x\n  version: 1.2.3 # upstream\n"
    assert set_version(plain, "1.10").text == 'package:\n  name: x\n  version: "1.10" # upstream\n'
    assert set_version(plain, "1.2.4").text == "package:\n  name: x\n  version: 1.2.4 # upstream\n"
    with pytest.raises(EditError, match="expression"):
        set_version("package:\n  version: ${{ a ~ b }}\n", "2")


def test_sha256_of_a_source() -> None:
    text = (RECIPES / "zlib" / "recipe.yaml").read_text()
    old = yaml.safe_load(text)["source"][0]["sha256"]
    out = set_source_sha256(text, 0, "a" * 64).text
    assert changed_lines(text, out) == [f"-    sha256: {old}", f"+    sha256: {'a' * 64}"]


def test_pins_yaml_value_replaced_and_new_key_added_in_place() -> None:
    text = PINS
    out = set_in_mapping(text, ("pins",), "zlib", "1.3.1").text
    assert changed_lines(text, out) == ['-  zlib: "1.2.13"', '+  zlib: "1.3.1"']
    added = set_in_mapping(text, ("pins",), "libpng", "1.6.43").text
    assert changed_lines(text, added) == ['+  libpng: "1.6.43"']
    assert yaml.safe_load(added)["pins"]["libpng"] == "1.6.43"
    assert added.index("libpng") < added.index("external:") and added.index("sqlite") < added.index("libpng")
    policy = set_in_mapping(text, ("platforms", "linux-x86_64"), "policy", "manylinux_2_28").text
    assert changed_lines(text, policy) == ["-    policy: manylinux_2_17", "+    policy: manylinux_2_28"]
    assert "# the oldest policy auditwheel must prove" in policy
    new_platform = set_in_mapping(text, ("platforms", "linux-riscv64"), "policy", "manylinux_2_39").text
    assert yaml.safe_load(new_platform)["platforms"]["linux-riscv64"] == {"policy": "manylinux_2_39"}
    tool = set_in_mapping(text, ("toolchain",), "c_compiler_version", "13").text
    assert changed_lines(text, tool) == ['-  c_compiler_version: "12"', '+  c_compiler_version: "13"']


def test_a_plain_value_that_would_change_type_is_quoted() -> None:
    assert set_in_mapping("pins:\n  a: x\n", ("pins",), "b", "13").text == 'pins:\n  a: x\n  b: "13"\n'
    assert set_in_mapping("pins:\n  a: x\n", ("pins",), "a", "true").text == 'pins:\n  a: "true"\n'


def test_inline_mappings_are_refused_with_advice() -> None:
    with pytest.raises(EditError, match="block mapping"):
        set_in_mapping("pins: {a: '1'}\n", ("pins",), "b", "2")


def test_host_bound_moves_only_explicit_bounds() -> None:
    text = "requirements:\n  host:\n    - zlib >=1.2.13  # ABI\n    - libpng\n    - sqlite ==3.40.*\n"
    assert set_host_bound(text, "libpng", "1.6") is None
    out = set_host_bound(text, "zlib", "1.3.1")
    assert out is not None and out.text.splitlines()[2] == "    - zlib >=1.3.1  # ABI"
    star = set_host_bound(text, "sqlite", "3.45")
    assert star is not None and "    - sqlite ==3.45.*" in star.text


def test_variant_values_are_appended_in_both_styles() -> None:
    flow = "build:\n  variants:\n    cuda: ['12']\n  number: 0\n"
    out = add_variant_value(flow, "cuda", "13")
    assert out is not None and out.text == "build:\n  variants:\n    cuda: ['12', '13']\n  number: 0\n"
    assert add_variant_value(out.text, "cuda", "13") is None
    block = "build:\n  variants:\n    cuda:\n      - \"12\"  # first\n  number: 0\n"
    out = add_variant_value(block, "cuda", "13")
    assert out is not None and out.text == 'build:\n  variants:\n    cuda:\n      - "12"  # first\n      - "13"\n  number: 0\n'


def test_migration_edit_combines_the_changes() -> None:
    text = ("build:\n  number: 1\n  variants:\n    cuda: [12]\nrequirements:\n  host:\n    - zlib >=1.2\n")
    out = migration_edit(text, bump=1, pins={"zlib": "1.3.1"}, variants={"cuda": ("13",)})
    assert yaml.safe_load(out) == {"build": {"number": 2, "variants": {"cuda": [12, 13]}},
                                   "requirements": {"host": ["zlib >=1.3.1"]}}


def test_replace_item_rewrites_one_list_item_and_keeps_the_rest() -> None:
    from farm.bot.edits import replace_item

    text = ("source:\n  # the release\n  - url: https://example.test/a.tar.gz  # upstream\n    sha256: aa\n"
            "    patches:\n      - fix.patch\n  - url: https://example.test/b.tar.gz\n    sha256: bb\nbuild:\n  number: 1\n")
    out = replace_item(text, ("source", 0), {"debian": {"package": "a", "file": "a_1.orig.tar.gz"}, "sha256": "cc",
                                             "patches": ["fix.patch"]}, ("url: https://example.test/a.tar.gz",)).text
    assert out == ("source:\n  # the release\n  - debian:\n      package: a\n      file: a_1.orig.tar.gz\n    sha256: cc\n"
                   "    patches:\n      - fix.patch\n    # url: https://example.test/a.tar.gz\n"
                   "  - url: https://example.test/b.tar.gz\n    sha256: bb\nbuild:\n  number: 1\n")
    with pytest.raises(EditError, match="source.0 is not an item of a block list"):
        replace_item("source: [{url: x, sha256: a}]\n", ("source", 0), {"sha256": "b"})
