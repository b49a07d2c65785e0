from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from farm.bot.planner import (
    SHOWN,
    STALE_AFTER_S,
    Member,
    PrRecord,
    Root,
    Scope,
    State,
    bumped,
    plan,
    slow_start_limit,
)
from farm.graph import Graph

V = Version


def scope_of(names: list[str], *, roots: dict[str, str] | None = None, gates: dict[str, tuple[str, ...]] | None = None,
             **kw: object) -> Scope:
    members = {n: Member(n, f"wheelfarm-{n}", V("1.0"), (gates or {}).get(n, ())) for n in names}
    rs = {n: Root(n, f"wheelfarm-{n}", V(v)) for n, v in (roots or {}).items()}
    return Scope("m", members, rs, **kw)  # type: ignore[arg-type]


def states(p: object) -> dict[str, str]:
    return {n: str(s.state) for n, s in p.states.items()}  # type: ignore[attr-defined]


def test_bumped_adds_to_the_post_release() -> None:
    assert bumped(V("4.5.0"), 1) == V("4.5.0.post1")
    assert bumped(V("4.5.0.post1"), 2) == V("4.5.0.post3")


def test_slow_start_grows_with_successes_and_stops_at_the_cap() -> None:
    assert [slow_start_limit(d, 20) for d in (0, 1, 2, 6, 7, 16, 17, 1000)] == [2, 2, 5, 5, 10, 10, 20, 20]
    assert slow_start_limit(1000, 7) == 7
    assert slow_start_limit(0, 1) == 1


def test_waves_and_waiting_go_through_unaffected_recipes() -> None:
    # zlib <- libtiff <- tiffutil <- tiffview (unaffected) <- tiffconv
    g = Graph.build({"zlib": [], "libtiff": ["zlib"], "tiffutil": ["libtiff", "zlib"], "tiffview": ["tiffutil"],
                     "tiffconv": ["tiffview", "zlib"], "sqlite": []})
    scope = scope_of(["libtiff", "tiffutil", "tiffconv"])
    p = plan(g, scope, {}, {}, {}, 0.0)
    assert p.waves == (("libtiff",), ("tiffutil",), ("tiffconv",))
    assert states(p) == {"libtiff": "awaiting-pr", "tiffutil": "awaiting-parents", "tiffconv": "awaiting-parents"}
    assert p.states["tiffconv"].waiting_for == ("tiffutil",)
    assert p.states["tiffconv"].reason == "waits for tiffutil (awaiting-parents)"
    assert p.to_open == ("libtiff",)
    assert p.states["libtiff"].descendants == 2


def test_done_means_published_at_the_target_or_newer() -> None:
    g = Graph.build({"a": [], "b": ["a"], "c": ["b"]})
    scope = scope_of(["a", "b", "c"])
    p = plan(g, scope, {"wheelfarm-a": V("1.0.post1"), "wheelfarm-b": V("1.0")}, {}, {}, 0.0)
    assert states(p) == {"a": "done", "b": "awaiting-pr", "c": "awaiting-parents"}
    assert p.states["a"].reason == "wheelfarm-a 1.0.post1 is in the index"
    newer = plan(g, scope, {"wheelfarm-a": V("2.0"), "wheelfarm-b": V("1.0.post1"), "wheelfarm-c": V("1.0.post1")},
                 {}, {}, 0.0)
    assert newer.complete and newer.progress == 1.0


def test_a_merged_pr_is_not_done_until_the_index_says_so() -> None:
    g = Graph.build({"a": [], "b": ["a"]})
    prs = {"a": PrRecord(3, "merged", V("1.0.post1"), merged_at=100.0)}
    p = plan(g, scope_of(["a", "b"]), {}, prs, {}, 200.0)
    assert states(p) == {"a": "in-pr", "b": "awaiting-parents"}
    assert p.states["a"].reason == "PR #3 merged; waiting for wheelfarm-a 1.0.post1 in the index"
    stale = plan(g, scope_of(["a", "b"]), {}, prs, {}, 100.0 + STALE_AFTER_S + 3600)
    assert stale.states["a"].state is State.FAILED and "still not in the index" in stale.states["a"].reason
    assert "wheelfarm-a" in stale.states["a"].reason
    assert stale.states["b"].reason == "waits for a (failed)"


