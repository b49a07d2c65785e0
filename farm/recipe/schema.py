"""The recipe schema: one typed description that validates recipes and emits JSON Schema.

The same tree drives ``farm lint`` (unknown keys with a did-you-mean, missing fields,
wrong types, each at its line) and ``farm schema`` (the JSON schema editors use while
people type), so the two can never disagree.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from farm.locate import Path_

__all__ = [
    "Bool",
    "Int",
    "ListOf",
    "MapOf",
    "Obj",
    "OneOf",
    "RECIPE",
    "Scalar",
    "Shape",
    "Str",
    "Violation",
    "is_condition",
    "json_schema",
    "validate",
]

TEMPLATE = "${{"


@dataclass(frozen=True)
class Str:
    doc: str = ""
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class Int:
    doc: str = ""
    minimum: int = 0


@dataclass(frozen=True)
class Bool:
    doc: str = ""


@dataclass(frozen=True)
class Scalar:
    """A string, number or boolean (context values, variant values)."""

    doc: str = ""


@dataclass(frozen=True)
class ListOf:
    item: "Shape"
    doc: str = ""
    min_items: int = 0


@dataclass(frozen=True)
class MapOf:
    """A mapping with free-form keys, all values of one shape."""

    value: "Shape"
    doc: str = ""


@dataclass(frozen=True)
class Obj:
    fields: Mapping[str, "Shape"]
    required: frozenset[str] = frozenset()
    doc: str = ""
    #: exactly one of these keys must be present (e.g. a source's url or debian)
    one_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class OneOf:
    options: tuple["Shape", ...]
    doc: str = ""


Shape = Union[Str, Int, Bool, Scalar, ListOf, MapOf, Obj, OneOf]


@dataclass(frozen=True)
class Violation:
    """A structural problem: ``kind`` is one of unknown-key, missing, type, duplicate."""

    kind: str
    path: Path_
    message: str
    at_key: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def is_condition(value: object) -> bool:
    return isinstance(value, dict) and "if" in value and "then" in value


_COND_KEYS = frozenset({"if", "then", "else"})


def _type_name(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _describe(shape: Shape) -> str:
    if isinstance(shape, Str):
        return "text" if not shape.enum else "one of " + ", ".join(shape.enum)
    if isinstance(shape, Int):
        return "a whole number"
    if isinstance(shape, Bool):
        return "true or false"
    if isinstance(shape, Scalar):
        return "a plain value"
    if isinstance(shape, ListOf):
        return "a list"
    if isinstance(shape, (Obj, MapOf)):
        return "a mapping"
    return " or ".join(_describe(o) for o in shape.options)


def _is_template(value: object) -> bool:
    return isinstance(value, str) and TEMPLATE in value


def _matches(shape: Shape, value: object) -> bool:
    """Does ``value`` have the right outer type for ``shape`` (contents checked later)?"""
    if isinstance(shape, Str):
        return isinstance(value, str)
    if isinstance(shape, Int):
        return (isinstance(value, int) and not isinstance(value, bool)) or _is_template(value)
    if isinstance(shape, Bool):
        return isinstance(value, bool) or _is_template(value)
    if isinstance(shape, Scalar):
        return isinstance(value, (str, int, float, bool))
    if isinstance(shape, ListOf):
        return isinstance(value, list)
    if isinstance(shape, (Obj, MapOf)):
        return isinstance(value, dict)
    return any(_matches(o, value) for o in shape.options)


def validate(shape: Shape, value: object, path: Path_ = ()) -> Iterator[Violation]:
    """Every structural violation of ``value`` against ``shape``, outermost first."""
    if isinstance(shape, OneOf):
        for option in shape.options:
            if _matches(option, value):
                yield from validate(option, value, path)
                return
        yield Violation("type", path, f"expected {_describe(shape)}, found {_type_name(value)}")
        return
    if not _matches(shape, value):
        yield Violation("type", path, f"expected {_describe(shape)}, found {_type_name(value)}")
        return
    if isinstance(shape, Str) and shape.enum and value not in shape.enum and not _is_template(value):
        yield Violation("type", path, f"expected one of {', '.join(shape.enum)}, found {value!r}")
    elif isinstance(shape, Int) and isinstance(value, int) and value < shape.minimum:
        yield Violation("type", path, f"expected a number >= {shape.minimum}, found {value}")
    elif isinstance(shape, ListOf):
        assert isinstance(value, list)
        if len(value) < shape.min_items:
            yield Violation("missing", path, f"needs at least {shape.min_items} entr{'y' if shape.min_items == 1 else 'ies'}")
        for i, item in enumerate(value):
            yield from _validate_item(shape.item, item, (*path, i))
    elif isinstance(shape, MapOf):
        assert isinstance(value, dict)
        for key, item in value.items():
            yield from validate(shape.value, item, (*path, key))
    elif isinstance(shape, Obj):
        assert isinstance(value, dict)
        yield from _validate_obj(shape, value, path)


def _validate_item(shape: Shape, item: object, path: Path_) -> Iterator[Violation]:
    """A list item may be a condition ``{if, then, else}`` whose branches hold items."""
    if not is_condition(item):
        yield from validate(shape, item, path)
        return
    assert isinstance(item, dict)
    for key in item:
        if key not in _COND_KEYS:
            yield Violation("unknown-key", (*path, key), f"unknown key {key!r} in a condition", at_key=True,
                            extra={"suggestion": _suggest(str(key), _COND_KEYS)})
    if not isinstance(item["if"], (str, bool)):
        yield Violation("type", (*path, "if"), f"expected a condition expression, found {_type_name(item['if'])}")
    for branch in ("then", "else"):
        if branch not in item:
            continue
        sub = item[branch]
        if isinstance(sub, list):
            for i, x in enumerate(sub):
                yield from _validate_item(shape, x, (*path, branch, i))
        else:
            yield from _validate_item(shape, sub, (*path, branch))


def _suggest(key: str, known: Iterator[str] | frozenset[str] | Mapping[str, Any]) -> str | None:
    found = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return found[0] if found else None


def _validate_obj(shape: Obj, value: dict[Any, Any], path: Path_) -> Iterator[Violation]:
    for key, item in value.items():
        child = (*path, key)
        if key not in shape.fields:
            suggestion = _suggest(str(key), shape.fields)
            hint = f"; did you mean {suggestion!r}?" if suggestion else f"; known keys: {', '.join(shape.fields)}"
            yield Violation("unknown-key", child, f"unknown key {key!r}{hint}", at_key=True,
                            extra={"suggestion": suggestion})
            continue
        yield from validate(shape.fields[key], item, child)
    for key in sorted(shape.required - value.keys()):
        yield Violation("missing", (*path, key), f"missing required key {key!r}", extra={"key": key})
    if shape.one_of:
        present = [k for k in shape.one_of if k in value]
        if len(present) != 1:
            names = " or ".join(repr(k) for k in shape.one_of)
            what = "needs exactly one of" if present else "needs"
            yield Violation("missing", path, f"{what} {names}", extra={"key": shape.one_of[0]})


# --- JSON Schema ---------------------------------------------------------------------------


def json_schema(shape: Shape, *, root: bool = True) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for ``shape``; templates are accepted where numbers are."""
    out: dict[str, Any]
    template = {"type": "string", "pattern": r"\$\{\{.*\}\}"}
    if isinstance(shape, Str):
        out = {"type": "string"}
        if shape.enum:
            out = {"anyOf": [{"enum": list(shape.enum)}, template]}
    elif isinstance(shape, Int):
        out = {"anyOf": [{"type": "integer", "minimum": shape.minimum}, template]}
    elif isinstance(shape, Bool):
        out = {"anyOf": [{"type": "boolean"}, template]}
    elif isinstance(shape, Scalar):
        out = {"type": ["string", "number", "boolean"]}
    elif isinstance(shape, ListOf):
        item = json_schema(shape.item, root=False)
        out = {"type": "array", "items": {"anyOf": [item, _condition_schema(item)]}}
        if shape.min_items:
            out["minItems"] = shape.min_items
    elif isinstance(shape, MapOf):
        out = {"type": "object", "additionalProperties": json_schema(shape.value, root=False)}
    elif isinstance(shape, Obj):
        out = {
            "type": "object",
            "properties": {k: json_schema(v, root=False) for k, v in shape.fields.items()},
            "additionalProperties": False,
        }
        if shape.required:
            out["required"] = sorted(shape.required)
        if shape.one_of:
            out["oneOf"] = [{"required": [k]} for k in shape.one_of]
    else:
        out = {"anyOf": [json_schema(o, root=False) for o in shape.options]}
    if shape.doc:
        out["description"] = shape.doc
    if root:
        out = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "wheelfarm recipe",
            **out,
        }
    return out


