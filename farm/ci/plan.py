"""``farm ci plan``: from a change (the files a range touches, the recipes and pins before
and after it) to what CI builds: the recipes, their dependents, the waves, the matrix.

What a change touches:

- a file in a recipe's folder: that recipe;
- a pin, an external wheel or a migration (through the pins builds see, pins.yaml with the
  running migrations laid over it): every recipe using that pin, in any ``if:`` branch;
- the toolchain or a platform policy, or farm itself (``farm/``, ``pyproject.toml``): every recipe.

Then every recipe depending on one of those, transitively, in build waves. A migration
that completes (its pin moved into pins.yaml and its file retired) changes nothing builds
see, so it plans nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.bot.facts import RecipeFacts, facts_graph, read_facts
from farm.bot.migration import effective_pins, load_migrations
from farm.buildkey import build_key
from farm.catalog import Catalog
from farm.ci.config import CiPlatform
from farm.ci.revisions import Revisions
from farm.errors import FarmError
from farm.graph import CycleError
from farm.pins import Pins, load_pins
from farm.recipe.render import RecipeDocument, discover, read_document
from farm.recipe.model import Recipe

__all__ = ["FORMAT", "Change", "CiPlan", "MatrixEntry", "PlanError", "Snapshot", "github_output", "plan_change",
           "read_snapshot", "recipe_keys"]

#: the version of the plan's JSON form
FORMAT = 1
#: paths whose change rebuilds every recipe: the tool that builds them
EVERYTHING_PATHS = ("farm/", "pyproject.toml")


class PlanError(FarmError, ValueError):
    """No plan can be made, or a plan file cannot be read."""


@dataclass(frozen=True)
class Snapshot:
    """The recipes and the pins builds see, at one revision."""

    recipes_dir: Path
    documents: Mapping[str, RecipeDocument]
    pins: Pins

    def folders(self) -> dict[str, str]:
        """Folder name below recipes/ -> the recipe's name."""
        return {doc.folder.name: name for name, doc in self.documents.items()}


def read_snapshot(recipes_dir: Path) -> Snapshot:
    """The recipes folder as builds see it (the same overlay :meth:`Catalog.from_settings` lays)."""
    docs = {d.declared_name: d for d in (read_document(f) for f in discover(recipes_dir))}
    pins = effective_pins(load_pins(recipes_dir / "pins.yaml"), load_migrations(recipes_dir / "migrations"))
    return Snapshot(recipes_dir, MappingProxyType(docs), pins)


@dataclass(frozen=True)
class Change:
    revisions: Revisions
    paths: tuple[str, ...]
    #: None when the range has no base (everything is new)
    before: Snapshot | None
    after: Snapshot


@dataclass(frozen=True)
class MatrixEntry:
    """One CI job: one recipe on one platform, in its wave."""

    wave: int
    recipe: str
    platform: str
    os: str
    arch: str
    runner: str
    image: str | None
    #: the build key over every declared input (recipe files, pins, toolchain, the dependencies' keys)
    key: str
    #: where a recipe's variants are distinct wheels (its CUDA majors, OpenBLAS's interfaces), the one
    #: this job builds, as ``farm cibw --variant`` takes it (``cuda=13``); empty: the recipe has one wheel
    variant: str = ""

    @property
    def tag(self) -> str:
        """The job's name in artifacts and folders: the recipe, and its variant where it has several."""
        return self.recipe + ("-" + self.variant.replace("=", "").replace(",", "-") if self.variant else "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"wave": self.wave, "recipe": self.recipe, "platform": self.platform, "os": self.os,
                               "arch": self.arch, "runner": self.runner, "key": self.key, "tag": self.tag}
        if self.variant:
            out["variant"] = self.variant
        if self.image:
            out["image"] = self.image
        return out


