"""PEP 725 ``[external]`` metadata: a package's native dependencies as DepURLs, mapped to farm recipes.

A Python project's ``pyproject.toml`` may name what it needs from outside PyPI::

    [external]
    build-requires = ["dep:virtual/compiler/c", "dep:generic/pkg-config"]
    host-requires = ["dep:generic/gdal@>=3.6", "dep:virtual/interface/blas"]

Each string is an *external dependency specifier*: a DepURL
(``dep:type/namespace/name@version?qualifiers#subpath``, PURL's grammar with a ``virtual`` type
and version ranges) optionally followed by ``; <environment marker>``. The version is a PEP 440
range limited to ``>=``, ``>``, ``<``, ``<=``, ``==`` and ``,``, or a literal (``@2.0`` means
exactly 2.0).

Every library recipe satisfies the DepURLs in its ``provides.depurls`` (``dep:generic/<name>``
when it lists none). This module reads the table (:func:`read_external`), maps each entry to
the recipes that satisfy it (:func:`providers`, :func:`resolve`), says which host requirements a
Python-package recipe lacks (:func:`missing_host`), and writes the farm's mapping in the
external-metadata-mappings schema (:func:`mapping_document`), so that other tools resolve
``dep:generic/gdal`` to ``wheelfarm-gdal``. Everything here takes and returns frozen values; only
:func:`read_pyproject` reads a file.
"""

from __future__ import annotations

import tarfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packageurl import PackageURL
from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from farm.errors import FarmError
from farm.recipe.model import Recipe

__all__ = [
    "DepURL",
    "Entry",
    "External",
    "MAPPING_SCHEMA",
    "Pep725Error",
    "Provider",
    "Resolved",
    "SECTIONS",
    "host_problem",
    "mapping_document",
    "missing_host",
    "parse_depurl",
    "parse_entry",
    "providers",
    "read_external",
    "read_pyproject",
    "resolve",
]

#: the mapping schema the published file follows (external-metadata-mappings, schema_version 1)
MAPPING_SCHEMA = ("https://raw.githubusercontent.com/jaimergp/external-metadata-mappings/main/"
                  "schemas/external-mapping.schema.json")

#: the keys of ``[external]``: required lists, then their optional tables (extra -> list), then groups
SECTIONS = ("build-requires", "host-requires", "dependencies")
_OPTIONAL = {f"optional-{s}": s for s in SECTIONS}
_GROUPS = "dependency-groups"
#: the only operators a DepURL's version range may use
_OPERATORS = frozenset({">=", ">", "<", "<=", "=="})


class Pep725Error(FarmError, ValueError):
    """A malformed ``[external]`` table or DepURL."""


@dataclass(frozen=True)
class DepURL:
    """One parsed DepURL. ``key`` names the dependency without its version, for matching."""

    type: str
    name: str
    namespace: str | None = None
    #: the version as written (a literal or a range), percent-decoded
    version: str | None = None
    qualifiers: tuple[tuple[str, str], ...] = ()
    subpath: str | None = None

    @property
    def key(self) -> str:
        purl = PackageURL(type=self.type, namespace=self.namespace, name=self.name,
                          qualifiers=dict(self.qualifiers) or None, subpath=self.subpath)
        return "dep:" + purl.to_string().removeprefix("pkg:")

    @property
    def virtual(self) -> bool:
        return self.type == "virtual"

    @property
    def specifier(self) -> SpecifierSet | None:
        """The version as a PEP 440 range (a literal is ``==``); None without a version."""
        if self.version is None:
            return None
        text = self.version if self.version[:1] in "<>=!~" else f"=={self.version}"
        return SpecifierSet(text)

    def allows(self, version: str) -> bool:
        """Does ``version`` of a concrete package satisfy the range (pre-releases count)?"""
        spec = self.specifier
        return spec is None or spec.contains(Version(version), prereleases=True)

    def __str__(self) -> str:
        if self.version is None:
            return self.key
        # the version goes before qualifiers and subpath, as PURL writes it
        head, sep, tail = self.key.partition("?") if "?" in self.key else self.key.partition("#")
        return f"{head}@{self.version}{sep}{tail}"


