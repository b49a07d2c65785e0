"""PEP 725: DepURLs, [external] tables, their mapping to recipes, and the published mapping file."""

from __future__ import annotations

import functools
import io
import json
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from farm.buildenv import BuildFailed, BuildTree
from farm.catalog import Catalog
from farm.cli import main
from farm.installer import choose as choose_installer
from farm.kinds import Job
from farm.kinds.python import PythonPackageKind
from farm.pep725 import (
    MAPPING_SCHEMA,
    Pep725Error,
    Provider,
    host_problem,
    mapping_document,
    missing_host,
    parse_depurl,
    providers,
    read_external,
    read_pyproject,
    resolve,
)
from farm.pins import load_pins
from farm.platforms import Platform
from farm.recipe.render import RecipeError
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
LINUX = Platform("linux", "x86_64")
PYTHON = "%d.%d" % sys.version_info[:2]

LIBRARY = """\
package: {{name: {name}, version: "{version}"}}
source:
  - url: https://example.org/{name}-{version}.tar.gz
    sha256: "{sha}"
build: {{number: 0, script: ["true"]}}
requirements: {{host: {host}}}
{provides}
about: {{license: MIT, license_file: LICENSE, summary: The {name} library, homepage: https://example.org}}
test: {{commands: ["true"]}}
maintainers: [wheelfarm/core]
"""

PACKAGE = """\
package: {{name: demo, version: "1.0.0"}}
source:
  - pypi: {{name: demo, file: demo-1.0.0.tar.gz}}
    sha256: "{sha}"
build: {{number: 0}}
python: {{requires: ">=3.8", module: demo}}
requirements:
  build: [c-compiler]
  host: {host}
about: {{license: MIT, license_file: LICENSE, summary: A Python package, homepage: https://example.org}}
test: {{python: ["import demo"]}}
maintainers: [wheelfarm/core]
"""

EXTERNAL = """\
[build-system]
requires = ["setuptools"]

[external]
build-requires = ["dep:virtual/compiler/c", "dep:generic/pkg-config"]
host-requires = [
  "dep:generic/gdal@>=3.6",
  "dep:virtual/interface/blas",
  "dep:generic/libxcb; platform_system == 'Windows'",
]
dependencies = ["dep:generic/git"]

[external.optional-host-requires]
fast = ["dep:generic/proj@>=99"]

[external.dependency-groups]
dev = ["dep:generic/valgrind"]
"""


def _farm(tmp_path: Path, host: str = "[gdal]") -> Catalog:
    recipes = tmp_path / "recipes"
    libraries = {
        "gdal": ("3.13.3", "[]", ""),
        "proj": ("9.9.0", "[]", ""),
        "refblas": ("3.12.1", "[]", "provides: {depurls: [dep:generic/lapack, dep:virtual/interface/blas]}"),
        "fastblas": ("0.3.34", "[]", "provides:\n  depurls:\n    - dep:generic/fastblas\n"
                                     "    - dep:virtual/interface/blas"),
    }
    for name, (version, deps, provides) in libraries.items():
        (recipes / name).mkdir(parents=True)
        (recipes / name / "recipe.yaml").write_text(
            LIBRARY.format(name=name, version=version, host=deps, provides=provides, sha="a" * 64))
    (recipes / "demo").mkdir()
    (recipes / "demo" / "recipe.yaml").write_text(PACKAGE.format(host=host, sha="b" * 64))
    pins = (ROOT / "recipes" / "pins.yaml").read_text()
    pins = "\n".join(line for line in pins.splitlines() if not line.startswith("python:"))
    (recipes / "pins.yaml").write_text(pins + f'\npython: ["{PYTHON}"]\n')
    return Catalog(recipes, load_pins(recipes / "pins.yaml"), LINUX)


