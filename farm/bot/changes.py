"""What each bot PR changes and says: branch names, file edits, titles and bodies.

Everything here is computed from text already read (the base branch's files) and values
already decided; the only side effect is the injected download that hashes a new release.
Branch names are deterministic — one per (migration, recipe), one per recipe's version
update, one per migration's completion — which is what makes every run idempotent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from farm.abi import pin_range
from farm.bot.edits import (
    EditError,
    drop_build_history,
    migration_edit,
    replace_item,
    set_build_number,
    set_host_bound,
    set_in_mapping,
    set_scalar,
    set_version,
)
from farm.bot.facts import RecipeFacts
from farm.bot.forge import BOT_PREFIX, FileChange, write_meta
from farm.bot.migration import RETIRED, Change, Draft, Migration, MigrationError, draft_migration
from farm.bot.versions import DebianOrig, Download, Found, VersionCheckError, sha256_of
from farm.errors import FarmError
from farm.locate import YamlError, load_yaml
from farm.pins import Pins
from farm.platforms import Platform
from farm.recipe.model import Artifact, Recipe
from farm.recipe.render import RecipeDocument, RecipeError, render
from farm.recipe.schema import is_condition

#: (project, file name) -> the file's download URL on the package index
PypiFileUrl = Callable[[str, str], str]

__all__ = [
    "PypiFileUrl",
    "AbiContext",
    "BranchRef",
    "Proposal",
    "abi_crossing",
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


@dataclass(frozen=True)
class AbiContext:
    """What a version bump needs for the library's ABI: a migration when it crosses the boundary,
    the pin's move when it stays inside."""

    #: the migrations folder, relative to the repository (``recipes/migrations``)
    folder: str
    #: recipes that link the library (it is in their host requirements)
    dependents: tuple[str, ...]
    today: date
    facts: Mapping[str, RecipeFacts]
    #: the library's distribution (``wheelfarm-gdal``)
    dist: str
    #: migration ids already used (active and retired)
    existing: frozenset[str] = frozenset()
    #: ``pins.yaml`` (relative path and text on the base branch): a bump inside the ABI range
    #: moves the library's pin there with it, so that dependents build against the new release
    pins_file: str | None = None
    pins_text: str = ""
    #: libraries an active migration pins: their pin moves only when that migration completes
    migrating: frozenset[str] = frozenset()


def abi_crossing(old: Recipe, new: Recipe) -> str | None:
    """Why a bump from ``old`` to ``new`` breaks dependents' ABI (a new soname, or past ``max_pin``); None inside it."""
    added = sorted(set(new.provides.sonames) - set(old.provides.sonames))
    if added:
        return f"it provides a new soname ({', '.join(added)})"
    try:
        allowed = pin_range(old.version, old.max_pin)
        if Version(new.version) in SpecifierSet(allowed):
            return None
    except (InvalidVersion, ValueError):
        return f"{new.version} cannot be compared with {old.version}'s ABI range"
    return f"{new.version} is past the ABI range dependents pin ({allowed}, max_pin {old.max_pin})"


def _origin_path(i: int, j: int) -> tuple[str | int, ...]:
    return ("source", i) if j == 0 else ("source", i, "alternatives", j - 1)


def _tar_suffix(name: str) -> str:
    m = re.search(r"\.tar(\.[A-Za-z0-9]+)?$", name)
    return m.group(0) if m else ""


@dataclass(frozen=True)
class _Sources:
    text: str
    hashed: tuple[str, ...]
    stale: tuple[str, ...]
    notes: tuple[str, ...]


def _hash_urls(text: str, sources: Sequence[Artifact], skip: int, path: str, name: str, version: str,
               download: Download, pypi_file_url: PypiFileUrl | None = None) -> _Sources:
    """The sha256 of every URL origin (artifact ``skip`` aside), downloaded and hashed; a package
    index's file (``pypi:``) too, by the URL its project page gives, where ``pypi_file_url`` is set."""
    hashed: list[str] = []
    stale: list[str] = []
    for i, artifact in enumerate(sources):
        if i == skip:
            continue
        for j, origin in enumerate(artifact.origins):
            url = origin.url
            if url is None and origin.pypi_project and origin.pypi_file and pypi_file_url is not None:
                try:
                    url = pypi_file_url(origin.pypi_project, origin.pypi_file)
                except FarmError as exc:
                    raise EditError(f"cannot hash {name} {version}: {exc}") from None
            if url is None:
                stale.append(origin.describe())
                continue
            try:
                digest = sha256_of(url, download)
            except VersionCheckError as exc:
                raise EditError(f"cannot hash {name} {version}: {exc}") from None
            text = set_scalar(text, (*_origin_path(i, j), "sha256"), digest, path).text
            hashed.append(f"  - `{origin.describe()}`: `{digest}`")
    return _Sources(text, tuple(hashed), tuple(stale), ())


