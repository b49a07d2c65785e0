"""One pass of the bot: read, plan, act, report.

A pass loads recipes, pins, migrations and the journal; asks the forge for every bot PR
and the index for what is published; plans each migration (a pure function); then acts:
closes superseded PRs, opens the PRs the plans chose (intent recorded first), opens the
completion PR of a finished migration, and opens or updates version-bump PRs. Finally it
plans again, so the report shows the pass's own effect. Every lookup is by deterministic
branch name, so a second pass, or one after a crash, never duplicates anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from farm.bot.changes import (
    AbiContext,
    Proposal,
    PypiFileUrl,
    completion_branch,
    completion_proposal,
    meta_version,
    migration_branch,
    migration_proposal,
    parse_branch,
    update_branch,
    update_proposal,
)
from farm.bot.facts import RecipeFacts, facts_graph, read_facts
from farm.bot.forge import BOT_PREFIX, Forge, ForgeError, PullRequest
from farm.bot.index_reader import IndexReader
from farm.bot.journal import Journal
from farm.bot.migration import Migration, MigrationError, check_migration, load_migration, retired_ids
from farm.bot.planner import Member, Plan, PrRecord, Root, Scope, State, bumped, plan
from farm.bot.versions import Download, Endpoints, Http, VersionCheckError, debian_orig, newest_version
from farm.catalog import Catalog
from farm.debian import AptArchive, SourceArchive
from farm.errors import FarmError
from farm.graph import Graph
from farm.pins import Pins, load_pins
from farm.platforms import Platform, current
from farm.settings import Settings

__all__ = ["PICTURE_LIMIT", "Action", "Effects", "MigrationReport", "Report", "Runner", "UpdateReport"]

UPDATE_SCOPE = "update"
#: migrations with more members are drawn wave by wave, not recipe by recipe
PICTURE_LIMIT = 300


def _quiet(_: str) -> None:
    return None


def _at_least(requires: Iterable[str], dist: str, version: Version) -> Requirement | None:
    """The requirement on ``dist`` among ``requires`` whose lower bound is ``version`` or newer."""
    want = canonicalize_name(dist)
    for line in requires:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != want or req.marker is not None:
            continue
        for spec in req.specifier:
            try:
                floor = Version(spec.version)
            except InvalidVersion:
                continue
            if spec.operator in (">=", "==", "~=", "===") and floor >= version:
                return req
    return None


@dataclass(frozen=True)
class Effects:
    """Everything a pass touches outside itself; tests swap any of it."""

    forge: Forge
    index: IndexReader
    http: Http
    download: Download
    endpoints: Endpoints = Endpoints()
    clock: Callable[[], float] = time.time
    log: Callable[[str], None] = _quiet
    #: Debian's source archive for ``updates: {debian: ...}`` (None: the machine's apt, state in the cache)
    debian: SourceArchive | None = None
    #: a package index file's download URL, to hash a bumped ``pypi:`` source (None: left for a person)
    pypi_file_url: PypiFileUrl | None = None


@dataclass(frozen=True)
class Action:
    kind: str  # opened | updated | closed | error
    scope: str  # a migration id, or "update"
    recipe: str
    detail: str
    pr: int | None = None


@dataclass(frozen=True)
class MigrationReport:
    migration: Migration
    plan: Plan | None
    problems: tuple[str, ...] = ()
    completion: str = ""
    #: (recipe, affected recipe it waits for, linked directly?) for drawing; empty above PICTURE_LIMIT members
    edges: tuple[tuple[str, str, bool], ...] = ()


@dataclass(frozen=True)
class UpdateReport:
    recipe: str
    current: str
    newest: str | None
    source: str = ""
    pr: int | None = None
    note: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Report:
    generated: float
    migrations: tuple[MigrationReport, ...]
    updates: tuple[UpdateReport, ...] = ()
    actions: tuple[Action, ...] = ()
    #: migration files that do not load, each problem with its file:line:col
    broken: tuple[str, ...] = ()


@dataclass
class _Pass:
    settings: Settings
    fx: Effects
    platform: Platform
    act: bool
    #: version checks are on this pass (the bot may open a stuck migration's bump PR itself)
    check_updates: bool = True
    #: libraries that an active migration pins
    migrating: frozenset[str] = frozenset()
    pins: Pins = field(init=False)
    facts: dict[str, RecipeFacts] = field(init=False)
    graph: Graph = field(init=False)
    journal: Journal = field(init=False)
    prs: dict[str, PullRequest] = field(init=False)  # head branch -> its newest PR
    published: dict[str, Version] = field(default_factory=dict)
    looked_up: set[str] = field(default_factory=set)
    actions: list[Action] = field(default_factory=list)
    #: the version checks this pass made, once per recipe
    checked: dict[str, UpdateReport] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = self.fx.clock()
        self.pins = load_pins(self.settings.pins_file)
        catalog = Catalog(self.settings.recipes, self.pins, self.platform)
        self.facts = read_facts(catalog.documents, self.pins, self.platform)
        self.graph = facts_graph(self.facts)
        self.journal = Journal.loads(self.fx.forge.load_state())
        self.prs = {}
        for pr in self.fx.forge.list_prs(BOT_PREFIX):
            if pr.head not in self.prs or pr.number > self.prs[pr.head].number:
                self.prs[pr.head] = pr
        self.base = self.fx.forge.default_branch
        self.archive: SourceArchive = self.fx.debian or AptArchive(self.settings.cache)

    # -- reading ------------------------------------------------------------------------------
    def rel(self, file: Path) -> str:
        try:
            return file.resolve().relative_to(self.settings.root.resolve()).as_posix()
        except ValueError:
            raise FarmError(f"{file} is outside the farm's repository {self.settings.root}") from None

    def newest(self, dists: Iterable[str]) -> Mapping[str, Version]:
        missing = [d for d in dists if d not in self.looked_up]
        self.published.update(self.fx.index.newest(missing))
        self.looked_up.update(missing)
        return self.published

    def save_journal(self) -> None:
        if self.act:
            self.fx.forge.save_state(self.journal.dumps())

    def note(self, action: Action) -> None:
        self.actions.append(action)
        pr = f" PR #{action.pr}" if action.pr else ""
        what = f" for {action.recipe}" if action.recipe else ""
        self.fx.log(f"{action.scope}: {action.kind}{pr}{what}: {action.detail}")

    # -- migrations ---------------------------------------------------------------------------
    def scope(self, m: Migration, retired: frozenset[str]) -> Scope:
        members: dict[str, Member] = {}
        for name, f in self.facts.items():
            if name in m.exclude or not m.affects(f):
                continue
            error = f.error
            try:
                now = Version(f.published_version(self.settings.namespace))
            except InvalidVersion:
                now, error = Version("0"), error or f"version {f.version!r} is not a PEP 440 version"
            members[name] = Member(name, self._dist(m, f), now, tuple(sorted(f.host & m.pins.keys() & self.facts.keys())),
                                   error)
        roots = {n: self.root(m, n, Version(v)) for n, v in m.pins.items() if n in self.facts}
        waiting = tuple(w for w in m.wait_for if w not in retired)
        return Scope(m.id, members, roots, m.bump_number, m.paused, waiting, m.pr_limit)

    def _dist(self, m: Migration, f: RecipeFacts) -> str:
        dist = f.dist(self.settings.namespace)
        cuda = m.variants.get("cuda")
        if cuda and "cuda" in f.variant_axes:
            return f"{dist}-cu{cuda[0].split('.')[0]}"
        return dist

    def records(self, m: Migration, scope: Scope) -> dict[str, PrRecord]:
        out: dict[str, PrRecord] = {}
        for head, pr in self.prs.items():
            ref = parse_branch(head)
            if ref is None or ref.kind != "migration" or ref.scope != m.id or ref.recipe not in scope.members:
                continue
            member = scope.members[ref.recipe]
            target = meta_version(pr.meta, "target") or (
                member.current if pr.state == "merged" else bumped(member.current, scope.bump))
            out[ref.recipe] = PrRecord(pr.number, pr.state, target, pr.url, pr.merged_at)
        return out

    def root(self, m: Migration, name: str, want: Version) -> Root:
        """A pinned library, with how its new version gets built, or why nothing will build it."""
        dist = self.settings.dist_name(name)
        if self.newest([dist]).get(dist, Version("0")) >= want:
            return Root(name, dist, want)
        blocked, route = self.route(m, name, want)
        return Root(name, dist, want, blocked, route)

    def bump_pr(self, name: str) -> tuple[PullRequest | None, Version | None]:
        pr = self.prs.get(update_branch(name))
        return pr, meta_version(pr.meta, "version") if pr is not None else None

    def route(self, m: Migration, name: str, want: Version) -> tuple[str, str]:
        """("", how) when something will publish ``name`` at ``want`` or newer; (why not and what to do, "")."""
        f = self.facts[name]
        where = self.rel(f.file)
        try:
            if Version(f.version) >= want:
                return "", ""  # the default branch builds it
        except InvalidVersion:
            return f"nothing will build: {where} has version {f.version!r}, which is not a PEP 440 version", ""
        pr, version = self.bump_pr(name)
        if pr is not None and version is not None and version >= want and pr.state in ("open", "merged"):
            return "", f"its bump PR #{pr.number} to {version} is {pr.state}"
        check: UpdateReport | None = None
        if f.updates and f.error is None and self.act and self.check_updates:
            check = self.check_update(name, f)  # opens the bump PR when upstream has the version
            pr, version = self.bump_pr(name)
            if pr is not None and version is not None and version >= want and pr.state in ("open", "merged"):
                return "", f"the bot opened its bump PR #{pr.number} to {version}"
        why = [f"{where} has {f.version} and no bump PR to {want} or newer is open"]
        if pr is not None and version is not None and version >= want and pr.state == "closed":
            why.append(f"its bump PR #{pr.number} to {version} was closed without merging")
        elif pr is not None and version is not None and version < want and pr.state == "open":
            why.append(f"its bump PR #{pr.number} goes to {version} only")
        if f.error is not None:
            why.append(f"the recipe does not render ({f.error})")
        elif not f.updates:
            why.append("the recipe has no updates section, so the bot cannot bump it")
        elif check is None:
            why.append("a pass with version checks opens its bump PR if upstream has the version")
        elif check.error:
            why.append(f"its updates source failed: {check.error}")
        elif check.newest is None or Version(check.newest) < want:
            why.append(f"its updates source finds nothing newer than {check.newest or f.version}")
        what = (f"Bump {where} to {want} or newer (version, sha256, build number 0), give it an updates section "
                f"that finds {want}, or correct the pin in {self.rel(m.file)}")
        return f"nothing will build: {'; '.join(why)}. {what}", ""

    def failures(self, scope: Scope, records: Mapping[str, PrRecord], published: Mapping[str, Version]
                 ) -> dict[str, str]:
        """Build logs of merged rebuilds and pinned libraries whose version is not published but failed."""
        out: dict[str, str] = {}
        for name, rec in records.items():
            dist = scope.members[name].dist
            if rec.state == "merged" and published.get(dist, Version("0")) < rec.target:
                log = self.fx.index.failure(dist, rec.target)
                if log is not None:
                    out[name] = log
        for r in scope.roots.values():
            if published.get(r.dist, Version("0")) < r.version:
                log = self.fx.index.failure(r.dist, r.version)
                if log is not None:
                    out[r.name] = log
        return out

    def built_against(self, scope: Scope, published: Mapping[str, Version], records: Mapping[str, PrRecord]
                      ) -> dict[str, str]:
        """Members whose newest published wheel, older than their target, already requires each of
        their pinned libraries at its new version (it was built while the migration was active)."""
        out: dict[str, str] = {}
        for name, member in scope.members.items():
            have = published.get(member.dist)
            gates = [scope.roots[g] for g in member.gates if g in scope.roots]
            if have is None or not gates:
                continue
            rec = records.get(name)
            if have >= (rec.target if rec is not None else bumped(member.current, scope.bump)):
                continue
            requires = self.fx.index.requires(member.dist, have)
            found = [_at_least(requires or (), r.dist, r.version) for r in gates]
            if all(found):
                out[name] = ", ".join(str(x) for x in found)
        return out

    def plan(self, m: Migration, scope: Scope) -> Plan:
        published = self.newest([*(x.dist for x in scope.members.values()), *(r.dist for r in scope.roots.values())])
        records = self.records(m, scope)
        return plan(self.graph, scope, published, records, self.journal.errors.get(m.id, {}),
                    self.now, self.journal.resumable(m.id), self.failures(scope, records, published),
                    self.built_against(scope, published, records), self.updating(scope))

    def updating(self, scope: Scope) -> dict[str, str]:
        """member -> "#N to V" where the member's own version update is an open PR."""
        out: dict[str, str] = {}
        for name in scope.members:
            pr, version = self.bump_pr(name)
            if pr is not None and pr.state == "open":
                out[name] = f"#{pr.number}" + (f" to {version}" if version is not None else "")
        return out

    def migrate(self, m: Migration, known: frozenset[str], retired: frozenset[str]) -> MigrationReport:
        problems = check_migration(m, self.facts, self.pins, known)
        if problems:
            for p in problems:
                self.fx.log(f"{m.id}: {p}")
            return MigrationReport(m, None, tuple(problems))
        scope = self.scope(m, retired)
        planned = self.plan(m, scope)
        if self.act:
            self.close_superseded(m, scope, planned)
            for name in planned.to_open:  # the wave's intents in one journal write, before any of it is done
                self.intend(m.id, name, migration_branch(m.id, name), {"target": planned.states[name].target})
            if planned.to_open:
                self.save_journal()
            for name in planned.to_open:
                self.open_migration_pr(m, scope, planned, name)
            if planned.complete and not m.paused:
                self.complete(m, scope)
            planned = self.plan(m, scope)
        done = self.prs.get(completion_branch(m.id))
        completion = f"completion PR #{done.number} is {done.state}" if done else ""
        edges = self.nearest_parents(scope) if len(scope.members) <= PICTURE_LIMIT else ()
        return MigrationReport(m, planned, (), completion, edges)

    def nearest_parents(self, scope: Scope) -> tuple[tuple[str, str, bool], ...]:
        """(recipe, affected recipe it waits for, linked directly?) — through unaffected recipes too."""
        out: list[tuple[str, str, bool]] = []
        for name in sorted(scope.members):
            direct = set(self.graph.dependencies(name))
            seen: set[str] = set()
            stack = list(direct)
            while stack:
                d = stack.pop()
                if d in seen:
                    continue
                seen.add(d)
                if d in scope.members:
                    out.append((name, d, d in direct))
                else:
                    stack.extend(self.graph.dependencies(d))
        return tuple(out)

    def close_superseded(self, m: Migration, scope: Scope, planned: Plan) -> None:
        for head, pr in list(self.prs.items()):
            ref = parse_branch(head)
            if ref is None or ref.kind != "migration" or ref.scope != m.id or pr.state != "open":
                continue
            if ref.recipe not in scope.members:
                why = (f"{ref.recipe} is no longer part of migration `{m.id}` (excluded, or no longer affected); "
                       "closing this PR.")
            elif planned.states[ref.recipe].state is State.DONE:
                why = f"Superseded: {planned.states[ref.recipe].reason}, so this rebuild is no longer needed."
            else:
                continue
            self.close(pr, m.id, ref.recipe, why)

    def close(self, pr: PullRequest, scope: str, recipe: str, why: str) -> None:
        try:
            self.fx.forge.close_pr(pr.number, why)
        except FarmError as exc:
            self.note(Action("error", scope, recipe, f"closing PR #{pr.number}: {exc}", pr.number))
            return
        self.prs[pr.head] = PullRequest(pr.number, pr.head, pr.base, pr.title, pr.body, "closed", pr.url,
                                        pr.head_sha, pr.merged_at)
        self.note(Action("closed", scope, recipe, why, pr.number))

    def close_orphans(self, active: frozenset[str]) -> None:
        for head, pr in list(self.prs.items()):
            ref = parse_branch(head)
            if ref is None or ref.kind == "update" or pr.state != "open" or ref.scope in active:
                continue
            self.close(pr, ref.scope, ref.recipe, f"Migration `{ref.scope}` is no longer active (completed or "
                                                  "withdrawn); closing this PR.")

    def open_migration_pr(self, m: Migration, scope: Scope, planned: Plan, name: str) -> None:
        state = planned.states[name]
        branch = migration_branch(m.id, name)

        def propose(base_sha: str) -> Proposal:
            f = self.facts[name]
            path = self.rel(f.file)
            text = self.read(path, base_sha)
            return migration_proposal(m, f, path, text, scope.members[name].dist, Version(state.target), state.wave)

        self.attempt(m.id, name, branch, {"target": state.target}, propose)

    def complete(self, m: Migration, scope: Scope) -> None:
        branch = completion_branch(m.id)
        existing = self.prs.get(branch)
        if existing is not None:
            return  # open: waiting for review; merged: retired on the next checkout; closed: a person said no

        def propose(base_sha: str) -> Proposal:
            pins_path, mig_path = self.rel(self.settings.pins_file), self.rel(m.file)
            return completion_proposal(m, pins_path, self.read(pins_path, base_sha), mig_path,
                                       self.read(mig_path, base_sha), len(scope.members), self.pins)

        self.attempt(m.id, "", branch, {}, propose)

    def read(self, path: str, ref: str) -> str:
        text = self.fx.forge.read_file(path, ref)
        if text is None:
            raise ForgeError(f"{path} is missing on {self.base}; is the checkout out of date?")
        return text

    def intend(self, scope: str, recipe: str, branch: str, intent: dict[str, str]) -> bool:
        """Note what the bot sets out to do on ``branch``; False when the journal already says so."""
        entry = {"scope": scope, "recipe": recipe, "at": str(self.now), **intent}
        if self.journal.intents.get(branch) == entry:
            return False
        self.journal.intents[branch] = entry
        return True

    def attempt(self, scope: str, recipe: str, branch: str, intent: dict[str, str],
                propose: Callable[[str], Proposal]) -> PullRequest | None:
        """Record the intent, then make the branch and PR exist; errors are recorded, not raised."""
        if self.intend(scope, recipe, branch, intent):
            self.save_journal()
        try:
            base_sha = self.fx.forge.branch_head(self.base)
            if base_sha is None:
                raise ForgeError(f"the forge has no branch {self.base!r}")
            proposal = propose(base_sha)
            pr, verb = self.deliver(proposal, base_sha)
        except FarmError as exc:
            self.journal.intents.pop(branch, None)
            self.journal.fail(scope, recipe or branch, str(exc))
            self.note(Action("error", scope, recipe or branch, str(exc)))
            return None
        self.journal.succeed(scope, recipe or branch, branch)
        self.prs[branch] = pr
        self.note(Action(verb, scope, recipe, pr.title, pr.number))
        return pr

    def deliver(self, p: Proposal, base_sha: str) -> tuple[PullRequest, str]:
        forge = self.fx.forge
        head = forge.branch_head(p.branch)
        if head is None:
            forge.create_branch(p.branch, self.base)
            forge.commit_files(p.branch, p.message, p.changes, parent=base_sha)
        elif any(forge.read_file(c.path, head) != c.content for c in p.changes):
            forge.commit_files(p.branch, p.message, p.changes, parent=base_sha)
        existing = forge.find_pr(p.branch)
        if existing is not None and existing.state == "open":
            if (existing.title, existing.body) == (p.title, p.body):
                return existing, "resumed"
            updated = forge.update_pr(existing.number, p.title, p.body)
            forge.comment_pr(existing.number, f"Updated by the bot: {p.title}.")
            return updated, "updated"
        return forge.open_pr(p.branch, self.base, p.title, p.body), "opened"

    # -- version updates ----------------------------------------------------------------------
    def build_failed(self, f: RecipeFacts) -> str:
        """"; the build of <dist> <version> failed ..." when the default branch's version failed to build."""
        ns = self.settings.namespace
        try:
            version = Version(f.published_version(ns))
        except InvalidVersion:
            return ""
        dist = f.dist(ns)
        if self.newest([dist]).get(dist, Version("0")) >= version:
            return ""
        log = self.fx.index.failure(dist, version)
        if log is None:
            return ""
        last = log.rstrip().splitlines()[-1:] or ["(empty log)"]
        return f"; the build of {dist} {version} failed (its log in the index ends: {last[0][-200:]})"

    def check_update(self, name: str, f: RecipeFacts) -> UpdateReport:
        if name not in self.checked:
            self.checked[name] = self.update(name, f)
        return self.checked[name]

    def abi_context(self, name: str, f: RecipeFacts, base_sha: str) -> AbiContext:
        folder = self.settings.migrations
        pins_file = self.rel(self.settings.pins_file)
        existing = {x.name.rsplit(".", 1)[0] for x in folder.glob("*.y*ml")} if folder.is_dir() else set()
        return AbiContext(
            folder=self.rel(folder),
            dependents=tuple(sorted(n for n, g in self.facts.items() if name in g.host and n != name)),
            today=datetime.fromtimestamp(self.now, UTC).date(),
            facts=self.facts,
            dist=f.dist(self.settings.namespace),
            existing=frozenset(existing | retired_ids(folder)),
            pins_file=pins_file,
            pins_text=self.read(pins_file, base_sha),
            migrating=self.migrating,
        )

    def update(self, name: str, f: RecipeFacts) -> UpdateReport:
        try:
            found = newest_version(f.updates, f.version, self.fx.http, self.fx.endpoints, self.archive)
        except VersionCheckError as exc:
            if self.act:
                self.journal.fail(UPDATE_SCOPE, name, str(exc))
            return UpdateReport(name, f.version, None, error=str(exc))
        if self.act and name in self.journal.errors.get(UPDATE_SCOPE, {}):
            self.journal.succeed(UPDATE_SCOPE, name, "")  # the source answers again
        branch = update_branch(name)
        existing = self.prs.get(branch)
        have = meta_version(existing.meta, "version") if existing else None
        if found is None:
            if self.act and existing and existing.state == "open" and (have is None or have <= Version(f.version)):
                self.close(existing, UPDATE_SCOPE, name, f"Superseded: the recipe already has {f.version}.")
            return UpdateReport(name, f.version, None, note="up to date" + self.build_failed(f))
        if existing is not None and (have == found.version or existing.meta.get("newest") == str(found.version)):
            note = {"open": "PR open", "merged": "PR merged", "closed": "PR closed without merging; not reopened"}
            return UpdateReport(name, f.version, str(found.version), found.source, existing.number,
                                note.get(existing.state, existing.state)
                                + (self.build_failed(f) if existing.state == "merged" else ""))
        if not self.act:
            return UpdateReport(name, f.version, str(found.version), found.source, note="a PR opens on the next run")

        def propose(base_sha: str) -> Proposal:
            path = self.rel(f.file)
            orig = debian_orig(found.candidates, self.archive) if found.debian is not None else None
            return update_proposal(f, path, self.read(path, base_sha), found, self.pins, self.platform,
                                   self.fx.download, orig, self.abi_context(name, f, base_sha), self.fx.pypi_file_url)

        pr = self.attempt(UPDATE_SCOPE, name, branch, {"version": str(found.version)}, propose)
        error = self.journal.errors.get(UPDATE_SCOPE, {}).get(name) if pr is None else None
        return UpdateReport(name, f.version, str(found.version), found.source, pr.number if pr else None,
                            error=error)


