from __future__ import annotations

import zipfile
from pathlib import Path
from types import MappingProxyType

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
        f"#!/bin/sh\nprefix={prefix}\necho \"'--prefix={prefix}' 'CFLAGS={flags}'\"\n")
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
    pc = texts["wheelfarm/demo/lib/pkgconfig/demo.pc"]
    assert "prefix=${pcfiledir}/../.." in pc and pc.rstrip().endswith("Cflags: -I${prefix}/include -O2")