def _debian_sources(text: str, doc: RecipeDocument, sources: Sequence[Artifact], orig: DebianOrig, path: str,
                    name: str, version: str, download: Download) -> _Sources:
    """Carry Debian's orig tarball into the recipe: its file, suite and sha256; upstream's URL where it is the same file.

    Where Debian repacked the release, upstream's tarball is another file whose sha256 the
    archive does not give: the Debian origin becomes the artifact's source and the upstream
    URL stays as a comment beside it.
    """
    at = next(((i, j) for i, a in enumerate(sources) for j, o in enumerate(a.origins)
               if o.kind == "debian" and o.debian_package == orig.package), None)
    if at is None:
        raise EditError(f"{path}: no source has a debian origin of package {orig.package!r}; add one "
                        f"(debian: {{package: {orig.package}, file: ...}}) so the bump can carry its orig tarball")
    i, j = at
    deb = sources[i].origins[j]
    notes = [f"- Debian's orig tarball `{orig.file}` ({orig.package} {orig.debian_version} in **{orig.suite}**): "
             f"sha256 `{orig.sha256}`, from the `.dsc`, checked by downloading the file and hashing it"]
    hashed: list[str] = [f"  - `debian:{orig.package}@{orig.suite}/{orig.file}`: `{orig.sha256}`"]
    stale: list[str] = []
    urls = [k for k, o in enumerate(sources[i].origins) if o.kind == "url"]
    if orig.repacked and urls:
        raw = doc.data["source"][i]
        raw_deb = dict(raw if j == 0 else raw["alternatives"][j - 1])["debian"]
        new_deb: dict[str, Any] = {"package": orig.package,
                                   "file": raw_deb["file"] if deb.debian_file == orig.file else orig.file,
                                   "suite": orig.suite}
        if deb.debian_version:
            new_deb["version"] = orig.debian_version
        rest = [dict(a) for k, a in enumerate(raw.get("alternatives", [])) if k + 1 not in (j, *urls)]
        item: dict[str, Any] = {"debian": new_deb, "sha256": orig.sha256}
        if rest:
            item["alternatives"] = rest
            stale += [sources[i].origins[k].describe() for k in range(1, len(sources[i].origins))
                      if k not in (j, *urls)]
        item.update({k: v for k, v in raw.items()
                     if k not in ("url", "debian", "pypi", "sha256", "alternatives", "file_name")})
        url_texts = [str(raw["url"]) if k == 0 else str(raw["alternatives"][k - 1]["url"]) for k in urls]
        comments = ("upstream's release tarball; Debian repacks it, so it is another file and the bot has no",
                    "sha256 for it (add it back with its own sha256 to fetch from upstream):",
                    *(f"url: {u}" for u in url_texts))
        text = replace_item(text, ("source", i), item, comments, path).text
        notes.append(f"- **Debian repacked this release** (`{upstream_suffix(orig)}`): its orig tarball is not "
                     "upstream's file, so there is no upstream sha256 to carry. The Debian origin becomes this "
                     "source; upstream's URL stays beside it as a comment: "
                     + ", ".join(f"`{sources[i].origins[k].url}`" for k in urls))
    else:
        base = _origin_path(i, j)
        if deb.debian_file != orig.file:
            text = set_scalar(text, (*base, "debian", "file"), orig.file, path).text
        text = set_in_mapping(text, (*base, "debian"), "suite", orig.suite, path).text
        if deb.debian_version:
            text = set_scalar(text, (*base, "debian", "version"), orig.debian_version, path).text
        text = set_scalar(text, (*base, "sha256"), orig.sha256, path).text
        for k, o in enumerate(sources[i].origins):
            if k == j:
                continue
            if o.url is None:
                stale.append(o.describe())
                continue
            if orig.repacked:
                continue  # (no URL origins here)
            if _tar_suffix(o.file_name) == _tar_suffix(orig.file):
                digest = orig.sha256
                notes.append(f"- upstream's release tarball `{o.url}` gets the same sha256: Debian did not "
                             "repack this release, so its orig tarball is upstream's file (not downloaded from "
                             "upstream; a fetch from there checks it)")
            else:
                try:
                    digest = sha256_of(o.url, download)
                except VersionCheckError:
                    stale.append(o.describe())
                    continue
                notes.append(f"- upstream's `{o.url}` is compressed differently from Debian's orig: downloaded "
                             "and hashed")
            text = set_scalar(text, (*_origin_path(i, k), "sha256"), digest, path).text
            hashed.append(f"  - `{o.url}`: `{digest}`")
    others = _hash_urls(text, sources, i, path, name, version, download)
    return _Sources(others.text, (*hashed, *others.hashed), (*stale, *others.stale), tuple(notes))