def _condition_schema(item: dict[str, Any]) -> dict[str, Any]:
    branch = {"anyOf": [item, {"type": "array", "items": item}]}
    return {
        "type": "object",
        "properties": {"if": {"type": ["string", "boolean"]}, "then": branch, "else": branch},
        "required": ["if", "then"],
        "additionalProperties": False,
    }


# --- The recipe ----------------------------------------------------------------------------

_STRS = ListOf(Str())

_DEBIAN = Obj(
    {
        "package": Str("Debian source package name, e.g. tiff"),
        "file": Str("the file of that source package to use, e.g. tiff_4.5.0.orig.tar.bz2"),
        "version": Str("Debian version to ask apt for (optional: the sha256 decides)"),
        "suite": Str("a Debian release to fetch from instead of the machine's own, e.g. forky: its "
                     "entries are derived from the machine's release entries (mirror, components, key)"),
    },
    required=frozenset({"package", "file"}),
    doc="a Debian source package fetched with apt-get source through this machine's apt configuration",
)

_PYPI = Obj(
    {
        "name": Str("the project on the package index, e.g. shapely"),
        "file": Str("the file of that project to use, e.g. shapely-2.2.0.tar.gz (its sdist)"),
    },
    required=frozenset({"name", "file"}),
    doc="a file of a project on the package index pip is configured to use (found through its simple API)",
)

