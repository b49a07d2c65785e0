"""What each bot PR changes and says: branch names, file edits, titles and bodies.

Everything here is computed from text already read (the base branch's files) and values
already decided; the only side effect is the injected download that hashes a new release.
Branch names are deterministic — one per (migration, recipe), one per recipe's version
update, one per migration's completion — which is what makes every run idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from farm.bot.edits import (
    EditError,
    migration_edit,
    set_build_number,
    set_host_bound,
    set_in_mapping,
    set_scalar,
    set_version,
)
from farm.bot.facts import RecipeFacts
from farm.bot.forge import BOT_PREFIX, FileChange, write_meta
from farm.bot.migration import RETIRED, Migration
from farm.bot.versions import Download, Found, VersionCheckError, sha256_of
from farm.locate import YamlError, load_yaml
from farm.pins import Pins
from farm.platforms import Platform
from farm.recipe.render import RecipeDocument, RecipeError, render
from farm.recipe.schema import is_condition

__all__ = [
    "BranchRef",
    "Proposal",
    "completion_branch",
    "completion_proposal",
    "meta_version",
    "migration_branch",
    "migration_proposal",
    "parse_branch",
    "update_branch",
    "update_proposal",
]


@dataclass(frozen=True)
class Proposal:
    """One PR's worth of change."""

    branch: str
    title: str
    body: str
    message: str
    changes: tuple[FileChange, ...]


@dataclass(frozen=True)
class BranchRef:
    kind: str  # migration | update | complete
    scope: str  # the migration id, or "update"
    recipe: str


def migration_branch(migration: str, recipe: str) -> str:
    return f"{BOT_PREFIX}migrate/{migration}/{recipe}"


def update_branch(recipe: str) -> str:
    return f"{BOT_PREFIX}update/{recipe}"


def completion_branch(migration: str) -> str:
    return f"{BOT_PREFIX}complete/{migration}"


_BRANCH = re.compile(rf"^{re.escape(BOT_PREFIX)}(?:migrate/(?P<mid>[^/]+)/(?P<recipe>[^/]+)"
                     r"|update/(?P<urecipe>[^/]+)|complete/(?P<cid>[^/]+))$")


def parse_branch(head: str) -> BranchRef | None:
    m = _BRANCH.match(head)
    if m is None:
        return None
    if m.group("mid"):
        return BranchRef("migration", m.group("mid"), m.group("recipe"))
    if m.group("urecipe"):
        return BranchRef("update", "update", m.group("urecipe"))
    return BranchRef("complete", m.group("cid"), "")


def _mentions(maintainers: Sequence[str]) -> str:
    return "cc " + " ".join(f"@{h.lstrip('@')}" for h in maintainers) if maintainers else ""


def _body(*parts: str, meta: dict[str, Any]) -> str:
    return "\n\n".join(p for p in parts if p) + "\n\n" + write_meta(meta) + "\n"


def migration_proposal(migration: Migration, recipe: RecipeFacts, path: str, text: str, dist: str,
                       target: Version, wave: int) -> Proposal:
    """Bump the build number (plus explicit host bounds and variant values) of one recipe."""
    new = migration_edit(text, bump=migration.bump_number, pins=migration.pins, variants=migration.variants,
                         what=path)
    changed = [f"build number {recipe.build_number} -> {recipe.build_number + migration.bump_number}"]
    changed += [f"host bound on {n} -> {v}" for n, v in migration.pins.items()
                if set_host_bound(text, n, v, path) is not None]
    changed += [f"variant {a}: adds {', '.join(vs)}" for a, vs in migration.variants.items()
                if a in recipe.variant_axes]
    body = _body(
        f"**Migration `{migration.id}`**: {migration.summary}",
        f"This rebuilds **{recipe.name}** (wave {wave}): " + "; ".join(changed) +
        f", so the index gets `{dist} {target}`. Every affected recipe it links against is already "
        "published in the index.",
        f"- The bot counts {recipe.name} as done once `{dist} {target}` is in the index, then opens the PRs "
        f"that wait on it.\n- Not ready for this change? Add `{recipe.name}` to `exclude:` in "
        f"`{migration.file.name}` and close this PR.",
        _mentions(recipe.maintainers),
        meta={"kind": "migration", "migration": migration.id, "recipe": recipe.name, "target": str(target)},
    )
    subject = migration.commit_subject(recipe.name)
    return Proposal(
        branch=migration_branch(migration.id, recipe.name),
        title=f"{recipe.name}: rebuild for {migration.id}",
        body=body,
        message=f"{subject}\n\nFarm-Bot: migration {migration.id}",
        changes=(FileChange(path, new),),
    )


