"""Migrations: one strictly validated YAML file per running migration.

A migration changes what recipes build against — a library pin or ABI (``pins``), the
toolchain (``toolchain``), a platform policy (``platforms``) — or adds a variant value
(``variants``). Every key is checked: a misspelt one is an error at its line with a
did-you-mean, never silently ignored. A completed migration's file moves to
``recipes/migrations/retired/`` so later migrations can ``wait_for`` it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from packaging.version import InvalidVersion, Version

from farm.bot.facts import RecipeFacts
from farm.errors import FarmError
from farm.locate import Located, Path_, YamlError, load_yaml
from farm.pins import Pins, PlatformPolicy
from farm.recipe.schema import Bool, Int, ListOf, MapOf, Obj, Scalar, Str, validate
from farm.tools import BUILD_TOOLS

__all__ = [
    "MIGRATION_SCHEMA",
    "RETIRED",
    "Change",
    "Draft",
    "Migration",
    "MigrationError",
    "check_migration",
    "draft_migration",
    "effective_pins",
    "load_migration",
    "load_migrations",
    "retired_ids",
]

RETIRED = "retired"
_ID = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")

MIGRATION_SCHEMA = Obj(
    {
        "schema_version": Int("migration format version (1)", minimum=1),
        "id": Str("the migration's id: the file name without .yaml"),
        "summary": Str("one line, used in PR titles and on the status page"),
        "created": Str("ISO date the migration was drafted; older migrations are worked on first"),
        "pins": MapOf(Scalar(), "library -> the version (or ABI) dependents now build against"),
        "toolchain": MapOf(Scalar(), "toolchain key -> new value, e.g. c_compiler_version: '13'"),
        "platforms": MapOf(
            Obj({"policy": Str("the new platform policy, e.g. manylinux_2_28")}, required=frozenset({"policy"})),
            "platform -> its new policy",
        ),
        "variants": MapOf(ListOf(Scalar(), min_items=1), "variant axis -> values to add, e.g. cuda: ['13']"),
        "wait_for": ListOf(Str(), "migrations that must complete (be retired) before this one opens PRs"),
        "paused": Bool("open no new PRs; the status page keeps updating"),
        "exclude": ListOf(Str(), "recipes this migration leaves alone"),
        "pr_limit": Int("the most new PRs per run once slow start has grown (default 20)", minimum=1),
        "bump_number": Int("how much each recipe's build number grows (default 1)", minimum=1),
        "commit_message": Str("the commit message of each recipe's change"),
    },
    required=frozenset({"schema_version", "summary"}),
    doc="a migration: what changes, and how the bot walks it through the recipes",
)

_CHANGE_KEYS = ("pins", "toolchain", "platforms", "variants")


class MigrationError(FarmError, ValueError):
    """A migration file is invalid; ``problems`` holds every one, each starting with file:line:col."""

    def __init__(self, problems: Sequence[str]) -> None:
        more = f" (and {len(problems) - 1} more; 'farm migrate check' lists them all)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Migration:
    id: str
    file: Path
    summary: str
    created: str = ""
    pins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    toolchain: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    platforms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    wait_for: tuple[str, ...] = ()
    paused: bool = False
    exclude: frozenset[str] = frozenset()
    pr_limit: int = 20
    bump_number: int = 1
    commit_message: str = ""
    located: Located | None = field(default=None, compare=False, repr=False)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in _CHANGE_KEYS if getattr(self, k))

    def where(self, path: Path_, at_key: bool = False) -> str:
        locs = self.located.locations if self.located else None
        pos = (locs.key(path) if at_key else locs.of(path)) if locs else None
        return f"{self.file}:{pos.line}:{pos.col}" if pos else str(self.file)

    def affects(self, recipe: RecipeFacts) -> bool:
        """Does this migration rebuild ``recipe``? (Exclusions are applied by the caller's scope.)"""
        if self.pins and recipe.host & self.pins.keys():
            return True
        if self.variants and recipe.variant_axes.keys() & self.variants.keys():
            return True
        if self.platforms:
            return True
        for key in self.toolchain:
            tools = [t.name for t in BUILD_TOOLS.values() if t.toolchain_key and key.startswith(t.toolchain_key)]
            if not tools or recipe.build & set(tools):
                return True
        return False

    def commit_subject(self, recipe: str) -> str:
        return self.commit_message or f"{recipe}: rebuild for migration {self.id}"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_migration(file: Path) -> Migration:
    """Load and strictly validate one migration file. Raises :class:`MigrationError`."""
    try:
        located = load_yaml(file.read_text(encoding="utf-8"), file)
    except OSError as exc:
        raise MigrationError([f"{file}: cannot read: {exc}"]) from None
    except YamlError as exc:
        raise MigrationError([f"{file}:{exc.position.line}:{exc.position.col}: {exc}"]) from None
    data = located.data
    if not isinstance(data, dict):
        raise MigrationError([f"{file}:1:1: a migration is a YAML mapping with schema_version, summary and a change"])
    locs = located.locations
    problems: list[str] = []
    if isinstance(data.get("created"), (date, datetime)):
        data["created"] = data["created"].isoformat()  # an unquoted YAML date is fine too

    def add(path: Path_, message: str, at_key: bool = False) -> None:
        pos = locs.key(path) if at_key else locs.of(path)
        problems.append(f"{file}:{pos.line}:{pos.col}: {message}")

    for path, _ in locs.duplicates:
        add(path, f"key {path[-1]!r} appears twice", at_key=True)
    for v in validate(MIGRATION_SCHEMA, data):
        add(v.path, v.message, v.at_key)
    stem = file.name.rsplit(".", 1)[0]
    mid = data.get("id", stem)
    if isinstance(mid, str) and mid != stem:
        add(("id",), f"id {mid!r} differs from the file name {stem!r}; rename one so they match")
    if not _ID.match(stem):
        add((), f"file name {stem!r} must be lower-case letters, digits and . _ + - (it names git branches)")
    for name, value in (data.get("pins") or {}).items() if isinstance(data.get("pins"), dict) else ():
        try:
            Version(_scalar(value))
        except InvalidVersion:
            add(("pins", name), f"pin {name}: {value!r} is not a version (PEP 440), e.g. '1.3.1'")
    if not any(data.get(k) for k in _CHANGE_KEYS):
        add((), f"a migration changes something: add one of {', '.join(_CHANGE_KEYS)}")
    if problems:
        raise MigrationError(problems)
    return Migration(
        id=stem,
        file=file,
        summary=str(data["summary"]),
        created=_scalar(data.get("created", "")),
        pins=MappingProxyType({str(k): _scalar(v) for k, v in data.get("pins", {}).items()}),
        toolchain=MappingProxyType({str(k): _scalar(v) for k, v in data.get("toolchain", {}).items()}),
        platforms=MappingProxyType({str(k): str(v["policy"]) for k, v in data.get("platforms", {}).items()}),
        variants=MappingProxyType({str(k): tuple(_scalar(x) for x in v) for k, v in data.get("variants", {}).items()}),
        wait_for=tuple(data.get("wait_for", ())),
        paused=bool(data.get("paused", False)),
        exclude=frozenset(data.get("exclude", ())),
        pr_limit=int(data.get("pr_limit", 20)),
        bump_number=int(data.get("bump_number", 1)),
        commit_message=str(data.get("commit_message", "")),
        located=located,
    )


def _migration_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_migrations(folder: Path) -> tuple[Migration, ...]:
    """Every active migration (``retired/`` excluded), oldest first; all files' problems at once."""
    found: list[Migration] = []
    problems: list[str] = []
    for file in _migration_files(folder):
        try:
            found.append(load_migration(file))
        except MigrationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise MigrationError(problems)
    return tuple(sorted(found, key=lambda m: (m.created, m.id)))


def retired_ids(folder: Path) -> frozenset[str]:
    return frozenset(p.name.rsplit(".", 1)[0] for p in _migration_files(folder / RETIRED))


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {found[0]!r}?" if found else ""


def check_migration(migration: Migration, facts: Mapping[str, RecipeFacts], pins: Pins,
                    migration_ids: Iterable[str]) -> list[str]:
    """What the file names that does not exist (a recipe, a pin, a migration), each at its line."""
    problems: list[str] = []
    known_pins = set(facts) | set(pins.pins) | set(pins.external)
    for name in migration.pins:
        if name not in known_pins:
            problems.append(f"{migration.where(('pins', name), True)}: {name!r} is neither a recipe nor a pinned or "
                            f"external library{_did_you_mean(name, known_pins)}")
    excluded = migration.located.data.get("exclude", []) if migration.located else sorted(migration.exclude)
    for i, name in enumerate(excluded):
        if name not in facts:
            problems.append(f"{migration.where(('exclude', i))}: no recipe named {name!r}{_did_you_mean(name, facts)}")
    ids = set(migration_ids)
    for i, other in enumerate(migration.wait_for):
        if other not in ids:
            problems.append(f"{migration.where(('wait_for', i))}: no migration named {other!r} (active or retired)"
                            f"{_did_you_mean(other, ids)}")
    for axis in migration.variants:
        if not any(axis in f.variant_axes for f in facts.values()):
            axes = {a for f in facts.values() for a in f.variant_axes}
            problems.append(f"{migration.where(('variants', axis), True)}: no recipe has a variant axis {axis!r}"
                            f"{_did_you_mean(axis, axes)}")
    return problems


def effective_pins(pins: Pins, migrations: Iterable[Migration]) -> Pins:
    """The pins a build sees while ``migrations`` run: each one's changes laid over pins.yaml.

    A rebuild opened by a migration must build against the new pin before the pin lands in
    ``recipes/pins.yaml``; the build pipeline applies this overlay. Deleting a migration file
    therefore reverts it completely.
    """
    new_pins, toolchain, platforms = dict(pins.pins), dict(pins.toolchain), dict(pins.platforms)
    for m in migrations:
        new_pins.update(m.pins)
        toolchain.update(m.toolchain)
        for plat, policy in m.platforms.items():
            old = platforms.get(plat, PlatformPolicy())
            platforms[plat] = PlatformPolicy(policy, old.allowed_libraries)
    return replace(pins, pins=MappingProxyType(new_pins), toolchain=MappingProxyType(toolchain),
                   platforms=MappingProxyType(platforms))


# --- drafting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What ``farm migrate new`` was asked to change."""

    pins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    toolchain: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    platforms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Draft:
    id: str
    text: str

    @property
    def file_name(self) -> str:
        return f"{self.id}.yaml"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+]+", "-", text.lower()).strip("-")


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draft_migration(change: Change, pins: Pins, facts: Mapping[str, RecipeFacts], today: date,
                    migration_id: str | None = None) -> Draft:
    """The text of a new migration file for ``change``, with every optional key shown commented."""
    problems: list[str] = []
    parts: list[str] = []
    what: list[str] = []
    known_pins = set(facts) | set(pins.pins) | set(pins.external)
    for name, version in change.pins.items():
        old = pins.pins.get(name) or (pins.external[name].version if name in pins.external else None)
        if name not in known_pins:
            problems.append(f"--pin {name}: no recipe or pinned library named {name!r}{_did_you_mean(name, known_pins)}")
        elif old == version:
            problems.append(f"--pin {name}={version}: the pin already is {version}; nothing to migrate")
        parts.append(f"{name}-{version}")
        what.append(f"{name} {version}" + (f" (was {old})" if old else ""))
    for key, value in change.toolchain.items():
        if key not in pins.toolchain and not any(t.toolchain_key and key.startswith(t.toolchain_key)
                                                 for t in BUILD_TOOLS.values()):
            problems.append(f"--toolchain {key}: not a toolchain key{_did_you_mean(key, pins.toolchain)}")
        parts.append(f"{key}-{value}")
        what.append(f"{key} {value}" + (f" (was {pins.toolchain[key]})" if key in pins.toolchain else ""))
    for plat, policy in change.platforms.items():
        if plat not in pins.platforms:
            problems.append(f"--policy {plat}: no platform named {plat!r}{_did_you_mean(plat, pins.platforms)}")
        parts.append(f"{plat}-{policy}")
        what.append(f"{policy} on {plat}")
    for axis, values in change.variants.items():
        axes = {a for f in facts.values() for a in f.variant_axes}
        if axis not in axes:
            problems.append(f"--variant {axis}: no recipe has a variant axis {axis!r}{_did_you_mean(axis, axes)}")
        parts.append(f"{axis}-{'-'.join(values)}")
        what.append(f"{axis} {', '.join(values)} variants")
    if not parts:
        problems.append("say what changes: --pin NAME=VERSION, --toolchain KEY=VALUE, --policy PLATFORM=POLICY "
                        "or --variant AXIS=VALUE")
    mid = migration_id or _slug("+".join(parts))
    if parts and not _ID.match(mid):
        problems.append(f"--id {mid!r}: use lower-case letters, digits and . _ + -")
    if problems:
        raise MigrationError(problems)

    lines = [
        "# A migration: the bot rebuilds every affected recipe in dependency order, one PR per",
        "# recipe, opening a recipe's PR once its affected parents are published in the index.",
        "# When every recipe is done it moves the change into recipes/pins.yaml and retires this",
        "# file to recipes/migrations/retired/. Keys are checked strictly; see docs/bot.md.",
        "schema_version: 1",
        f"id: {mid}",
        f"summary: {_q('Rebuild against ' + ', '.join(what))}",
        f"created: {_q(today.isoformat())}",
    ]
    for key, mapping in (("pins", change.pins), ("toolchain", change.toolchain)):
        if mapping:
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {_q(v)}" for k, v in mapping.items())
    if change.platforms:
        lines.append("platforms:")
        for plat, policy in change.platforms.items():
            lines += [f"  {plat}:", f"    policy: {_q(policy)}"]
    if change.variants:
        lines.append("variants:")
        lines.extend(f"  {axis}: [{', '.join(_q(v) for v in values)}]" for axis, values in change.variants.items())
    lines += [
        "# paused: true        # open no new PRs (the status page keeps updating)",
        "# exclude: []         # recipes to leave alone",
        "# wait_for: []        # migrations that must complete first",
        "pr_limit: 20          # new PRs per run once slow start (2, 5, 10, ...) has grown",
        "bump_number: 1",
    ]
    return Draft(mid, "\n".join(lines) + "\n")