# -- DepURLs ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "key", "version"), [
    ("dep:generic/gdal", "dep:generic/gdal", None),
    ("dep:generic/gdal@>=3.6,<4", "dep:generic/gdal", ">=3.6,<4"),
    ("dep:generic/gdal@%3E%3D3.6", "dep:generic/gdal", ">=3.6"),
    ("dep:virtual/interface/lapack@>=3.7.1", "dep:virtual/interface/lapack", ">=3.7.1"),
    ("dep:pypi/numpy@2.0", "dep:pypi/numpy", "2.0"),
    ("dep:golang/github.com/junegunn/fzf", "dep:golang/github.com/junegunn/fzf", None),
    ("dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake",
     "dep:generic/cmake?repository_url=https://gitlab.kitware.com/cmake/cmake", None),
    # PURL's own normalisation: GitHub names are case-insensitive
    ("dep:github/OpenMathLib/OpenBLAS", "dep:github/openmathlib/openblas", None),
])
def test_depurls_parse(text: str, key: str, version: str | None) -> None:
    url = parse_depurl(text)
    assert (url.key, url.version) == (key, version)
    assert parse_depurl(str(url)) == url


def test_depurl_versions_are_ranges_or_literals() -> None:
    ranged = parse_depurl("dep:generic/gdal@>=3.6,<3.14")
    assert ranged.allows("3.13.3") and not ranged.allows("3.14.0") and not ranged.allows("3.5.9")
    literal = parse_depurl("dep:pypi/numpy@2.0")
    assert literal.allows("2.0.0") and not literal.allows("2.0.1")
    assert parse_depurl("dep:generic/zlib").allows("0.1")


@pytest.mark.parametrize(("text", "says"), [
    ("pkg:generic/zlib", "is not a DepURL"),
    ("generic/zlib", "is not a DepURL"),
    ("dep:generic", "is not a valid DepURL"),
    ("dep:generic/zlib@~=1.2", "only >=, >, <, <=, =="),
    ("dep:generic/zlib@!=1.2", "only >=, >, <, <=, =="),
    ("dep:generic/zlib@>=one", "not a version range"),
    ("dep:generic/zlib@latest", "neither a version nor a range"),
    ("dep:virtual/library/blas", "dep:virtual/interface/<name>"),
])
def test_bad_depurls_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(Pep725Error, match=says.replace("<", ".").replace(">", ".").replace("=", ".")
                       .replace("(", ".").replace(")", ".")):
        parse_depurl(text)


# -- [external] --------------------------------------------------------------------------------

def test_every_section_of_the_table_is_read() -> None:
    ext = read_external(EXTERNAL, "demo/pyproject.toml")
    assert ext is not None
    got = [(e.section, e.extra, e.group, str(e.url)) for e in ext.entries]
    assert got == [
        ("build-requires", None, False, "dep:virtual/compiler/c"),
        ("build-requires", None, False, "dep:generic/pkg-config"),
        ("host-requires", None, False, "dep:generic/gdal@>=3.6"),
        ("host-requires", None, False, "dep:virtual/interface/blas"),
        ("host-requires", None, False, "dep:generic/libxcb"),
        ("dependencies", None, False, "dep:generic/git"),
        ("host-requires", "fast", False, "dep:generic/proj@>=99"),
        ("dependencies", "dev", True, "dep:generic/valgrind"),
    ]
    assert [str(e.url) for e in ext.of("host-requires")] == [
        "dep:generic/gdal@>=3.6", "dep:virtual/interface/blas", "dep:generic/libxcb"]
    assert len(ext.of("host-requires", optional=True)) == 4
    xcb = ext.entries[4]
    assert xcb.marker == 'platform_system == "Windows"'
    assert xcb.applies({"platform_system": "Windows"}) and not xcb.applies({"platform_system": "Linux"})
    assert xcb.where == "demo/pyproject.toml:9"


def test_no_table_is_none() -> None:
    assert read_external('[project]\nname = "x"\n', "pyproject.toml") is None


@pytest.mark.parametrize(("toml", "says"), [
    ('[external]\nhost-requires = ["dep:generic/zlib", "zlib"]\n', r"pyproject.toml:2: 'zlib' is not a DepURL"),
    ('[external]\nhost-requires = "dep:generic/zlib"\n', "pyproject.toml:1: external.host-requires must be a list"),
    ('[external]\nhost-require = ["dep:generic/zlib"]\n', "unknown key external.host-require"),
    ('[external]\noptional-dependencies = ["dep:generic/zlib"]\n', "must be a table of extra"),
    ('[external]\ndependencies = ["dep:generic/zlib; os_name ==="]\n', "invalid environment marker"),
    ('[external\n', "not valid TOML"),
])
def test_bad_tables_name_the_file_and_line(toml: str, says: str) -> None:
    with pytest.raises(Pep725Error, match=says.replace("[", r"\[")):
        read_external(toml, "pyproject.toml")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(Pep725Error, match="2 problems") as err:
        read_external('[external]\nhost-requires = ["zlib"]\nbuild-requires = ["dep:generic/x@~=1"]\n', "p.toml")
    assert "p.toml:2" in str(err.value) and "p.toml:3" in str(err.value)


