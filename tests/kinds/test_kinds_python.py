"""The Python-package kind's decisions, without building anything."""

from __future__ import annotations

import shutil
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from farm.bot.planner import bumped
from farm.catalog import Catalog
from farm.installer import choose as choose_installer
from farm.kinds import kind_of
from farm.kinds.library import LibraryKind
from farm.kinds.python import PythonPackageKind, interpreter
from farm.lint.run import lint_paths
from farm.pins import load_pins
from farm.platforms import Platform

ROOT = Path(__file__).resolve().parents[2]

RECIPE = """\
package: {{name: demo, version: "1.2.0"}}
source:
  - pypi: {{name: demo, file: demo-1.2.0.tar.gz}}
    sha256: "{sha}"
build: {{number: {number}}}
python: {python}
requirements: {{host: [zlib]}}
about: {{license: MIT, license_file: LICENSE, summary: A Python package, homepage: https://example.org}}
test: {{python: ["import demo"]}}
maintainers: [wheelfarm/core]
"""


def _farm(tmp_path: Path, *, python: str = "{requires: '>=3.11', module: demo}", number: int = 0,
          pythons: str = '["3.10", "3.11", "3.12"]') -> Catalog:
    recipes = tmp_path / "recipes"
    (recipes / "demo").mkdir(parents=True)
    (recipes / "demo" / "recipe.yaml").write_text(RECIPE.format(sha="a" * 64, number=number, python=python))
    shutil.copytree(ROOT / "recipes" / "zlib", recipes / "zlib")
    pins = (ROOT / "recipes" / "pins.yaml").read_text()
    pins = "\n".join(line for line in pins.splitlines() if not line.startswith("python:"))
    (recipes / "pins.yaml").write_text(pins + f"\npython: {pythons}\n")
    return Catalog(recipes, load_pins(recipes / "pins.yaml"), Platform("linux", "x86_64"))


def test_one_variant_per_cpython_in_range(tmp_path: Path) -> None:
    variants = _farm(tmp_path).variants_of("demo")
    assert [v.variant["python"] for v in variants] == ["3.11", "3.12"]
    assert all(v.python is not None and v.python.module == "demo" for v in variants)


def test_abi3_builds_once_with_the_oldest(tmp_path: Path) -> None:
    variants = _farm(tmp_path, python="{requires: '>=3.10', module: demo, abi3: true}").variants_of("demo")
    assert [v.variant["python"] for v in variants] == ["3.10"]


def test_the_kind_is_chosen_by_the_python_section(tmp_path: Path) -> None:
    catalog = _farm(tmp_path)
    assert isinstance(kind_of(catalog.variants_of("demo")[0]), PythonPackageKind)
    assert isinstance(kind_of(catalog.variants_of("zlib")[0]), LibraryKind)


def test_name_and_version_keep_upstreams_with_the_farms_label(tmp_path: Path) -> None:
    recipe = _farm(tmp_path).variants_of("demo")[0]
    kind = kind_of(recipe)
    assert kind.dist_name(recipe, "wheelfarm") == "demo"
    assert kind.wheel_version(recipe, "wheelfarm") == "1.2.0+wheelfarm"
    rebuilt = _farm(tmp_path / "again", number=2).variants_of("demo")[0]
    assert kind.wheel_version(rebuilt, "acme") == "1.2.0+acme.2"
    # installers prefer it over the registry's 1.2.0, and a pin on the public version still matches it
    assert Version("1.2.0+wheelfarm") > Version("1.2.0")
    assert Version("1.2.0+wheelfarm.2") > Version("1.2.0+wheelfarm.1") > Version("1.2.0+wheelfarm")
    from packaging.specifiers import SpecifierSet
    assert SpecifierSet("==1.2.0").contains("1.2.0+wheelfarm.2")


def test_a_migration_bumps_the_label_not_the_public_version() -> None:
    assert bumped(Version("1.2.0+wheelfarm"), 1) == Version("1.2.0+wheelfarm.1")
    assert bumped(Version("1.2.0+wheelfarm.1"), 1) == Version("1.2.0+wheelfarm.2")
    assert bumped(Version("4.5.0"), 1) == Version("4.5.0.post1")


