"""The planner: a pure function from (graph, migration scope, published wheels, PR records)
to one state per affected recipe, its reason, its wave, and which PRs to open now.

Who is affected: a recipe whose own requirements touch the change (a migrated pin in its
host requirements, a compiler it builds with, ...). Dependents of an affected recipe are
*not* pulled in unless they are affected themselves: a rebuilt libtiff keeps its SONAME,
so what links libtiff alone needs no rebuild.

Order: an affected recipe waits for its nearest affected ancestors, also through
recipes that are not affected (A -> B -> C with A and C affected: C waits for A), the
way conda-forge's bot "plucks" unaffected nodes out of its graph. Done means published:
a recipe is done when the index holds its rebuilt wheel (the version its PR produces, or
newer), never because a PR merged. A pin migration also waits for the pinned library
itself to be published at the new version.

No silent stall: a pinned library that has no route to its new version (the caller says
why in :attr:`Root.blocked`) makes the recipes that wait for it ``stuck``, and a build
that failed (a failure record for the version, in ``failures``) makes its recipe
``failed`` with the log, and the pinned library's waiters ``stuck``.

Everything runs on the graph's integer adjacency in one topological pass, so a 30,000
recipe farm plans in well under a second; no I/O happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from packaging.version import Version

from farm.graph import Graph

__all__ = [
    "Member",
    "Plan",
    "PrRecord",
    "RecipeState",
    "Root",
    "RootState",
    "Scope",
    "State",
    "bumped",
    "plan",
    "slow_start_limit",
]

#: how many waiting parents a reason names before it says "and N more"
SHOWN = 4
#: a merged PR whose wheel has not appeared in the index after this long is a failure
STALE_AFTER_S = 24 * 3600.0


class State(StrEnum):
    DONE = "done"
    IN_PR = "in-pr"
    AWAITING_PR = "awaiting-pr"
    AWAITING_PARENTS = "awaiting-parents"
    FAILED = "failed"
    BOT_ERROR = "bot-error"
    STUCK = "stuck"


#: the states that need a person (the status page counts them)
NEEDS_A_PERSON = frozenset({State.FAILED, State.BOT_ERROR, State.STUCK})


@dataclass(frozen=True)
class Member:
    """An affected recipe as the default branch has it."""

    name: str
    dist: str
    current: Version
    #: the pinned libraries (root names) it links against, which must be published first
    gates: tuple[str, ...] = ()
    #: why the bot cannot handle it (does not render, build number is an expression, ...)
    error: str | None = None


@dataclass(frozen=True)
class Root:
    """A pinned library the migration moves to: it must be published at ``version`` first."""

    name: str
    dist: str
    version: Version
    #: why nothing will ever publish ``dist`` at ``version``, and what a person must do ("" when a route exists)
    blocked: str = ""
    #: how the new version gets built, for the reason of those waiting ("its bump PR #3 is open")
    route: str = ""


@dataclass(frozen=True)
class RootState:
    """Where a pinned library stands: ``done``, ``awaiting`` (a route exists), ``stuck`` or ``failed``."""

    name: str
    dist: str
    version: str
    state: str
    reason: str


@dataclass(frozen=True)
class Scope:
    id: str
    members: Mapping[str, Member]
    roots: Mapping[str, Root] = field(default_factory=lambda: MappingProxyType({}))
    bump: int = 1
    paused: bool = False
    #: unfinished migrations this one waits for
    waiting_for: tuple[str, ...] = ()
    pr_limit: int = 20


@dataclass(frozen=True)
class PrRecord:
    """The bot's PR for (migration, recipe), as the forge reports it."""

    number: int
    state: str  # open | closed | merged
    target: Version
    url: str = ""
    merged_at: float | None = None


@dataclass(frozen=True)
class RecipeState:
    name: str
    state: State
    reason: str
    wave: int
    target: str
    pr: int | None = None
    pr_url: str = ""
    waiting_for: tuple[str, ...] = ()
    descendants: int = 0


@dataclass(frozen=True)
class Plan:
    migration: str
    states: Mapping[str, RecipeState]
    waves: tuple[tuple[str, ...], ...]
    to_open: tuple[str, ...]
    limit: int
    complete: bool
    roots_missing: tuple[str, ...] = ()
    roots: Mapping[str, RootState] = field(default_factory=lambda: MappingProxyType({}))

    def count(self, state: State) -> int:
        return sum(1 for s in self.states.values() if s.state is state)

    @property
    def progress(self) -> float:
        return 1.0 if not self.states else self.count(State.DONE) / len(self.states)