def upstream_suffix(orig: DebianOrig) -> str:
    """The repack marker of an orig tarball's version (``+dfsg``), for the PR body."""
    m = re.search(r"[+.~](?:dfsg|ds|repack)\d*", orig.file, re.IGNORECASE)
    return m.group(0) if m else "repacked"


def update_proposal(recipe: RecipeFacts, path: str, text: str, found: Found, pins: Pins, platform: Platform,
                    download: Download, orig: DebianOrig | None = None, abi: AbiContext | None = None,
                    pypi_file_url: PypiFileUrl | None = None) -> Proposal:
    """Set the new version, the sha256 of every artifact (from Debian's ``.dsc`` when ``orig`` is
    given, else downloaded), and build number 0; a bump past the ABI boundary adds a migration.

    With ``orig``, the PR takes ``orig``'s version: a newer one whose files the mirror lacks is
    named in the body (and in the metadata as ``newest``, so the next pass does not retry it).
    """
    newest = found.version
    if orig is not None and Version(orig.upstream) != found.version:
        found = replace(found, version=Version(orig.upstream))
    new = set_version(text, str(found.version), path).text
    new = set_build_number(new, 0, path).text
    new = drop_build_history(new, path).text
    try:
        doc = RecipeDocument(Path(path), load_yaml(new, Path(path)))
        rendered = render(doc, pins, platform)
    except (YamlError, RecipeError) as exc:
        raise EditError(f"{path}: the recipe does not render at {found.version}: {exc}") from None
    raw_sources = doc.data.get("source", [])
    if any(is_condition(s) for s in raw_sources):
        raise EditError(f"{path}: sources are conditional; update version and sha256 by hand")
    if orig is not None:
        done = _debian_sources(new, doc, rendered.sources, orig, path, recipe.name, str(found.version), download)
    else:
        done = _hash_urls(new, rendered.sources, -1, path, recipe.name, str(found.version), download, pypi_file_url)
    new = done.text
    notes = [f"- version: {recipe.version} -> {found.version}", *done.notes,
             "- sha256 of each artifact:\n" + "\n".join(done.hashed),
             f"- build number: {recipe.build_number} -> 0"]
    followed = _follow_requires_python(new, doc, path, found, pins.python)
    if followed is not None:
        new = followed[0]
        notes.append(followed[1])
    if done.stale:
        notes.append("- **not refreshed** (the bot cannot fetch these; check their sha256 or remove them): "
                     + ", ".join(f"`{s}`" for s in done.stale))
    changes = [FileChange(path, new)]
    crossing = abi_crossing(recipe.rendered, rendered) if recipe.rendered is not None else None
    meta: dict[str, Any] = {"kind": "update", "recipe": recipe.name, "version": str(found.version)}
    if newest != found.version and orig is not None:
        meta["newest"] = str(newest)
        notes.insert(1, f"- Debian lists {newest}, but this mirror does not have its files, so this PR takes "
                        f"{found.version}, the newest it has (" + "; ".join(orig.skipped) + "). It tries again "
                        "when Debian lists a newer release.")
    if crossing and abi is not None:
        if abi.dependents:
            mid = _abi_migration(recipe, str(found.version), pins, abi)
            if mid is not None:
                changes.append(FileChange(f"{abi.folder}/{mid.file_name}", mid.text))
                meta["migration"] = mid.id
                notes.append(f"- **ABI boundary**: {crossing}. This PR also starts migration `{mid.id}` "
                             f"(`{abi.folder}/{mid.file_name}`): once `{abi.dist} {found.version}` is published, the bot rebuilds its dependents in waves: "
                             + ", ".join(abi.dependents))
            else:
                notes.append(f"- **ABI boundary**: {crossing}; migration `{recipe.name}-{found.version}` already exists")
        else:
            notes.append(f"- ABI boundary: {crossing}; no recipe links {recipe.name}, so nothing to rebuild")
    elif crossing is None and recipe.rendered is not None and abi is not None:
        moved = _follow_pin(recipe.name, str(found.version), recipe.rendered.max_pin, pins, abi)
        if moved is not None:
            changes.append(moved[0])
            notes.append(moved[1])
    source = found.source if found.debian is None or orig is None else found.source.rsplit(", in ", 1)[0] + \
        f", in {orig.suite}"
    body = _body(
        f"**{recipe.name} {found.version}** is out (found in {source}); the recipe has {recipe.version}.",
        "\n".join(notes),
        _mentions(recipe.maintainers),
        meta=meta,
    )
    return Proposal(
        branch=update_branch(recipe.name),
        title=f"{recipe.name}: update to {found.version}",
        body=body,
        message=f"{recipe.name}: update to {found.version}\n\nFarm-Bot: update {recipe.name}",
        changes=tuple(changes),
    )