def test_pyproject_from_a_tree_and_from_sdists(tmp_path: Path) -> None:
    tree = tmp_path / "demo-1.0"
    tree.mkdir()
    (tree / "pyproject.toml").write_text(EXTERNAL)
    (tree / "sub").mkdir()
    (tree / "sub" / "pyproject.toml").write_text("[project]\n")
    assert read_pyproject(tree) == (EXTERNAL, str(tree / "pyproject.toml"))
    tgz = tmp_path / "demo-1.0.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(tree / "sub" / "pyproject.toml", "demo-1.0/sub/pyproject.toml")
        tf.add(tree / "pyproject.toml", "demo-1.0/pyproject.toml")
    assert read_pyproject(tgz) == (EXTERNAL, f"{tgz}!demo-1.0/pyproject.toml")
    zipped = tmp_path / "demo-1.0.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("demo-1.0/pyproject.toml", EXTERNAL)
    assert read_pyproject(zipped)[0] == EXTERNAL
    empty = tmp_path / "empty-1.0.tar.gz"
    with tarfile.open(empty, "w:gz") as tf:
        info = tarfile.TarInfo("empty-1.0/setup.py")
        tf.addfile(info, io.BytesIO(b""))
    with pytest.raises(Pep725Error, match="no pyproject.toml in its top folder"):
        read_pyproject(empty)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(Pep725Error, match="neither a source tree nor an sdist"):
        read_pyproject(tmp_path / "notes.txt")


# -- recipes and what they provide -------------------------------------------------------------

def test_recipes_provide_their_depurls(tmp_path: Path) -> None:
    farm = {p.dist: p for p in providers(_farm(tmp_path).rendered, "wheelfarm")}
    # a library recipe without provides.depurls satisfies dep:generic/<name>; a Python package none
    assert farm["wheelfarm-gdal"].keys == ("dep:generic/gdal",)
    assert farm["wheelfarm-refblas"].keys == ("dep:generic/lapack", "dep:virtual/interface/blas")
    assert farm["wheelfarm-fastblas"].keys == ("dep:generic/fastblas", "dep:virtual/interface/blas")
    assert "demo" not in farm and all(p.recipe != "demo" for p in farm.values())


def test_a_bad_depurl_in_a_recipe_names_its_line(tmp_path: Path) -> None:
    cat = _farm(tmp_path)
    text = (cat.recipes_dir / "proj" / "recipe.yaml").read_text()
    (cat.recipes_dir / "proj" / "recipe.yaml").write_text(text.replace("\n\nabout", "\nprovides:\n  depurls:\n"
                                                                        "    - dep:generic/proj\n    - proj\n\nabout"))
    with pytest.raises(RecipeError, match=r"recipes/proj/recipe.yaml:1[0-9]:\d+: 'proj' is not a DepURL"):
        cat.variants_of("proj")


def test_openblas_maps_only_what_each_build_honestly_is() -> None:
    cat = Catalog.from_settings(load_settings(ROOT), LINUX)
    by_name = {r.name: r.provides.depurls for r in cat.variants_of("openblas")}
    assert by_name == {
        "openblas": ("dep:generic/openblas", "dep:virtual/interface/blas", "dep:virtual/interface/lapack"),
        # ILP64 and suffixed symbols: OpenBLAS, but not the reference BLAS/LAPACK interface
        "openblas64": ("dep:generic/openblas",),
    }


def test_entries_resolve_to_recipes(tmp_path: Path) -> None:
    ext = read_external(EXTERNAL, "pyproject.toml")
    assert ext is not None
    rows = {str(r.entry.url): r for r in resolve(ext, providers(_farm(tmp_path).rendered, "wheelfarm"))}
    assert rows["dep:generic/gdal@>=3.6"].recipes == ("gdal",)
    assert rows["dep:virtual/interface/blas"].recipes == ("fastblas", "refblas")
    assert not rows["dep:generic/git"].mapped and not rows["dep:virtual/compiler/c"].mapped
    # a concrete DepURL's range is compared with the recipe's version
    assert [p.recipe for p in rows["dep:generic/proj@>=99"].too_old_or_new] == ["proj"]
    assert rows["dep:generic/gdal@>=3.6"].too_old_or_new == ()