@dataclass(frozen=True)
class CiPlan:
    base: str | None
    head: str
    #: why every recipe is planned, when a change to farm, the toolchain or a platform policy says so
    everything: str | None
    #: recipe -> why it is planned (a dependent says which planned recipe it links)
    reasons: Mapping[str, tuple[str, ...]]
    waves: tuple[tuple[str, ...], ...]
    matrix: tuple[MatrixEntry, ...]
    #: (recipe, platform) pairs planned but with no variant on that platform (skip:)
    skipped: tuple[tuple[str, str], ...] = ()
    #: recipes the change deletes
    removed: tuple[str, ...] = ()
    paths: tuple[str, ...] = field(default=(), repr=False)

    @property
    def recipes(self) -> tuple[str, ...]:
        return tuple(n for wave in self.waves for n in wave)

    def entries(self, wave: int) -> tuple[MatrixEntry, ...]:
        return tuple(e for e in self.matrix if e.wave == wave)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "base": self.base,
            "head": self.head,
            "everything": self.everything,
            "recipes": list(self.recipes),
            "waves": [list(w) for w in self.waves],
            "reasons": {k: list(v) for k, v in self.reasons.items()},
            "matrix": [e.to_json() for e in self.matrix],
            "skipped": [{"recipe": r, "platform": p} for r, p in self.skipped],
            "removed": list(self.removed),
        }

    @classmethod
    def from_json(cls, data: object, source: str) -> CiPlan:
        """A plan written by :meth:`to_json`; raises :class:`PlanError` naming ``source`` and the field."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PlanError(f"{source}: not a farm CI plan of format {FORMAT}; write one with 'farm ci plan BASE..HEAD'")
        try:
            waves = tuple(tuple(str(n) for n in w) for w in data["waves"])
            matrix = tuple(
                MatrixEntry(int(e["wave"]), str(e["recipe"]), str(e["platform"]), str(e["os"]), str(e["arch"]),
                            str(e["runner"]), e.get("image"), str(e["key"]), str(e.get("variant", "")))
                for e in data["matrix"]
            )
            plan = cls(
                base=data.get("base"), head=str(data["head"]), everything=data.get("everything"),
                reasons=MappingProxyType({str(k): tuple(v) for k, v in data.get("reasons", {}).items()}),
                waves=waves, matrix=matrix,
                skipped=tuple((str(s["recipe"]), str(s["platform"])) for s in data.get("skipped", [])),
                removed=tuple(data.get("removed", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"{source}: malformed plan ({type(exc).__name__}: {exc}); write it again with "
                            "'farm ci plan'") from None
        for e in plan.matrix:
            if not 1 <= e.wave <= len(plan.waves) or e.recipe not in plan.waves[e.wave - 1]:
                raise PlanError(f"{source}: matrix entry {e.recipe} on {e.platform} is not in wave {e.wave} of the plan")
        return plan


# -- what a change touches ------------------------------------------------------------------


def _pin_users(facts: Mapping[str, RecipeFacts], documents: Mapping[str, RecipeDocument], pin: str) -> set[str]:
    """Recipes linking ``pin`` (any branch) or naming ``pins.<pin>`` in a substitution."""
    named = re.compile(r"\bpins\s*(?:\.\s*" + re.escape(pin) + r"\b|\[\s*['\"]" + re.escape(pin) + r"['\"]\s*\])")
    users = {n for n, f in facts.items() if pin in f.host}
    for name, doc in documents.items():
        if named.search(doc.file.read_text(encoding="utf-8")):
            users.add(name)
    return users


def _differs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _everything(change: Change) -> str | None:
    farm_paths = [p for p in change.paths if p.startswith(EVERYTHING_PATHS[0]) or p in EVERYTHING_PATHS[1:]]
    if farm_paths:
        return f"farm itself changed ({', '.join(farm_paths[:3])}{', ...' if len(farm_paths) > 3 else ''})"
    if change.before is None:
        return "no base revision: every recipe is new"
    before, after = change.before.pins, change.after.pins
    if keys := _differs(before.toolchain, after.toolchain):
        return f"the toolchain changed ({', '.join(keys)})"
    if keys := _differs(before.platforms, after.platforms):
        return f"the platform policy changed ({', '.join(keys)})"
    return None


def _touched(change: Change, facts: Mapping[str, RecipeFacts]) -> tuple[dict[str, list[str]], list[str]]:
    """Recipes the change touches directly, each with its reasons; and the recipes it removes."""
    reasons: dict[str, list[str]] = {}
    folders_after = change.after.folders()
    folders_before = change.before.folders() if change.before else {}
    removed: set[str] = set()
    for path in change.paths:
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "recipes" or parts[1] == "migrations":
            continue
        if parts[1] in folders_after:
            reasons.setdefault(folders_after[parts[1]], []).append(f"{path} changed")
        elif parts[1] in folders_before:
            removed.add(folders_before[parts[1]])
    if change.before is not None:
        before, after = change.before.pins, change.after.pins
        moved = {k: (before.pins.get(k), after.pins.get(k)) for k in _differs(before.pins, after.pins)}
        moved.update({k: (str(before.external[k].version) if k in before.external else None,
                          str(after.external[k].version) if k in after.external else None)
                      for k in _differs(before.external, after.external)})
        for pin, (old, new) in sorted(moved.items()):
            for user in sorted(_pin_users(facts, change.after.documents, pin)):
                reasons.setdefault(user, []).append(f"the {pin} pin changed ({old or 'none'} -> {new or 'none'})")
    return reasons, sorted(removed - set(folders_after.values()))


# -- keys and the matrix --------------------------------------------------------------------


def recipe_keys(catalog: Catalog, names: Iterable[str], namespace: str) -> dict[str, str]:
    """The build key of each recipe on ``catalog``'s platform over every declared input.

    Each variant's key is :func:`farm.buildkey.build_key` with the dependencies' own keys
    standing for their wheels (which do not exist yet when CI plans), so a change anywhere
    below a recipe changes its key. Compilers are the runner's and are not part of it.
    """
    keys: dict[str, str] = {}

    def key(name: str, trail: tuple[str, ...]) -> str:
        if name in keys:
            return keys[name]
        if name in trail:
            raise PlanError(f"dependency cycle: {' -> '.join((*trail, name))}; remove one of these host requirements")
        parts: list[str] = []
        for recipe in catalog.variants_of(name):
            deps = {}
            for req in recipe.host:
                if req.name in catalog.documents:
                    deps[req.name] = key(req.name, (*trail, name))
                elif req.name in catalog.pins.external:
                    deps[req.name] = catalog.pins.external[req.name].version
            digest, _ = build_key(recipe, namespace=namespace, dependency_wheels=deps,
                                  toolchain=catalog.pins.toolchain, tools={})
            parts.append(digest)
        keys[name] = hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
        return keys[name]

    for n in names:
        key(n, ())
    return keys


def _wheels(variants: Sequence[Recipe]) -> list[str]:
    """One ``--variant`` per distinct wheel among a recipe's variants (``[""]`` when it makes one).

    Variants of one distribution (a Python package's CPythons) are one job, which cibuildwheel
    splits itself; variants that are distinct wheels (``<name>-cu12``, ``-cu13``) are one job each.
    """
    by_package: dict[str, Recipe] = {}
    for r in variants:
        if not r.skip:
            by_package.setdefault(r.package, r)
    if len(by_package) <= 1:
        return [""]
    return [",".join(f"{k}={v}" for k, v in sorted(r.variant.items()) if k != "python") for r in by_package.values()]


def _matrix(snapshot: Snapshot, waves: Sequence[Sequence[str]], platforms: Sequence[CiPlatform],
            namespace: str) -> tuple[list[MatrixEntry], list[tuple[str, str]]]:
    entries: list[MatrixEntry] = []
    skipped: list[tuple[str, str]] = []
    planned = [n for w in waves for n in w]
    for ci in platforms:
        catalog = Catalog(snapshot.recipes_dir, snapshot.pins, ci.platform)
        keys = recipe_keys(catalog, planned, namespace)
        for number, wave in enumerate(waves, 1):
            for name in wave:
                if all(r.skip for r in catalog.variants_of(name)):
                    skipped.append((name, ci.name))
                    continue
                for variant in _wheels(catalog.variants_of(name)):
                    entries.append(MatrixEntry(number, name, ci.name, ci.platform.os, ci.platform.arch, ci.runner,
                                               ci.image, keys[name], variant))
    entries.sort(key=lambda e: (e.wave, e.recipe, e.platform))
    return entries, sorted(skipped)


def plan_change(change: Change, platforms: Sequence[CiPlatform], namespace: str) -> CiPlan:
    """What CI builds for ``change`` on ``platforms``."""
    after = change.after
    reference = platforms[0].platform if platforms else None
    if reference is None:
        raise PlanError("ci/platforms.yaml names no platform; CI has nowhere to build")
    facts = read_facts(after.documents, after.pins, reference)
    broken = {n: f.error for n, f in facts.items() if f.error}
    everything = _everything(change)
    reasons, removed = _touched(change, facts)
    if everything:
        reasons = {n: [everything, *reasons.get(n, [])] for n in after.documents}
    graph = facts_graph(facts)
    planned: set[str] = set(reasons)
    for name in sorted(reasons):
        for dependent in graph.dependents(name, transitive=True):
            planned.add(dependent)
            reasons.setdefault(dependent, [])
    for name in planned:
        if name in broken:
            raise PlanError(f"{broken[name]}")
    for name in sorted(planned):
        links = [d for d in graph.dependencies(name) if d in planned]
        reasons[name].extend(f"links {d}, which is rebuilt" for d in links)
    try:
        waves = graph.waves(only=planned) if planned else []
    except CycleError as exc:
        raise PlanError(str(exc)) from None
    matrix, skipped = _matrix(after, waves, platforms, namespace)
    return CiPlan(
        base=change.revisions.base, head=change.revisions.head, everything=everything,
        reasons=MappingProxyType({n: tuple(reasons[n]) for w in waves for n in w}),
        waves=tuple(tuple(w) for w in waves), matrix=tuple(matrix), skipped=tuple(skipped),
        removed=tuple(removed), paths=change.paths,
    )


def github_output(plan: CiPlan, waves: int) -> str:
    """``$GITHUB_OUTPUT`` lines: ``count``, and ``wave1`` .. ``waveN`` as matrices (empty when none).

    ``waves`` is how many wave jobs the workflow has; a plan needing more is an error, since
    its last waves would never run.
    """
    if len(plan.waves) > waves:
        raise PlanError(f"the plan has {len(plan.waves)} waves but the workflows run {waves}; run 'farm ci render' "
                        "and commit .github/workflows/")
    lines = [f"count={len(plan.matrix)}"]
    for n in range(1, waves + 1):
        entries = plan.entries(n)
        value = json.dumps({"include": [e.to_json() for e in entries]}, separators=(",", ":")) if entries else ""
        lines.append(f"wave{n}={value}")
    return "\n".join(lines) + "\n"