def parse_depurl(text: str) -> DepURL:
    """``dep:generic/gdal@>=3.6`` -> DepURL; raises Pep725Error saying what is wrong."""
    text = text.strip()
    if not text.startswith("dep:"):
        raise Pep725Error(f"{text!r} is not a DepURL: write dep:<type>/<name>, e.g. dep:generic/zlib")
    try:
        purl = PackageURL.from_string("pkg:" + text.removeprefix("dep:"))
    except ValueError:
        raise Pep725Error(f"{text!r} is not a valid DepURL: write dep:<type>/[<namespace>/]<name>[@<version>]"
                          ) from None
    if purl.type == "virtual" and purl.namespace not in ("interface", "compiler"):
        raise Pep725Error(f"{text!r}: a virtual DepURL is dep:virtual/interface/<name> or dep:virtual/compiler/<name>")
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    dep = DepURL(type=purl.type, name=purl.name, namespace=purl.namespace or None, version=purl.version or None,
                 qualifiers=tuple(sorted(qualifiers.items())), subpath=purl.subpath or None)
    if dep.version is not None and dep.version[:1] in "<>=!~":
        try:
            spec = SpecifierSet(dep.version)
        except InvalidSpecifier:
            raise Pep725Error(f"{text!r}: {dep.version!r} is not a version range (e.g. >=3.6,<4)") from None
        bad = sorted({s.operator for s in spec} - _OPERATORS)
        if bad:
            raise Pep725Error(f"{text!r}: a DepURL's version range may use only >=, >, <, <=, == (not {', '.join(bad)})")
    elif dep.version is not None:
        try:
            Version(dep.version)
        except InvalidVersion:
            raise Pep725Error(f"{text!r}: {dep.version!r} is neither a version nor a range") from None
    return dep


@dataclass(frozen=True)
class Entry:
    """One external dependency specifier, where it stands in the table."""

    #: build-requires, host-requires or dependencies (an optional table's entries count as their section)
    section: str
    url: DepURL
    #: the extra (optional-* tables) or dependency group it belongs to; None for the required lists
    extra: str | None = None
    group: bool = False
    marker: str | None = None
    #: where it was read: ``path/pyproject.toml:12``
    where: str = ""

    @property
    def required(self) -> bool:
        return self.extra is None

    def applies(self, environment: Mapping[str, str] | None = None) -> bool:
        """Does its marker hold in ``environment`` (default: this interpreter's)?"""
        if self.marker is None:
            return True
        env = {str(k): str(v) for k, v in default_environment().items()}
        env.update(environment or {})
        env.setdefault("extra", self.extra or "")
        return Marker(self.marker).evaluate(env)


@dataclass(frozen=True)
class External:
    """A project's ``[external]`` table, every entry parsed."""

    source: str
    entries: tuple[Entry, ...]

    def of(self, section: str, *, optional: bool = False) -> tuple[Entry, ...]:
        """The required entries of ``section`` (with ``optional``, its extras' and groups' too)."""
        return tuple(e for e in self.entries if e.section == section and (optional or e.required))


def parse_entry(text: str, section: str, *, extra: str | None = None, group: bool = False,
                where: str = "") -> Entry:
    """One external dependency specifier: a DepURL, optionally ``; <marker>``."""
    url_text, sep, marker_text = text.partition(";")
    prefix = f"{where}: " if where else ""
    try:
        url = parse_depurl(url_text)
    except Pep725Error as exc:
        raise Pep725Error(f"{prefix}{exc}") from None
    marker = None
    if sep:
        try:
            marker = str(Marker(marker_text.strip()))
        except InvalidMarker as exc:
            raise Pep725Error(f"{prefix}{text!r}: invalid environment marker: {exc}") from None
    return Entry(section, url, extra, group, marker, where)


def _line_of(text: str, needle: str, after: int = 0) -> int:
    """The 1-based line where the TOML string ``needle`` is written (0 when it cannot be found)."""
    lines = text.splitlines()
    for quote in ('"', "'"):
        for i in range(after, len(lines)):
            if f"{quote}{needle}{quote}" in lines[i]:
                return i + 1
    return 0