def completion_proposal(migration: Migration, pins_path: str, pins_text: str, migration_path: str,
                        migration_text: str, members: int, pins: Pins) -> Proposal:
    """Land the change in pins.yaml and retire the migration file."""
    out = pins_text
    lines = []
    for name, version in migration.pins.items():
        if name in pins.external:
            out = set_in_mapping(out, ("external", name), "version", version, pins_path).text
            lines.append(f"- external.{name}.version: {pins.external[name].version} -> {version}")
        else:
            out = set_in_mapping(out, ("pins",), name, version, pins_path).text
            lines.append(f"- pins.{name}: {pins.pins.get(name, '(new)')} -> {version}")
    for key, value in migration.toolchain.items():
        out = set_in_mapping(out, ("toolchain",), key, value, pins_path).text
        lines.append(f"- toolchain.{key}: {pins.toolchain.get(key, '(new)')} -> {value}")
    for plat, policy in migration.platforms.items():
        out = set_in_mapping(out, ("platforms", plat), "policy", policy, pins_path).text
        old = pins.platforms[plat].policy if plat in pins.platforms else "(new)"
        lines.append(f"- platforms.{plat}.policy: {old} -> {policy}")
    if migration.variants:
        lines.append("- variants: already added to each recipe by its own PR")
    retired = str(Path(migration_path).parent / RETIRED / Path(migration_path).name)
    changes = [FileChange(migration_path, None), FileChange(retired, migration_text)]
    if out != pins_text:
        changes.insert(0, FileChange(pins_path, out))
    body = _body(
        f"**Migration `{migration.id}` is complete**: all {members} affected recipe(s) are published in the index.",
        f"This moves the change into `{pins_path}` and retires `{migration_path}` to `{retired}`:\n"
        + "\n".join(lines),
        meta={"kind": "complete", "migration": migration.id},
    )
    return Proposal(
        branch=completion_branch(migration.id),
        title=f"Complete migration {migration.id}",
        body=body,
        message=f"Complete migration {migration.id}\n\n{migration.summary}\n\nFarm-Bot: complete {migration.id}",
        changes=tuple(changes),
    )


def update_proposal(recipe: RecipeFacts, path: str, text: str, found: Found, pins: Pins, platform: Platform,
                    download: Download) -> Proposal:
    """Set the new version, the sha256 of every artifact that has a URL, and build number 0."""
    new = set_version(text, str(found.version), path).text
    new = set_build_number(new, 0, path).text
    try:
        doc = RecipeDocument(Path(path), load_yaml(new, Path(path)))
        rendered = render(doc, pins, platform)
    except (YamlError, RecipeError) as exc:
        raise EditError(f"{path}: the recipe does not render at {found.version}: {exc}") from None
    raw_sources = doc.data.get("source", [])
    if any(is_condition(s) for s in raw_sources):
        raise EditError(f"{path}: sources are conditional; update version and sha256 by hand")
    hashed: list[str] = []
    stale: list[str] = []
    for i, artifact in enumerate(rendered.sources):
        for j, origin in enumerate(artifact.origins):
            where: tuple[str | int, ...] = ("source", i, "sha256") if j == 0 else \
                ("source", i, "alternatives", j - 1, "sha256")
            if origin.url is None:
                stale.append(origin.describe())
                continue
            try:
                digest = sha256_of(origin.url, download)
            except VersionCheckError as exc:
                raise EditError(f"cannot hash {recipe.name} {found.version}: {exc}") from None
            new = set_scalar(new, where, digest, path).text
            hashed.append(f"  - `{origin.url}`: `{digest}`")
    notes = [f"- version: {recipe.version} -> {found.version}",
             "- sha256 of each artifact, downloaded and hashed by the bot:\n" + "\n".join(hashed),
             f"- build number: {recipe.build_number} -> 0"]
    if stale:
        notes.append("- **not refreshed** (the bot cannot fetch these; check their sha256 or remove them): "
                     + ", ".join(f"`{s}`" for s in stale))
    body = _body(
        f"**{recipe.name} {found.version}** is out (found in {found.source}); the recipe has {recipe.version}.",
        "\n".join(notes),
        _mentions(recipe.maintainers),
        meta={"kind": "update", "recipe": recipe.name, "version": str(found.version)},
    )
    return Proposal(
        branch=update_branch(recipe.name),
        title=f"{recipe.name}: update to {found.version}",
        body=body,
        message=f"{recipe.name}: update to {found.version}\n\nFarm-Bot: update {recipe.name}",
        changes=(FileChange(path, new),),
    )


def meta_version(meta: Mapping[str, Any], key: str) -> Version | None:
    """A version recorded in a PR's metadata line, None when absent or unreadable."""
    try:
        return Version(str(meta[key]))
    except (KeyError, InvalidVersion):
        return None