@pytest.mark.parametrize(("host", "missing"), [
    ("[gdal, refblas]", []),
    ("[gdal, fastblas]", []),
    ("[gdal]", ["dep:virtual/interface/blas"]),
    ("[refblas]", ["dep:generic/gdal@>=3.6"]),
    ("[]", ["dep:generic/gdal@>=3.6", "dep:virtual/interface/blas"]),
])
def test_host_requires_must_be_in_the_recipes_host(tmp_path: Path, host: str, missing: list[str]) -> None:
    cat = _farm(tmp_path, host)
    ext = read_external(EXTERNAL, "pyproject.toml")
    assert ext is not None
    demo = cat.variants_of("demo")[0]
    # optional extras, markers that do not hold and DepURLs the farm cannot map are not asked for
    got = missing_host(demo, ext, providers(cat.rendered, "wheelfarm"), {"platform_system": "Linux"})
    assert [str(m.entry.url) for m in got] == missing


def test_the_build_stops_with_one_line_naming_the_recipe_line(tmp_path: Path) -> None:
    cat = _farm(tmp_path, "[refblas]")
    demo = cat.variants_of("demo")[0]
    problem = host_problem(demo, EXTERNAL, "src/pyproject.toml", "wheelfarm")
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"{cat.recipes_dir / 'demo' / 'recipe.yaml'}:9:")
    assert "add gdal to requirements.host" in problem and "src/pyproject.toml:7" in problem
    assert host_problem(cat.variants_of("demo")[0], '[project]\nname = "demo"\n', "p.toml", "wheelfarm") is None


def test_compile_checks_external_before_making_anything(tmp_path: Path) -> None:
    from farm.kinds.python import interpreter

    if interpreter(PYTHON) is None:
        pytest.skip(f"python{PYTHON} is not on PATH")
    cat = _farm(tmp_path / "farm", "[refblas]")
    tree = BuildTree(tmp_path / "build")
    tree.src.mkdir(parents=True)
    (tree.src / "pyproject.toml").write_text(EXTERNAL)
    job = Job(recipe=cat.variants_of("demo")[0], namespace="wheelfarm", tree=tree, work=tmp_path / "work",
              log=tmp_path / "build.log", deps=(), dep_roots=(), indirect_roots=(), tools={}, cpu_count=1,
              caller_env={}, installer=choose_installer("auto", cache=tmp_path / "cache", environ={}))
    with pytest.raises(BuildFailed, match=r"demo/recipe.yaml:9:\d+: add gdal to requirements.host"):
        PythonPackageKind().compile(job)
    assert not (tree.root / "pyenv").exists()


# -- the published mapping ---------------------------------------------------------------------