def read_external(text: str, source: str) -> External | None:
    """The ``[external]`` table of a pyproject.toml's ``text`` (None when it has none).

    Every problem (an unknown key, a wrong type, a malformed DepURL) raises Pep725Error naming
    ``source`` and the line.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Pep725Error(f"{source}: not valid TOML: {exc}") from None
    table = data.get("external")
    if table is None:
        return None
    table_line = next((i + 1 for i, line in enumerate(text.splitlines()) if line.strip().startswith("[external")), 0)
    if not isinstance(table, dict):
        raise Pep725Error(f"{source}:{table_line}: [external] must be a table")
    entries: list[Entry] = []
    problems: list[str] = []

    def strings(value: Any, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{source}:{table_line}: external.{key} must be a list of DepURL strings")
            return []
        return list(value)

    def add(values: Sequence[str], section: str, extra: str | None = None, group: bool = False) -> None:
        for value in values:
            where = f"{source}:{_line_of(text, value, max(table_line - 1, 0)) or table_line}"
            try:
                entries.append(parse_entry(value, section, extra=extra, group=group, where=where))
            except Pep725Error as exc:
                problems.append(str(exc))

    for key, value in table.items():
        if key in SECTIONS:
            add(strings(value, key), key)
        elif key in _OPTIONAL:
            if not isinstance(value, dict):
                problems.append(f"{source}:{table_line}: external.{key} must be a table of extra = [DepURLs]")
                continue
            for extra, values in value.items():
                add(strings(values, f"{key}.{extra}"), _OPTIONAL[key], extra)
        elif key == _GROUPS:
            if not isinstance(value, dict):
                problems.append(f"{source}:{table_line}: external.{key} must be a table of group = [DepURLs]")
                continue
            for group, values in value.items():
                # include-group tables ({include-group = "dev"}) name entries already listed elsewhere
                add(strings([v for v in values if isinstance(v, str)] if isinstance(values, list) else values,
                            f"{key}.{group}"), "dependencies", group, group=True)
        else:
            known = ", ".join((*SECTIONS, *_OPTIONAL, _GROUPS))
            problems.append(f"{source}:{table_line}: unknown key external.{key} (PEP 725 defines {known})")
    if problems:
        raise Pep725Error(problems[0] if len(problems) == 1 else
                          f"{len(problems)} problems: " + "; ".join(problems))
    return External(source, tuple(entries))


def read_pyproject(path: Path) -> tuple[str, str]:
    """The text of the project's pyproject.toml and where it came from, from a source tree or an sdist.

    ``path`` is a folder, a pyproject.toml, or an sdist (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``, ``.zip``)
    whose top folder holds it.
    """
    if path.is_dir():
        path = path / "pyproject.toml"
    if path.name == "pyproject.toml":
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise Pep725Error(f"{path}: cannot read: {exc.strerror}") from None

    def top(member: str) -> bool:
        parts = PurePosixPath(member).parts
        return len(parts) == 2 and parts[1] == "pyproject.toml"

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if top(n)]
                if names:
                    return zf.read(names[0]).decode("utf-8"), f"{path}!{names[0]}"
        elif tarfile.is_tarfile(path):
            with tarfile.open(path) as tf:
                for member in tf.getmembers():
                    if member.isfile() and top(member.name):
                        handle = tf.extractfile(member)
                        if handle is not None:
                            return handle.read().decode("utf-8"), f"{path}!{member.name}"
        else:
            raise Pep725Error(f"{path}: neither a source tree nor an sdist (.tar.gz or .zip)")
    except (OSError, tarfile.TarError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise Pep725Error(f"{path}: cannot read the sdist: {exc}") from None
    raise Pep725Error(f"{path}: the sdist has no pyproject.toml in its top folder")


@dataclass(frozen=True)
class Provider:
    """A farm wheel that satisfies some DepURLs."""

    #: the name host requirements use (``openblas``, also for its ``openblas64`` variant)
    recipe: str
    dist: str
    version: str
    summary: str
    #: the ``key`` of each DepURL it satisfies
    keys: tuple[str, ...]
    #: the recipe file that declares them
    file: str = ""


def providers(rendered: Mapping[str, Sequence[Recipe]], namespace: str) -> tuple[Provider, ...]:
    """Every variant of every recipe that satisfies a DepURL, from ``Catalog.rendered``.

    Variants that build the same distribution count once; skipped ones are left out.
    """
    # imported here: the kinds pull in the build stages, which parsing a DepURL does not need
    from farm.kinds import kind_of

    out: dict[str, Provider] = {}
    for name, variants in sorted(rendered.items()):
        for r in variants:
            if r.skip or not r.provides.depurls:
                continue
            dist = kind_of(r).dist_name(r, namespace)
            keys = tuple(dict.fromkeys(parse_depurl(u).key for u in r.provides.depurls))
            out.setdefault(dist, Provider(name, dist, r.version, r.about.summary, keys,
                                          str(r.folder / "recipe.yaml")))
    return tuple(out.values())


@dataclass(frozen=True)
class Resolved:
    """An entry and the farm wheels that satisfy it (none: unmapped)."""

    entry: Entry
    providers: tuple[Provider, ...]
    #: providers whose version is outside a concrete DepURL's range (a virtual one's version is
    #: the interface's, so it is not compared)
    too_old_or_new: tuple[Provider, ...] = ()

    @property
    def mapped(self) -> bool:
        return bool(self.providers)

    @property
    def recipes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.recipe for p in self.providers))


def resolve(external: External, farm: Sequence[Provider]) -> tuple[Resolved, ...]:
    """Map each entry of ``external`` to the farm wheels that satisfy it."""
    out = []
    for entry in external.entries:
        found = tuple(p for p in farm if entry.url.key in p.keys)
        off = () if entry.url.virtual else tuple(p for p in found if not _allows(entry.url, p.version))
        out.append(Resolved(entry, found, off))
    return tuple(out)


def _allows(url: DepURL, version: str) -> bool:
    try:
        return url.allows(version)
    except InvalidVersion:
        return True  # a version PEP 440 cannot order is not ours to judge


def missing_host(recipe: Recipe, external: External, farm: Sequence[Provider],
                 environment: Mapping[str, str] | None = None) -> tuple[Resolved, ...]:
    """The required host-requires entries that map to farm recipes none of which ``recipe`` hosts.

    Entries whose marker does not hold in ``environment``, and unmapped ones (the farm cannot
    provide them; the build finds them elsewhere or fails on its own), are not reported.
    """
    host = {h.name for h in recipe.host}
    wanted = External(external.source, tuple(e for e in external.of("host-requires") if e.applies(environment)))
    return tuple(r for r in resolve(wanted, farm) if r.mapped and not host & set(r.recipes))


def mapping_document(farm: Sequence[Provider], namespace: str, *, index_url: str | None = None) -> dict[str, Any]:
    """The farm's mapping in the external-metadata-mappings schema: one entry per (DepURL, wheel).

    Several entries with one ``id`` are alternatives (the LP64 and ILP64 OpenBLAS builds); a
    wheel's version is its upstream version, so a DepURL's range carries over unchanged.
    ``index_url`` (the farm's simple index) goes into the install commands.
    """
    extra = ["--extra-index-url", index_url] if index_url else []
    syntax = {
        # the farm's rebuilds are <upstream>.postN: an exact upstream version matches them all
        "exact_version": ["{name}=={version}.*"],
        "name_only": ["{name}"],
        "version_ranges": {"syntax": ["{name}{ranges}"], "and": ",", "equal": "=={version}.*",
                           "greater_than": ">{version}", "greater_than_equal": ">={version}",
                           "less_than": "<{version}", "less_than_equal": "<={version}"},
    }
    managers = [
        {"name": "pip", "commands": {"install": {"command": ["python", "-m", "pip", "install", *extra, "{}"]},
                                     "query": {"command": ["python", "-m", "pip", "show", "{}"]}},
         "specifier_syntax": syntax},
        {"name": "uv", "commands": {"install": {"command": ["uv", "pip", "install", *extra, "{}"]},
                                    "query": {"command": ["uv", "pip", "show", "{}"]}},
         "specifier_syntax": syntax},
    ]
    rows = sorted(((key, p) for p in farm for key in p.keys), key=lambda kp: (kp[0], kp[1].dist))
    mappings = [{"id": key, "description": p.summary, "specs": [p.dist], "extra_metadata": {"recipe": p.recipe}}
                for key, p in rows]
    return {
        "$schema": MAPPING_SCHEMA,
        "schema_version": 1,
        "name": namespace,
        "description": (f"Shared-library wheels of the {namespace} farm (generated by 'farm pep725 mapping'). "
                        "Give the farm's index next to the default one to install them."),
        "package_managers": managers,
        "mappings": mappings,
    }


def host_problem(recipe: Recipe, pyproject_text: str, source: str, namespace: str) -> str | None:
    """Why ``recipe`` cannot build the project whose pyproject.toml is ``pyproject_text`` (None: it can).

    Every required host-requires DepURL that a farm recipe satisfies must be satisfied by one of
    the recipe's ``requirements.host``; the message names the recipe file's line and what to add.
    Reads the farm's other recipes (beside ``recipe``'s folder) to know what they provide.
    """
    external = read_external(pyproject_text, source)
    if external is None:
        return None
    from farm.catalog import Catalog
    from farm.pins import load_pins
    from farm.recipe.render import read_document

    recipes = recipe.folder.parent
    catalog = Catalog(recipes, load_pins(recipes / "pins.yaml"), recipe.platform)
    missing = missing_host(recipe, external, providers(catalog.rendered, namespace))
    if not missing:
        return None
    where = read_document(recipe.folder / "recipe.yaml").where(("requirements", "host"))
    wants = "; ".join(f"{m.entry.url} ({m.entry.where}) is provided by {' or '.join(m.recipes)}" for m in missing)
    add = ", ".join(m.recipes[0] for m in missing)
    return f"{where}: add {add} to requirements.host: the sdist's [external] host-requires {wants}"