_ORIGIN_FIELDS: dict[str, Shape] = {
    "url": Str("where to download the artifact"),
    "debian": _DEBIAN,
    "pypi": _PYPI,
    "sha256": Str("sha256 of the artifact, 64 hex digits"),
}

_ORIGIN = Obj(_ORIGIN_FIELDS, required=frozenset({"sha256"}), one_of=("url", "debian", "pypi"),
              doc="another place the same release can be fetched from")

_SOURCE = Obj(
    {
        **_ORIGIN_FIELDS,
        "alternatives": ListOf(_ORIGIN, "other origins of the same release, tried in order"),
        "patches": ListOf(Str(), "patch files, relative to the recipe folder, applied with patch -p1"),
        "target_directory": Str("where in the source tree to extract this artifact"),
        "file_name": Str("name to give the downloaded file"),
    },
    required=frozenset({"sha256"}),
    one_of=("url", "debian", "pypi"),
    doc="one source artifact",
)

RECIPE = Obj(
    {
        "schema_version": Int("recipe format version (1)", minimum=1),
        "context": MapOf(Scalar(), "variables for ${{ }} substitution, evaluated in order"),
        "package": Obj(
            {"name": Str("library name; the wheel is <namespace>-<name>"), "version": Str("upstream version (PEP 440)")},
            required=frozenset({"name", "version"}),
        ),
        "source": ListOf(_SOURCE, "source artifacts", min_items=1),
        "build": Obj(
            {
                "number": Int("build number; > 0 makes <version>.post<number>"),
                "script": OneOf((Str(), _STRS), "build script file (e.g. build.sh) or inline lines"),
                "variants": MapOf(ListOf(Scalar()), "variant axes: every combination is built (distinct wheels)"),
                "options": MapOf(ListOf(Scalar()), "build options: the first value is the release build; "
                                                   "another is chosen with 'farm build --option key=value'"),
                "skip": OneOf((Bool(), Str(), _STRS), "condition(s) under which not to build"),
                "env": MapOf(Scalar(), "extra environment variables for the build script"),
                "rtld": Str("how load_library() loads the libraries", enum=("local", "global")),
                "static": Bool("keep static archives in the wheel"),
                "grafts": MapOf(Str(), "libraries of the build machine that repair may copy into the wheel, soname: why no recipe provides it (a toolchain runtime such as libgfortran.so.5); any other grafted library fails the link check"),
                "cuda": ListOf(Str(), "CUDA majors (pins.yaml: cuda) to build variants for: one wheel "
                                      "<name>-cu12, <name>-cu13 each"),
            },
            required=frozenset({"number"}),
        ),
        "python": Obj(
            {
                "requires": Str("the CPython versions to build for, a PEP 440 range over pins.python (>=3.10)"),
                "module": Str("the module whose import proves the wheel works"),
                "dist": Str("the distribution's name when it differs from the recipe's (GDAL for gdal-python)"),
                "abi3": Bool("build one abi3 wheel with the oldest CPython in range"),
                "build_requires": ListOf(Str(), "requirements of the build environment beyond the sdist's own"),
                "config_settings": MapOf(OneOf((Scalar(), ListOf(Scalar()))),
                                         "PEP 517 config settings for the package's build backend; a list "
                                         "passes the key once per value (setup-args: [-Dblas=openblas, ...])"),
            },
            required=frozenset({"requires", "module"}),
            doc="this recipe builds a Python package from its sdist against the farm's library wheels "
                "(the wheel keeps the package's own name and version)",
        ),
        "requirements": Obj(
            {
                "build": ListOf(Str(), "tools run on the build machine (compilers, cmake, ninja, ...)"),
                "host": ListOf(Str(), "libraries linked against: recipes or declared external wheels"),
                "run": ListOf(Str(), "extra run-time requirements (normally derived from host)"),
                "cuda": ListOf(Str(), "CUDA components used (runtime, nvml, cufft...; nvcc to compile CUDA code), "
                                      "each mapped to NVIDIA's wheel of the variant's CUDA major by pins.yaml"),
            }
        ),
        "abi": Obj(
            {
                "max_pin": Str("upper bound dependents get: x, x.x or x.x.x", enum=("x", "x.x", "x.x.x")),
                "min_pin": Str("lower bound dependents get", enum=("x", "x.x", "x.x.x", "x.x.x.x")),
            },
        ),
        "provides": Obj(
            {
                "sonames": _STRS,
                "env": MapOf(Str(), "run-time variables the library needs, as paths relative to the package "
                                    "folder (e.g. PROJ_DATA: share/proj); set by load_library() and the "
                                    "executables' launchers unless the user set them"),
                "pkg_config": _STRS,
                "cmake": _STRS,
                "executables": _STRS,
                "load_order": ListOf(Str(), "the sonames in the order load_library() loads them, where a "
                                            "library uses another's symbols without naming it (UCX's libucm "
                                            "and libucs); default: each after the ones it needs"),
                "depurls": ListOf(Str(), "PEP 725 DepURLs this library satisfies, e.g. dep:generic/gdal or "
                                         "dep:virtual/interface/blas (default: dep:generic/<name>)"),
            },
        ),
        "test": Obj(
            {
                "commands": ListOf(Str(), "shell commands run in a fresh venv with the wheel installed"),
                "python": ListOf(Str(), "Python statements run in that venv"),
                "files": ListOf(Str(), "files from the recipe folder copied to the test directory"),
                "requires": ListOf(Str(), "extra PyPI packages installed for the test"),
            },
        ),
        "about": Obj(
            {
                "license": Str("SPDX license expression"),
                "license_file": OneOf((Str(), _STRS), "license files, relative to the source tree"),
                "homepage": Str(),
                "repository": Str(),
                "documentation": Str(),
                "summary": Str("one line"),
                "description": Str(),
            },
            required=frozenset({"license", "license_file", "summary"}),
        ),
        "updates": Obj(
            {
                "github": Str("owner/repo whose releases or tags carry new versions"),
                "pypi": Str("PyPI project whose versions follow upstream"),
                "url": Str("a page listing releases"),
                "debian": Str("a Debian source package whose versions follow upstream (read through the "
                              "machine's apt configuration); needs suites"),
                "suites": ListOf(Str(), "the Debian releases to read, in order, e.g. [bookworm, trixie, forky]; "
                                        "the newest upstream version across them wins", min_items=1),
                "pattern": Str("regular expression with one group capturing the version; with debian, a "
                               "filter the upstream version must match (e.g. ^3\\.0\\. to hold to a series)"),
                "prereleases": Bool("also take pre-releases (rc, beta; Debian's ~rc)"),
            },
            doc="where the bot looks for new upstream versions",
        ),
        "maintainers": ListOf(Str(), "GitHub handles", min_items=1),
    },
    required=frozenset({"package", "source", "build", "about", "maintainers", "test"}),
)