def _strings(min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": min_items}


_DEPURL = {"type": "string", "minLength": 5, "pattern": "^dep:.+$"}
_NULLABLE_STR = {"type": ["string", "null"]}
_COMMAND = {"type": "object", "additionalProperties": False, "required": ["command"], "properties": {
    "command": _strings(), "requires_elevation": {"type": "boolean"},
    "multiple_specifiers": {"enum": ["always", "name-only", "never"]}}}
_URLS = {"anyOf": [{"type": "string", "minLength": 1}, _strings(),
                   {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}, {"type": "null"}]}
_COMMON = {"id": _DEPURL, "description": _NULLABLE_STR, "urls": _URLS,
           "extra_metadata": {"type": ["object", "null"], "propertyNames": {"minLength": 1}}}
_ONE_OR_MANY = {"anyOf": [{"type": "string", "minLength": 1}, _strings()]}
#: the rules of external-metadata-mappings' schemas/external-mapping.schema.json (schema_version 1),
#: written out here from its definitions (MappingsModel, MappingWithSpecs(From), PackageManager, ...)
MAPPING_RULES: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["name", "package_managers", "mappings"],
    "properties": {
        "$schema": {"type": "string"},
        "schema_version": {"type": "integer", "minimum": 1, "exclusiveMaximum": 2},
        "name": {"type": "string", "minLength": 1},
        "description": _NULLABLE_STR,
        "package_managers": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "commands", "specifier_syntax"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "commands": {"type": "object", "additionalProperties": False, "required": ["install", "query"],
                             "properties": {"install": _COMMAND, "query": {"anyOf": [_COMMAND, {"type": "null"}]}}},
                "specifier_syntax": {
                    "type": "object", "additionalProperties": False,
                    "required": ["name_only", "exact_version", "version_ranges"],
                    "properties": {
                        "name_only": _strings(),
                        "exact_version": {"anyOf": [_strings(), {"type": "null"}]},
                        "version_ranges": {"anyOf": [{"type": "null"}, {
                            "type": "object", "additionalProperties": False,
                            "required": ["syntax", "and", "equal", "greater_than_equal", "greater_than",
                                         "less_than_equal", "less_than"],
                            "properties": {"syntax": _strings(), "and": _NULLABLE_STR, "equal": {"type": "string"},
                                           **{k: _NULLABLE_STR for k in ("greater_than_equal", "greater_than",
                                                                         "less_than_equal", "less_than")}}}]}}}}}},
        "mappings": {"type": "array", "items": {"anyOf": [
            {"type": "object", "additionalProperties": False, "required": ["id", "specs"],
             "properties": {**_COMMON, "specs": {"anyOf": [
                 {"type": "string", "minLength": 1}, _strings(),
                 {"type": "object", "additionalProperties": False, "required": ["build", "host", "run"],
                  "properties": {k: _ONE_OR_MANY for k in ("build", "host", "run")}}]}}},
            {"type": "object", "additionalProperties": False, "required": ["id", "specs_from"],
             "properties": {**_COMMON, "specs_from": _DEPURL}},
        ]}},
    },
}


def mapping_problems(doc: dict[str, Any]) -> list[str]:
    """The schema's rules, plus the checks upstream's linters add (placeholders, order, duplicates)."""
    out = [e.message for e in jsonschema.Draft202012Validator(MAPPING_RULES).iter_errors(doc)]
    if out:
        return out
    for pm in doc["package_managers"]:
        for name, command in pm["commands"].items():
            if command and not any("{}" in arg for arg in command["command"]):
                out.append(f"{pm['name']}: the {name} command has no '{{}}' placeholder")
        syntax = pm["specifier_syntax"]
        if "{name}" not in syntax["name_only"]:
            out.append(f"{pm['name']}: name_only lacks '{{name}}'")
        exact = syntax["exact_version"] or []
        if exact and not (any("{name}" in a for a in exact) and any("{version}" in a for a in exact)):
            out.append(f"{pm['name']}: exact_version needs '{{name}}' and '{{version}}'")
        ranges = syntax["version_ranges"]
        if ranges and not any("{ranges}" in a for a in ranges["syntax"]):
            out.append(f"{pm['name']}: version_ranges.syntax lacks '{{ranges}}'")
    ids = [m["id"] for m in doc["mappings"]]
    if ids != sorted(ids):
        out.append("mappings are not sorted by id")
    rows = [json.dumps(m, sort_keys=True) for m in doc["mappings"]]
    if len(set(rows)) != len(rows):
        out.append("a mapping entry is repeated")
    out += [f"specs_from {m['specs_from']} is not mapped" for m in doc["mappings"]
            if "specs_from" in m and m["specs_from"] not in ids]
    for i in ids:
        try:
            parse_depurl(i)
        except Pep725Error as exc:
            out.append(str(exc))
    return out


@functools.cache
def _real_mapping_text() -> str:
    cat = Catalog.from_settings(load_settings(ROOT), LINUX)
    return json.dumps(mapping_document(providers(cat.rendered, "wheelfarm"), "wheelfarm"))


def _real_mapping() -> dict[str, Any]:
    """The mapping of this checkout's recipes (a fresh copy each call)."""
    result: dict[str, Any] = json.loads(_real_mapping_text())
    return result


def test_the_farms_mapping_follows_the_schema() -> None:
    doc = _real_mapping()
    assert mapping_problems(doc) == []
    assert doc["$schema"] == MAPPING_SCHEMA and doc["name"] == "wheelfarm"
    specs = {}
    for m in doc["mappings"]:
        specs.setdefault(m["id"], []).extend(m["specs"])
    assert specs["dep:generic/gdal"] == ["wheelfarm-gdal"]
    assert specs["dep:generic/openblas"] == ["wheelfarm-openblas", "wheelfarm-openblas64"]
    assert specs["dep:virtual/interface/blas"] == specs["dep:virtual/interface/lapack"] == ["wheelfarm-openblas"]
    assert specs["dep:generic/libjpeg"] == ["wheelfarm-libjpeg-turbo"]
    assert not any(s in ("shapely", "pyogrio", "wheelfarm-shapely") for v in specs.values() for s in v)