def test_pr_states() -> None:
    g = Graph.build({"a": [], "b": [], "c": []})
    prs = {"a": PrRecord(1, "open", V("1.0.post1")), "b": PrRecord(2, "closed", V("1.0.post1"))}
    p = plan(g, scope_of(["a", "b", "c"]), {}, prs, {"c": "boom"}, 0.0)
    assert states(p) == {"a": "in-pr", "b": "failed", "c": "bot-error"}
    assert p.states["b"].reason == "PR #2 was closed without merging; reopen it, or add b to the migration's exclude list"
    assert p.states["c"].reason == "boom (retried each run)"
    assert p.to_open == ("c",)  # an earlier error is retried


def test_a_pin_migration_waits_for_the_pinned_library() -> None:
    g = Graph.build({"zlib": [], "libtiff": ["zlib"], "tiffutil": ["libtiff", "zlib"]})
    gates = {"libtiff": ("zlib",), "tiffutil": ("zlib",)}
    scope = scope_of(["libtiff", "tiffutil"], roots={"zlib": "1.3.1"}, gates=gates)
    p = plan(g, scope, {"wheelfarm-zlib": V("1.2.13")}, {}, {}, 0.0)
    assert p.states["libtiff"].reason == "waits for wheelfarm-zlib 1.3.1 in the index"
    assert p.states["tiffutil"].reason == "waits for wheelfarm-zlib 1.3.1 in the index, libtiff (awaiting-parents)"
    assert p.roots_missing == ("zlib",) and p.to_open == ()
    ready = plan(g, scope, {"wheelfarm-zlib": V("1.3.1")}, {}, {}, 0.0)
    assert ready.to_open == ("libtiff",)


def test_paused_and_waiting_for_another_migration() -> None:
    g = Graph.build({"a": []})
    assert plan(g, scope_of(["a"], paused=True), {}, {}, {}, 0.0).to_open == ()
    assert plan(g, scope_of(["a"], paused=True), {}, {}, {}, 0.0).states["a"].reason == "ready; the migration is paused"
    w = plan(g, scope_of(["a"], waiting_for=("gcc-13",)), {}, {}, {}, 0.0)
    assert w.states["a"].state is State.AWAITING_PARENTS and w.states["a"].reason == "waits for migration gcc-13 to complete"


def test_limit_orders_ready_recipes_by_descendants_and_resumes_first() -> None:
    edges: dict[str, list[str]] = {f"r{i}": [] for i in range(6)}
    edges.update({"x1": ["r3"], "x2": ["x1"], "y1": ["r5"]})
    g = Graph.build(edges)
    names = [*(f"r{i}" for i in range(6)), "x1", "x2", "y1"]
    p = plan(g, scope_of(names), {}, {}, {}, 0.0)
    assert p.limit == 2 and p.to_open == ("r3", "r5")
    assert p.states["r0"].reason == "ready; over this run's PR limit (2, slow start)"
    resumed = plan(g, scope_of(names), {}, {}, {}, 0.0, resume=frozenset({"r1"}))
    assert resumed.to_open == ("r1", "r3")


def test_a_cycle_is_a_bot_error_not_a_hang() -> None:
    g = Graph.build({"a": ["b"], "b": ["a"], "c": []})
    p = plan(g, scope_of(["a", "b", "c"]), {}, {}, {}, 0.0)
    assert states(p) == {"a": "bot-error", "b": "bot-error", "c": "awaiting-pr"}


def test_long_reasons_are_cut() -> None:
    edges: dict[str, list[str]] = {f"p{i}": [] for i in range(SHOWN + 3)}
    edges["child"] = list(edges)
    g = Graph.build(edges)
    p = plan(g, scope_of(list(edges)), {}, {}, {}, 0.0)
    assert p.states["child"].reason.endswith(" and more")
    assert len(p.states["child"].waiting_for) == SHOWN


# -- the planner against a plain networkx reference on random graphs --------------------------


def pluck_reference(edges: dict[str, list[str]], members: set[str], done: set[str]) -> tuple[dict[str, set[str]], dict[str, int]]:
    """conda-forge's way: remove unaffected nodes, joining their parents to their children."""
    g = nx.DiGraph()
    g.add_nodes_from(edges)
    g.add_edges_from((d, n) for n, ds in edges.items() for d in ds)
    for node in [n for n in g if n not in members]:
        ins, outs = list(g.predecessors(node)), list(g.successors(node))
        g.remove_node(node)
        g.add_edges_from(itertools.product(ins, outs))
    waits = {n: {p for p in g.predecessors(n) if p not in done} for n in members}
    wave: dict[str, int] = {}
    for n in nx.topological_sort(g):
        wave[n] = 1 + max((wave[p] for p in g.predecessors(n)), default=0)
    return waits, wave


