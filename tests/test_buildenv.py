from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from farm.buildenv import BuildTree, MissingTool, build_environment, check_tools
from farm.platforms import Platform
from farm.recipe.model import About, Recipe


def recipe(tools: tuple[str, ...] = ("c-compiler",)) -> Recipe:
    return Recipe(name="demo", version="1.0", build_number=0, folder=Path("/r/demo"), platform=Platform("linux", "x86_64"),
                  variant=MappingProxyType({}), options=MappingProxyType({}), sources=(), script=("make",),
                  about=About("MIT", ("LICENSE",), "demo"), maintainers=("x",), build_requirements=tools,
                  env=MappingProxyType({"EXTRA": "1"}))


def test_environment_is_scrubbed_and_points_at_host_wheels(tmp_path: Path) -> None:
    tree = BuildTree(tmp_path / "b").fresh()
    dep = tree.host / "wheelfarm" / "zlib"
    env = build_environment(recipe(), tree, namespace="wheelfarm", dep_roots=[dep], tools={"c-compiler": "/usr/bin/cc"},
                            cpu_count=2, caller_env={"GITHUB_TOKEN": "secret", "AWS_SECRET_ACCESS_KEY": "x",
                                                     "LANG": "C.UTF-8", "HOME": "/home/someone"})
    assert "GITHUB_TOKEN" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert not any("secret" in v for v in env.values())
    assert env["HOME"] == str(tree.home) and env["PREFIX"] == str(tree.prefix) and env["CPU_COUNT"] == "2"
    assert env["RECIPE_DIR"] == "/r/demo"
    assert env["PKG_CONFIG_PATH"] == str(dep / "lib" / "pkgconfig") == env["PKG_CONFIG_LIBDIR"]
    assert env["CMAKE_PREFIX_PATH"] == str(dep) and f"-I{dep / 'include'}" in env["CPPFLAGS"]
    assert f"-L{dep / 'lib'}" in env["LDFLAGS"] and env["EXTRA"] == "1"


def test_missing_system_tool_names_the_package() -> None:
    with pytest.raises(MissingTool, match="apt-get install gcc"):
        check_tools(recipe(), {"c_compiler": "no-such-cc-farm"})


def test_source_date_epoch_and_the_prefix_map_of_a_symlinked_tree(tmp_path: Path) -> None:
    from farm.buildenv import tree_flags
    from farm.reproducible import FIXED_EPOCH

    real = BuildTree(tmp_path / "real").fresh()
    (tmp_path / "link").symlink_to(real.root)
    tree = BuildTree(tmp_path / "link")
    env = build_environment(recipe(), tree, namespace="wheelfarm", dep_roots=[], tools={}, cpu_count=1,
                            caller_env={})
    assert env["SOURCE_DATE_EPOCH"] == str(FIXED_EPOCH)  # /r/demo is in no repository
    assert env["CFLAGS"].split() == ["-O2", "-fPIC", f"-ffile-prefix-map={tree.root}=.",
                                     f"-ffile-prefix-map={real.root}=."] == env["FFLAGS"].split()
    assert tree_flags(tree.root) == env["CFLAGS"].split()[2:]
    given = build_environment(recipe(), tree, namespace="wheelfarm", dep_roots=[], tools={}, cpu_count=1,
                              caller_env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert given["SOURCE_DATE_EPOCH"] == "1700000000"
    fixed = build_environment(recipe(), tree, namespace="wheelfarm", dep_roots=[], tools={}, cpu_count=1,
                              caller_env={"SOURCE_DATE_EPOCH": "1700000000"}, source_date_epoch=1600000000)
    assert fixed["SOURCE_DATE_EPOCH"] == "1600000000"


def test_a_cuda_variants_view_adds_flags_and_leads_path(tmp_path: Path) -> None:
    tree = BuildTree(tmp_path / "b").fresh()
    env = build_environment(recipe(), tree, namespace="wheelfarm", dep_roots=[], tools={}, cpu_count=1, caller_env={},
                            extra={"LDFLAGS": "-Wl,-rpath-link,/ov/lib64", "CUDA_HOME": "/ov",
                                   "FARM_CUDA_BIN": "/ov/bin"})
    assert env["LDFLAGS"].endswith(" -Wl,-rpath-link,/ov/lib64") and "-Wl,-rpath," in env["LDFLAGS"].split(" -Wl,-rpath-link")[0]
    assert env["CUDA_HOME"] == "/ov" and env["PATH"].split(":")[0] == "/ov/bin"
    # the machine's own nvcc (/usr/local/bin/nvcc here) is on no PATH entry a build sees
    assert not any((Path(p) / "nvcc").exists() for p in env["PATH"].split(":")[1:])