@pytest.mark.parametrize("breakage", [
    lambda d: d.pop("name"),
    lambda d: d.update(homepage="https://example.org"),
    lambda d: d["mappings"][0].update(id="generic/gdal"),
    lambda d: d["mappings"][0].update(specs=[""]),
    lambda d: d["mappings"][0].update(specs_from="dep:generic/zlib"),
    lambda d: d["mappings"].reverse(),
    lambda d: d["mappings"].append(dict(d["mappings"][0])),
    lambda d: d["package_managers"][0]["commands"]["install"].update(command=["pip", "install"]),
    lambda d: d["package_managers"][0]["specifier_syntax"]["version_ranges"].pop("and"),
    lambda d: d.update(schema_version=2),
])
def test_the_schema_checks_catch_a_broken_mapping(breakage: Any) -> None:
    doc = _real_mapping()
    breakage(doc)
    assert mapping_problems(doc)


def test_the_published_copy_is_current() -> None:
    shipped = json.loads((ROOT / "docs" / "pep725-mapping.json").read_text())
    assert shipped == _real_mapping(), "run: farm pep725 mapping --platform linux-x86_64 -o docs/pep725-mapping.json"


def test_the_index_url_reaches_the_install_commands() -> None:
    farm = (Provider("zlib", "wheelfarm-zlib", "1.3.2", "zlib", ("dep:generic/zlib",)),)
    doc = mapping_document(farm, "wheelfarm", index_url="https://farm.example/simple/")
    assert doc["package_managers"][1]["commands"]["install"]["command"] == [
        "uv", "pip", "install", "--extra-index-url", "https://farm.example/simple/", "{}"]
    assert mapping_problems(doc) == []


# -- the command line --------------------------------------------------------------------------

def test_farm_pep725_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "recipes", tmp_path / "farm" / "recipes", ignore=shutil.ignore_patterns("patches"))
    (tmp_path / "farm" / "farm.toml").write_text("")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(EXTERNAL)
    assert main(["pep725", "show", str(project), "--root", str(tmp_path / "farm"), "--platform", "linux-x86_64"]) == 0
    out = capsys.readouterr().out
    assert "dep:generic/gdal@>=3.6 -> gdal (wheelfarm-gdal " in out
    assert "dep:virtual/interface/blas -> openblas (wheelfarm-openblas " in out
    assert "dep:generic/git -> unmapped" in out
    assert "; platform_system == \"Windows\" (not here)" in out
    assert "host-requires[fast]" in out and "outside the range" in out
    assert main(["pep725", "show", str(project), "--format", "json", "--root", str(tmp_path / "farm")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[2]["wheels"] == ["wheelfarm-gdal"] and rows[5] == {
        "section": "dependencies", "extra": None, "depurl": "dep:generic/git", "marker": None, "applies": True,
        "recipes": [], "wheels": [], "outside_range": []}


def test_farm_pep725_mapping_writes_all_or_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "mapping.json"
    assert main(["pep725", "mapping", "-o", str(out), "--root", str(ROOT), "--platform", "linux-x86_64"]) == 0
    assert json.loads(out.read_text()) == _real_mapping()
    assert [p.name for p in out.parent.iterdir()] == ["mapping.json"]
    bad = tmp_path / "bad"
    shutil.copytree(ROOT / "recipes", bad / "recipes", ignore=shutil.ignore_patterns("patches"))
    (bad / "farm.toml").write_text("")
    zlib = bad / "recipes" / "zlib" / "recipe.yaml"
    zlib.write_text(zlib.read_text().replace("\nprovides:\n", "\nprovides:\n  depurls: [zlib]\n", 1))
    before = out.read_text()
    assert main(["pep725", "mapping", "-o", str(out), "--root", str(bad), "--platform", "linux-x86_64"]) == 1
    assert "zlib/recipe.yaml:" in capsys.readouterr().err
    assert out.read_text() == before and [p.name for p in out.parent.iterdir()] == ["mapping.json"]