@st.composite
def farms(draw: st.DrawFn) -> tuple[dict[str, list[str]], set[str], set[str]]:
    n = draw(st.integers(1, 14))
    names = [f"n{i}" for i in range(n)]
    edges = {name: sorted({names[j] for j in draw(st.lists(st.integers(0, max(0, i - 1)), max_size=3)) if j < i})
             for i, name in enumerate(names)}
    members = {x for x in names if draw(st.booleans())}
    done = {x for x in members if draw(st.booleans())}
    return edges, members, done


@settings(max_examples=150, deadline=None)
@given(farms())
def test_matches_the_plucked_graph_reference(farm: tuple[dict[str, list[str]], set[str], set[str]]) -> None:
    edges, members, done = farm
    g = Graph.build(edges)
    published = {f"wheelfarm-{n}": V("1.0.post1") for n in done}
    p = plan(g, scope_of(sorted(members), pr_limit=1000), published, {}, {}, 0.0)
    waits, wave = pluck_reference(edges, members, done)
    for name in members:
        s = p.states[name]
        assert s.wave == wave[name]
        if name in done:
            assert s.state is State.DONE
        elif waits[name]:
            assert s.state is State.AWAITING_PARENTS
            assert set(s.waiting_for) <= waits[name]
            assert len(s.waiting_for) == min(len(waits[name]), SHOWN)
        else:
            assert s.state is State.AWAITING_PR
    assert p.complete == (members == done)


def test_a_root_with_no_route_makes_its_waiters_stuck() -> None:
    g = Graph.build({"zlib": [], "tiff": ["zlib"], "app": ["tiff"], "other": []})
    members = {"tiff": Member("tiff", "wheelfarm-tiff", V("1.0"), ("zlib",)),
               "app": Member("app", "wheelfarm-app", V("1.0"), ("zlib",)),
               "other": Member("other", "wheelfarm-other", V("1.0"))}
    blocked = Root("zlib", "wheelfarm-zlib", V("1.3.1"), blocked="nothing will build: no bump. Bump it")
    p = plan(g, Scope("m", members, {"zlib": blocked}), {}, {}, {}, 0.0)
    assert states(p) == {"tiff": "stuck", "app": "stuck", "other": "awaiting-pr"}
    assert p.states["tiff"].reason == "waits for wheelfarm-zlib 1.3.1, which nothing will build: no bump. Bump it"
    assert p.roots["zlib"].state == "stuck" and not p.complete
    routed = Root("zlib", "wheelfarm-zlib", V("1.3.1"), route="its bump PR #4 to 1.3.1 is open")
    p = plan(g, Scope("m", members, {"zlib": routed}), {}, {}, {}, 0.0)
    assert p.states["tiff"].reason == "waits for wheelfarm-zlib 1.3.1 in the index (its bump PR #4 to 1.3.1 is open)"
    assert p.roots["zlib"].state == "awaiting"
    # published: the route no longer matters
    p = plan(g, Scope("m", members, {"zlib": blocked}), {"wheelfarm-zlib": V("1.3.1")}, {}, {}, 0.0)
    assert p.roots["zlib"].state == "done" and p.states["tiff"].state is State.AWAITING_PR


def test_a_failed_build_is_failed_with_the_end_of_its_log() -> None:
    g = Graph.build({"a": [], "b": ["a"]})
    s = scope_of(["a", "b"])
    merged = {"a": PrRecord(1, "merged", V("1.0.post1"), merged_at=0.0)}
    log = "\n".join(f"line {i}" for i in range(40)) + "\n" + "y" * 1000
    p = plan(g, s, {}, merged, {}, 10.0, failures={"a": log})
    assert p.states["a"].state is State.FAILED
    assert p.states["a"].reason.startswith("PR #1 merged, but the build of wheelfarm-a 1.0.post1 failed")
    assert "line 28" not in p.states["a"].reason and "line 29\n" in p.states["a"].reason
    assert p.states["a"].reason.endswith("…" + "y" * 240)
    assert p.states["b"].reason == "waits for a (failed)"