def test_it_is_a_dependent_in_the_graph(tmp_path: Path) -> None:
    catalog = _farm(tmp_path)
    assert catalog.graph().dependencies("demo") == ["zlib"]
    assert "demo" in catalog.graph().dependents("zlib")


def test_metadata_gains_the_label_and_the_generated_requirements(tmp_path: Path) -> None:
    meta = tmp_path / "METADATA"
    meta.write_text("Metadata-Version: 2.4\nName: demo\nVersion: 1.2.0\nRequires-Dist: numpy>=1.26\n\nThe README.\n")
    PythonPackageKind._rewrite_metadata(meta, "1.2.0+wheelfarm", ["wheelfarm-zlib>=1.2.13,<2"])
    assert meta.read_text() == ("Metadata-Version: 2.4\nName: demo\nVersion: 1.2.0+wheelfarm\n"
                                "Requires-Dist: numpy>=1.26\nRequires-Dist: wheelfarm-zlib>=1.2.13,<2\n\nThe README.\n")


def test_a_missing_interpreter_is_a_skip_with_its_reason(tmp_path: Path) -> None:
    recipe = _farm(tmp_path, pythons='["3.99"]').variants_of("demo")[0]
    assert recipe.variant["python"] == "3.99"
    assert kind_of(recipe).unavailable(recipe) == "python3.99 is not installed on this machine"
    empty = _farm(tmp_path / "none", pythons='["3.10"]').variants_of("demo")[0]
    assert "python" not in empty.variant
    assert "python list" in (kind_of(empty).unavailable(empty) or "")
    assert interpreter("3.99") is None
    here = subprocess.run(["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert interpreter(here) is not None


@pytest.mark.parametrize(("python", "code"), [
    ("{requires: '>=4.0', module: demo}", "F025"),
    ("{requires: 'three', module: demo}", "F025"),
    ("{module: demo}", "F003"),
])
def test_lint(tmp_path: Path, python: str, code: str) -> None:
    catalog = _farm(tmp_path, python=python)
    found = lint_paths([catalog.document("demo").file], catalog.pins, catalog.platform)
    assert code in {d.code for d in found}, found
    assert "H104" not in {d.code for d in found}  # a Python package provides no sonames


def test_a_library_recipe_without_a_script_is_an_error(tmp_path: Path) -> None:
    catalog = _farm(tmp_path)
    text = (ROOT / "recipes" / "zlib" / "recipe.yaml").read_text()
    (tmp_path / "recipes" / "zlib" / "recipe.yaml").write_text(text.replace("  script: build.sh\n", ""))
    found = lint_paths([tmp_path / "recipes" / "zlib" / "recipe.yaml"], catalog.pins, catalog.platform)
    assert "F024" in {d.code for d in found}


def _unnaming_job(tmp_path: Path) -> tuple[Any, Any, Path]:
    """A Python-package job of the demo recipe, its build tree, and an unpacked wheel folder."""
    from farm.buildenv import BuildTree
    from farm.kinds import Job

    recipe = _farm(tmp_path / "farm").variants_of("demo")[0]
    tree = BuildTree(tmp_path / "tree")
    job = Job(recipe, "wheelfarm", tree, tmp_path, tmp_path / "log", (), (), (), {}, 1, {},
              choose_installer("auto", cache=tmp_path / "cache", environ={}))
    wheel = tmp_path / "wheel"
    (wheel / "demo").mkdir(parents=True)
    return job, tree, wheel


def test_text_files_that_recorded_the_build_tree_no_longer_name_it(tmp_path: Path) -> None:
    job, tree, wheel = _unnaming_job(tmp_path)
    config = wheel / "demo" / "__config__.py"
    config.write_text(f'"include directory": "{tree.root}/host/wheelfarm/openblas/include"\n')
    untouched = wheel / "demo" / "data.txt"
    untouched.write_text("nothing of the build here\n")
    PythonPackageKind._unname_build_tree(job, wheel)
    assert config.read_text() == '"include directory": "[build tree]/host/wheelfarm/openblas/include"\n'
    assert untouched.read_text() == "nothing of the build here\n"


def test_a_pyenv_shim_of_a_missing_version_is_not_run(tmp_path: Path) -> None:
    from farm.kinds.python import _shim_without_interpreter

    (tmp_path / "shims").mkdir()
    (tmp_path / "versions" / "3.11.7" / "bin").mkdir(parents=True)
    (tmp_path / "versions" / "3.11.7" / "bin" / "python3.11").write_text("")
    assert _shim_without_interpreter(tmp_path / "shims" / "python3.12", "3.12")
    assert not _shim_without_interpreter(tmp_path / "shims" / "python3.11", "3.11")
    assert not _shim_without_interpreter(Path("/usr/bin/python3.12"), "3.12")  # not a shim: ask it


def test_a_pyenv_shim_of_an_installed_but_unselected_version_is_not_run(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from farm.kinds.python import _shim_without_interpreter

    (tmp_path / "shims").mkdir()
    for version in ("3.11.7", "3.12.1"):
        (tmp_path / "versions" / version / "bin").mkdir(parents=True)
        (tmp_path / "versions" / version / "bin" / f"python{version[:4]}").write_text("")
    monkeypatch.delenv("PYENV_DIR", raising=False)
    monkeypatch.setenv("PYENV_VERSION", "3.11.7")
    assert _shim_without_interpreter(tmp_path / "shims" / "python3.12", "3.12")  # pyenv would refuse it
    assert not _shim_without_interpreter(tmp_path / "shims" / "python3.11", "3.11")
    monkeypatch.setenv("PYENV_VERSION", "3.11.7:3.12.1")
    assert not _shim_without_interpreter(tmp_path / "shims" / "python3.12", "3.12")
    monkeypatch.setenv("PYENV_VERSION", "system")  # the machine's own: only running it tells
    assert not _shim_without_interpreter(tmp_path / "shims" / "python3.12", "3.12")
    monkeypatch.delenv("PYENV_VERSION")
    (tmp_path / "version").write_text("3.11.7  # the global one\n")
    monkeypatch.chdir(tmp_path / "versions")
    assert _shim_without_interpreter(tmp_path / "shims" / "python3.12", "3.12")


def test_an_extension_module_keeps_its_lengths_and_names_its_source_relatively(tmp_path: Path) -> None:
    job, tree, wheel = _unnaming_job(tmp_path)
    module = wheel / "demo" / "_ext.so"
    source = f"{tree.src}/demo/_ext.pyx".encode()
    # an ELF header, then a Cython string table entry: the text and its recorded length
    body = b"\x7fELF\x02\x01\x01" + b"\0" * 57 + source + b"\0" + len(source).to_bytes(8, "little")
    module.write_bytes(body)
    PythonPackageKind._unname_build_tree(job, wheel)
    data = module.read_bytes()
    assert len(data) == len(body) and str(tree.root).encode() not in data
    text = data[64:64 + len(source)].decode()
    assert text.endswith("/demo/_ext.pyx") and set(text[:-len("/demo/_ext.pyx")]) <= {".", "/"}, text
    assert not text.startswith("/")


def test_an_interpreter_is_its_own_executable_not_the_shim_that_found_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pyenv shim runs a version only where PYENV_VERSION selects it; the build runs its tools
    with an environment of its own, so the farm keeps the interpreter the shim ran."""
    import sys

    from farm.kinds import python as kind

    version = "%d.%d" % sys.version_info[:2]
    real = subprocess.run([sys.executable, "-I", "-S", "-c", "import sys; print(sys.executable)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    shim = tmp_path / "bin" / f"python{version}"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\n[ -n "$SELECTED" ] || exit 127\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("SELECTED", "1")
    monkeypatch.setattr(kind, "_FOUND", {})
    found = interpreter(version)
    assert found == real and found != str(shim)
    monkeypatch.delenv("SELECTED")
    assert subprocess.run([found, "-c", "pass"]).returncode == 0  # without the selection, as a build runs it
