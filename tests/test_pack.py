from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from types import MappingProxyType

import pytest

from farm.buildenv import BuildTree, tree_flags
from farm.pack import pack
from farm.platforms import Platform
from farm.recipe.model import About, Recipe


def recipe(folder: Path) -> Recipe:
    return Recipe(name="demo", version="1.0", build_number=0, folder=folder, platform=Platform("linux", "x86_64"),
                  variant=MappingProxyType({}), options=MappingProxyType({}), sources=(), script=("make",),
                  about=About("MIT", ("LICENSE",), "demo"), maintainers=("x",))


def test_text_files_are_relocated_and_lose_the_flags_naming_the_build_tree(tmp_path: Path) -> None:
    tree = BuildTree(tmp_path / "build").fresh()
    (tree.src / "LICENSE").write_text("MIT\n")
    prefix = tree.prefix
    flags = " ".join(["-O2", *tree_flags(tree.root)])
    (prefix / "bin").mkdir()
    # what autoconf's precious variables leave in a -config script (curl-config --configure)
    (prefix / "bin" / "demo-config").write_text(
        f"#!/bin/sh\nprefix={prefix}\nlibdir='{prefix}/lib'\necho \"'--prefix={prefix}' 'CFLAGS={flags}'\"\n")
    (prefix / "bin" / "demo-config").chmod(0o755)
    (prefix / "lib" / "pkgconfig").mkdir(parents=True)
    (prefix / "lib" / "pkgconfig" / "demo.pc").write_text(
        f"prefix={prefix}\nName: demo\nVersion: 1.0\nDescription: d\nCflags: -I${{prefix}}/include {flags}\n")
    packed = pack(recipe(tmp_path / "recipe"), namespace="wheelfarm", prefix=prefix, src_dir=tree.src, deps=[],
                  provenance={}, work=tmp_path / "work", out_dir=tmp_path / "out", platform_tag="linux_x86_64")
    with zipfile.ZipFile(packed.wheel) as zf:
        texts = {n: zf.read(n).decode() for n in zf.namelist()}
    assert not [n for n, t in texts.items() if str(tree.root) in t]
    script = texts["wheelfarm/demo/bin/demo-config"]
    assert "'CFLAGS=-O2'" in script and '__farm_prefix="$(cd "$(dirname "$0")/.." && pwd)"' in script
    # a single-quoted assignment (curl 8's curl-config) gets double quotes, so the prefix expands
    assert 'libdir="${__farm_prefix}/lib"' in script and "'--prefix=${__farm_prefix}'" in script
    pc = texts["wheelfarm/demo/lib/pkgconfig/demo.pc"]
    assert "prefix=${pcfiledir}/../.." in pc and pc.rstrip().endswith("Cflags: -I${prefix}/include -O2")


def test_the_wheel_carries_a_valid_sbom_listed_in_record(tmp_path: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from farm.fetch import sha256_file
    from farm.recipe.model import Artifact, Origin

    folder = tmp_path / "recipe"
    (folder / "patches").mkdir(parents=True)
    (folder / "patches" / "fix.patch").write_text("--- a/x\n+++ b/x\n")
    source = Artifact(origins=(Origin(sha256="63" * 32, url="https://example.org/demo-1.0.tar.gz"),),
                      patches=("patches/fix.patch",))
    r = dataclasses.replace(recipe(folder), sources=(source,))
    tree = BuildTree(tmp_path / "build").fresh()
    (tree.src / "LICENSE").write_text("MIT\n")
    (tree.prefix / "include").mkdir()
    (tree.prefix / "include" / "demo.h").write_text("int demo(void);\n")
    provenance = {"version": "1.0", "builder": "farm 0.1.0", "source_date_epoch": 1795531354,
                  "sources": [{"file": "demo-1.0.tar.gz", "sha256": "63" * 32, "origin": "url",
                               "from": "https://example.org/demo-1.0.tar.gz"}]}
    packed = pack(r, namespace="wheelfarm", prefix=tree.prefix, src_dir=tree.src, deps=[], provenance=provenance,
                  work=tmp_path / "work", out_dir=tmp_path / "out", platform_tag="linux_x86_64")
    member = "wheelfarm_demo-1.0.dist-info/sboms/wheelfarm-demo.cdx.json"
    with zipfile.ZipFile(packed.wheel) as zf:
        text = zf.read(member).decode()
        record = zf.read("wheelfarm_demo-1.0.dist-info/RECORD").decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert any(line.startswith(member + ",sha256=") for line in record.splitlines())
    doc = json.loads(text)
    patch = next(c for c in doc["components"] if c["bom-ref"] == "patch:patches/fix.patch")
    assert patch["hashes"][0]["content"] == sha256_file(folder / "patches" / "fix.patch")
    assert doc["metadata"]["timestamp"] == "2026-11-24T14:42:34+00:00"


def test_a_missing_patch_stops_packing_and_names_the_recipe(tmp_path: Path) -> None:
    from farm.pack import PackError
    from farm.recipe.model import Artifact, Origin

    source = Artifact(origins=(Origin(sha256="63" * 32, url="https://example.org/demo-1.0.tar.gz"),),
                      patches=("patches/gone.patch",))
    r = dataclasses.replace(recipe(tmp_path / "recipe"), sources=(source,))
    tree = BuildTree(tmp_path / "build").fresh()
    (tree.src / "LICENSE").write_text("MIT\n")
    (tree.prefix / "include").mkdir()
    (tree.prefix / "include" / "demo.h").write_text("int demo(void);\n")
    provenance = {"sources": [{"file": "demo-1.0.tar.gz", "sha256": "63" * 32, "origin": "url", "from": "x"}]}
    with pytest.raises(PackError, match=r"patch patches/gone.patch not found .*recipe.yaml"):
        pack(r, namespace="wheelfarm", prefix=tree.prefix, src_dir=tree.src, deps=[], provenance=provenance,
             work=tmp_path / "work", out_dir=tmp_path / "out", platform_tag="linux_x86_64")
    assert not (tmp_path / "out").exists()