class Runner:
    """Runs passes of the bot over one farm."""

    def __init__(self, settings: Settings, effects: Effects, platform: Platform | None = None) -> None:
        self.settings = settings
        self.fx = effects
        self.platform = platform or current()

    def run(self, *, act: bool = True, migrations: bool = True, updates: bool = True) -> Report:
        """One pass. ``act=False`` only reports (no forge writes, no version checks)."""
        folder = self.settings.migrations
        files = sorted(x for x in folder.glob("*.y*ml") if x.is_file()) if folder.is_dir() else []
        active = frozenset(x.name.rsplit(".", 1)[0] for x in files)
        retired = retired_ids(folder)
        loaded: list[Migration] = []
        broken: list[str] = []
        for file in files:
            try:
                loaded.append(load_migration(file))
            except MigrationError as exc:
                broken.extend(exc.problems)
        p = _Pass(self.settings, self.fx, self.platform, act, updates,
                  frozenset(n for m in loaded for n in m.pins))
        for problem in broken:
            self.fx.log(problem)
        reports: list[MigrationReport] = []
        if migrations:
            for m in sorted(loaded, key=lambda x: (x.created, x.id)):
                reports.append(p.migrate(m, active | retired, retired))
            if act:
                p.close_orphans(active)
        checks: list[UpdateReport] = []
        if updates and act:
            for name, f in sorted(p.facts.items()):
                if f.updates and f.error is None:
                    checks.append(p.check_update(name, f))
        p.save_journal()
        return Report(p.now, tuple(reports), tuple(checks), tuple(p.actions), tuple(broken))
