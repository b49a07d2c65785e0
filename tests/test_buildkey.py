from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

import farm.buildkey
from farm.buildkey import build_key
from farm.platforms import Platform
from farm.recipe.model import About, Recipe


def recipe(folder: Path) -> Recipe:
    return Recipe(name="demo", version="1.0", build_number=0, folder=folder, platform=Platform("linux", "x86_64"),
                  variant=MappingProxyType({}), options=MappingProxyType({}), sources=(), script=("make",),
                  about=About("MIT", ("LICENSE",), "demo"), maintainers=("x",))


def key(folder: Path, deps: dict[str, str] | None = None) -> str:
    return build_key(recipe(folder), namespace="wheelfarm", dependency_wheels=deps or {}, toolchain={},
                     tools={"c-compiler": "cc"})[0]


def test_key_is_stable_and_follows_every_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "build.sh").write_text("make\n")
    first = key(tmp_path)
    assert key(tmp_path) == first
    assert key(tmp_path, {"zlib": "wheelfarm_zlib-1.2.13-py3-none-any.whl"}) != first
    (tmp_path / "build.sh").write_text("make -j2\n")
    edited = key(tmp_path)
    assert edited != first
    # the compile flags every build gets are an input too: changing them rebuilds everything
    monkeypatch.setattr(farm.buildkey, "COMPILE_FLAGS", "-O3 -fPIC")
    assert key(tmp_path) != edited


def test_the_compiler_is_asked_once_per_process(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    cc = tmp_path / "fake-cc"
    cc.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'fake cc 1.0'\n")
    cc.chmod(0o755)
    assert farm.buildkey.compiler_identity(str(cc)) == "fake cc 1.0"
    assert farm.buildkey.compiler_identity(str(cc)) == "fake cc 1.0"
    assert calls.read_text().count("x") == 1