def bumped(current: Version, by: int) -> Version:
    """``4.5.0`` -> ``4.5.0.post1``; ``4.5.0.post1`` -> ``4.5.0.post2``.

    A Python package's farm build counts in its local label, since its public version is
    upstream's: ``2.2.0+wheelfarm`` -> ``2.2.0+wheelfarm.1`` -> ``2.2.0+wheelfarm.2``.
    """
    if current.local:
        word, _, number = current.local.partition(".")
        n = int(number) if number.isdigit() else 0
        return Version(f"{current.public}+{word}.{n + by}")
    post = (current.post or 0) + by
    return Version(f"{current.base_version}.post{post}")


def slow_start_limit(done: int, cap: int) -> int:
    """New PRs per run: 2 until two recipes are done, then 5, 10, 20, 40 ... never above ``cap``."""
    tier, unlocked = 2, 0
    while done >= unlocked + tier:
        unlocked += tier
        tier = 5 if tier == 2 else tier * 2
        if tier >= cap:
            break
    return max(1, min(tier, cap))


def _merge(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """Union of two sorted id tuples, cut at SHOWN + 1 (enough to say "and more")."""
    if not a:
        return b
    if not b or a == b:
        return a
    return tuple(sorted(set(a) | set(b)))[: SHOWN + 1]


def _topological(graph: Graph) -> list[int]:
    n = len(graph)
    remaining = [len(d) for d in graph.deps]
    order = [i for i in range(n) if remaining[i] == 0]
    rdeps = graph.rdeps
    for v in order:  # grows while walked
        for r in rdeps[v]:
            remaining[r] -= 1
            if remaining[r] == 0:
                order.append(r)
    return order


def plan(graph: Graph, scope: Scope, published: Mapping[str, Version],
         prs: Mapping[str, PrRecord], errors: Mapping[str, str], now: float,
         resume: frozenset[str] = frozenset(), failures: Mapping[str, str] = MappingProxyType({}),
         built_against: Mapping[str, str] = MappingProxyType({}),
         updating: Mapping[str, str] = MappingProxyType({})) -> Plan:
    """Every member's state and reason; ``to_open``: the ready recipes to open PRs for, best first.

    ``published``: the newest published version of each distribution. ``prs``: the bot's
    PR for each member, if any. ``errors``: members the bot failed on in earlier runs (they
    stay candidates: each run retries them). ``resume``: members whose action an earlier run
    started but did not finish; they go first. ``failures``: the build log of each member
    (or root) whose build of its target version failed. ``built_against``: members whose newest
    published wheel already requires every pinned library at its new version (built on a branch
    where the migration was active, such as a version bump merged after it), with what says so;
    they are done without a rebuild of their own. ``updating``: members whose own version update
    is an open PR, with what names it; they wait for it rather than get a rebuild of the old
    version (merged, it is built with the migration active and is done; closed, the rebuild opens).
    """
    names = graph.names
    index = graph.index
    n = len(names)
    member_id = [-1] * n
    members: list[Member] = []
    for name, m in scope.members.items():
        i = index.get(name)
        if i is not None:
            member_id[i] = len(members)
            members.append(m)

    # targets and done-ness, before the walk
    count = len(members)
    node_of = [0] * count
    target: list[Version] = [Version("0")] * count
    done = bytearray(count)
    for i in range(n):
        k = member_id[i]
        if k < 0:
            continue
        node_of[k] = i
        m = members[k]
        pr = prs.get(m.name)
        target[k] = pr.target if pr is not None else bumped(m.current, scope.bump)
        have = published.get(m.dist)
        done[k] = have is not None and (have >= target[k] or m.name in built_against)

    roots_missing = tuple(sorted(r.name for r in scope.roots.values()
                                 if (published.get(r.dist) or Version("0")) < r.version))
    roots = {name: _root_state(scope.roots[name], published, failures) for name in sorted(scope.roots)}
    # a pinned library that will not arrive: its waiters need a person
    dead = {name: rs for name, rs in roots.items() if rs.state in ("stuck", "failed")}

    # one topological pass: each node passes its not-done affected ancestors down
    passes: list[tuple[int, ...]] = [()] * n
    level = [0] * n
    blockers: list[tuple[int, ...]] = [()] * count
    wave = [0] * count
    order = _topological(graph)
    placed = bytearray(n)
    deps = graph.deps
    for v in order:
        placed[v] = 1
        acc: tuple[int, ...] = ()
        top = 0
        for d in deps[v]:
            p = passes[d]
            if p:
                acc = _merge(acc, p)
            if level[d] > top:
                top = level[d]
        k = member_id[v]
        if k < 0:
            passes[v] = acc
            level[v] = top
        else:
            blockers[k] = acc
            wave[k] = level[v] = top + 1
            passes[v] = () if done[k] else (v,)

    states: dict[str, RecipeState] = {}
    ready: list[int] = []
    done_count = 0
    visit = [member_id[v] for v in order if member_id[v] >= 0]  # parents first: their states name the waits
    visit += [k for k in range(count) if not placed[node_of[k]]]
    for k in visit:
        m = members[k]
        v = node_of[k]
        pr = prs.get(m.name)
        at = (m.name, wave[k], str(target[k]))
        if done[k]:
            done_count += 1
            why = f"{m.dist} {published[m.dist]} is in the index"
            if published[m.dist] < target[k]:
                why += f", already built against {built_against[m.name]}"
            states[m.name] = _state(at, State.DONE, why, pr)
        elif pr is not None:
            states[m.name] = _pr_state(m, pr, at, now, failures.get(m.name))
        elif not placed[v]:
            states[m.name] = _state(at, State.BOT_ERROR, "in or below a dependency cycle; 'farm graph' shows it")
        elif m.error:
            states[m.name] = _state(at, State.BOT_ERROR, m.error)
        elif scope.waiting_for:
            states[m.name] = _state(at, State.AWAITING_PARENTS,
                                    f"waits for migration {', '.join(scope.waiting_for)} to complete",
                                    waiting=scope.waiting_for)
        elif stuck := tuple(g for g in m.gates if g in dead):
            states[m.name] = _state(at, State.STUCK, "; ".join(f"waits for {dead[g].dist} {dead[g].version}, which "
                                                                f"{dead[g].reason}" for g in stuck),
                                    waiting=stuck)
        elif (gates := tuple(g for g in m.gates if g in roots_missing)) or blockers[k]:
            parts = [f"{scope.roots[g].dist} {scope.roots[g].version} in the index"
                     + (f" ({scope.roots[g].route})" if scope.roots[g].route else "") for g in gates]
            parts += [f"{names[i]} ({states[names[i]].state})" for i in blockers[k][:SHOWN]]
            more = " and more" if len(blockers[k]) > SHOWN else ""
            states[m.name] = _state(at, State.AWAITING_PARENTS, f"waits for {', '.join(parts)}{more}",
                                    waiting=gates + tuple(names[i] for i in blockers[k][:SHOWN]))
        elif (update := updating.get(m.name)) is not None:
            states[m.name] = _state(at, State.AWAITING_PARENTS,
                                    f"waits for its version update {update}: merged, it is built with this "
                                    "migration and needs no rebuild; closed, the rebuild opens")
        else:
            ready.append(k)
            states[m.name] = _state(at, State.AWAITING_PR, "ready")

    limit = slow_start_limit(done_count, scope.pr_limit)
    to_open: tuple[str, ...] = ()
    if ready:
        counts = _descendant_counts(graph, member_id, order, [node_of[k] for k in ready])
        ready.sort(key=lambda k: (members[k].name not in resume, -counts[node_of[k]],
                                  -len(graph.rdeps[node_of[k]]), members[k].name))
        chosen = [] if scope.paused else ready[:limit]
        for rank, k in enumerate(ready):
            m = members[k]
            if scope.paused:
                why = "ready; the migration is paused"
            elif rank < limit:
                why = "ready; the PR opens in this run"
            else:
                why = f"ready; over this run's PR limit ({limit}, slow start)"
            state = State.AWAITING_PR
            if error := errors.get(m.name):
                state, why = State.BOT_ERROR, f"{error} (retried each run)"
            states[m.name] = _state((m.name, wave[k], str(target[k])), state, why, descendants=counts[node_of[k]])
        to_open = tuple(members[k].name for k in chosen)

    by_wave: dict[int, list[str]] = {}
    for k, m in enumerate(members):
        by_wave.setdefault(wave[k], []).append(m.name)
    waves = tuple(tuple(sorted(by_wave[w])) for w in sorted(by_wave))
    return Plan(
        migration=scope.id,
        states=MappingProxyType(states),
        waves=waves,
        to_open=to_open,
        limit=limit,
        complete=done_count == count and not roots_missing,
        roots_missing=roots_missing,
        roots=MappingProxyType(roots),
    )


def _tail(log: str, lines: int = 12, width: int = 240) -> str:
    """The log's last lines, each cut to its last ``width`` characters (the whole log stays in the index)."""
    kept = [line if len(line) <= width else "…" + line[-width:] for line in log.rstrip().splitlines()[-lines:]]
    return "\n".join(kept) if kept else "(the log is empty)"


def _root_state(root: Root, published: Mapping[str, Version], failures: Mapping[str, str]) -> RootState:
    have = published.get(root.dist)
    at = (root.name, root.dist, str(root.version))
    if have is not None and have >= root.version:
        return RootState(*at, "done", f"{root.dist} {have} is in the index")
    if root.name in failures:
        return RootState(*at, "failed", f"failed to build (fix the build, then publish it); the log ends:\n"
                                        f"{_tail(failures[root.name])}")
    if root.blocked:
        return RootState(*at, "stuck", root.blocked)
    return RootState(*at, "awaiting", f"not in the index yet{f'; {root.route}' if root.route else ''}")


def _state(at: tuple[str, int, str], state: State, reason: str, pr: PrRecord | None = None,
           waiting: tuple[str, ...] = (), descendants: int = 0) -> RecipeState:
    name, wave, target = at
    return RecipeState(name=name, state=state, reason=reason, wave=wave, target=target,
                       pr=pr.number if pr else None, pr_url=pr.url if pr else "", waiting_for=waiting,
                       descendants=descendants)


def _pr_state(m: Member, pr: PrRecord, at: tuple[str, int, str], now: float, log: str | None) -> RecipeState:
    target = at[2]
    if pr.state == "open":
        return _state(at, State.IN_PR, f"PR #{pr.number} is open", pr)
    if pr.state == "merged" and log is not None:
        return _state(at, State.FAILED, f"PR #{pr.number} merged, but the build of {m.dist} {target} failed; fix "
                                        f"the build (a PR on the recipe), then publish it. The log ends:\n{_tail(log)}",
                      pr)
    if pr.state == "merged":
        waited = now - pr.merged_at if pr.merged_at is not None else 0.0
        if waited > STALE_AFTER_S:
            return _state(at, State.FAILED, f"PR #{pr.number} merged {waited / 3600:.0f} h ago but {m.dist} "
                                            f"{target} is still not in the index; check its build", pr)
        return _state(at, State.IN_PR, f"PR #{pr.number} merged; waiting for {m.dist} {target} in the index", pr)
    return _state(at, State.FAILED, f"PR #{pr.number} was closed without merging; reopen it, or add {m.name} "
                                    "to the migration's exclude list", pr)


def _descendant_counts(graph: Graph, member_id: list[int], order: list[int], wanted: list[int]) -> dict[int, int]:
    """How many affected recipes sit below each wanted node (through any recipes), exactly.

    Bitsets (Python ints) over member ids, filled in reverse topological order but only
    for nodes that lie above some wanted node's descendants — i.e. all nodes below a
    wanted node, found first by a forward walk.
    """
    rdeps = graph.rdeps
    below = bytearray(len(graph))
    stack = list(wanted)
    for v in stack:
        below[v] = 1
    while stack:
        v = stack.pop()
        for r in rdeps[v]:
            if not below[r]:
                below[r] = 1
                stack.append(r)
    bits: dict[int, int] = {}
    for v in reversed(order):
        if not below[v]:
            continue
        acc = 0
        for r in rdeps[v]:
            k = member_id[r]
            acc |= bits[r] | (1 << k if k >= 0 else 0)
        bits[v] = acc
    return {v: bits.get(v, 0).bit_count() for v in wanted}