def _follow_requires_python(text: str, doc: RecipeDocument, path: str, found: Found,
                            cpythons: Sequence[str]) -> tuple[str, str] | None:
    """The recipe's ``python.requires`` set to the release's Requires-Python where that drops a
    CPython of pins.yaml the recipe builds for (its builds there would fail), with the PR's note.

    A release that admits more than the recipe does leaves it alone: a narrower ``requires`` may
    be a maintainer's choice. None where nothing changes (no ``python`` section, no metadata).
    """
    section = doc.data.get("python")
    if found.requires_python is None or not isinstance(section, Mapping):
        return None
    have = section.get("requires")
    try:
        upstream = SpecifierSet(found.requires_python)
        recipe = SpecifierSet(str(have)) if have is not None else SpecifierSet()
    except ValueError:
        return None
    dropped = [c for c in cpythons if Version(c) in recipe and Version(c) not in upstream]
    if not dropped:
        return None
    text = set_in_mapping(text, ("python",), "requires", found.requires_python, path).text
    what = ", ".join(f"CPython {c}" for c in dropped)
    note = (f"- `python.requires`: {have if have is not None else '(none)'} -> {found.requires_python}, the "
            f"release's Requires-Python: no more wheels for {what}; the index keeps the earlier ones")
    return text, note


def _follow_pin(name: str, version: str, max_pin: str, pins: Pins, abi: AbiContext) -> tuple[FileChange, str] | None:
    """The pin moved to a bump inside its ABI range, or None where the pin stays.

    It stays where no pin names the library, where an active migration owns it (its
    completion moves it), where the pin already is there or newer, and where the pin is on
    another ABI than the new release (a migration must move it, not a bump).
    """
    pin = pins.pins.get(name)
    if abi.pins_file is None or pin is None or name in abi.migrating:
        return None
    try:
        if Version(pin) >= Version(version) or Version(version) not in SpecifierSet(pin_range(pin, max_pin)):
            return None
    except (InvalidVersion, ValueError):
        return None
    text = set_in_mapping(abi.pins_text, ("pins",), name, version, abi.pins_file).text
    note = (f"- pin `pins.{name}` in `{abi.pins_file}`: {pin} -> {version}; inside the ABI range, so "
            "dependents build against it from now on and nothing is rebuilt")
    return FileChange(abi.pins_file, text), note


def _abi_migration(recipe: RecipeFacts, version: str, pins: Pins, abi: AbiContext) -> Draft | None:
    try:
        draft = draft_migration(Change(pins={recipe.name: version}), pins, abi.facts, abi.today)
    except MigrationError:
        return None  # the pin already is that version
    if draft.id in abi.existing:
        return None
    summary = f"Rebuild against {recipe.name} {version} (was {recipe.version}: a new ABI)"
    text = re.sub(r"(?m)^summary: .*$", lambda _: "summary: " + json.dumps(summary), draft.text, count=1)
    return Draft(draft.id, text)


def meta_version(meta: Mapping[str, Any], key: str) -> Version | None:
    """A version recorded in a PR's metadata line, None when absent or unreadable."""
    try:
        return Version(str(meta[key]))
    except (KeyError, InvalidVersion):
        return None
