"""How long `farm graph` takes on conda-forge's size: 30,000 recipes, ~100,000 edges.

Measures farm's Graph (build, waves, one recipe's transitive dependents, cycle check)
and the same answers from networkx in the same run, and prints the ratio.

    python benchmarks/graph_scale.py [--recipes 30000] [--edges 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import TypeVar

from farm.graph import Graph

T = TypeVar("T")


def synthetic(n: int, edges: int, seed: int) -> dict[str, list[str]]:
    """A DAG shaped like a package ecosystem: many leaves' dependents, a few very popular roots."""
    rng = random.Random(seed)
    deps: dict[str, list[str]] = {f"r{i}": [] for i in range(n)}
    per = edges / n
    for i in range(1, n):
        k = min(i, round(rng.expovariate(1 / per)))
        # popular low-numbered recipes are chosen more often (preferential attachment)
        deps[f"r{i}"] = sorted({f"r{int(i * rng.random() ** 2)}" for _ in range(k)})
    return deps


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipes", type=int, default=30000)
    ap.add_argument("--edges", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    edges = synthetic(args.recipes, args.edges, args.seed)
    n_edges = sum(len(v) for v in edges.values())

    def ours() -> tuple[int, int]:
        g = Graph.build(edges)
        waves = g.waves()
        dependents = g.dependents("r0", transitive=True)
        assert not g.cycles()
        return len(waves), len(dependents)

    def networkx_same() -> tuple[int, int]:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(edges)
        g.add_edges_from((d, n) for n, ds in edges.items() for d in ds)  # dependency -> dependent
        waves = list(nx.topological_generations(g))
        dependents = nx.descendants(g, "r0")
        assert nx.is_directed_acyclic_graph(g)
        return len(waves), len(dependents)

    (w1, d1), t_ours = timed(ours)
    (w2, d2), t_nx = timed(networkx_same)
    assert (w1, d1) == (w2, d2), "both must give the same answer"
    print(f"graph: {args.recipes} recipes, {n_edges} edges -> {w1} waves; r0 has {d1} transitive dependents")
    print(f"farm     : {t_ours * 1000:8.1f} ms")
    print(f"networkx : {t_nx * 1000:8.1f} ms")
    print(f"ratio    : networkx / farm = {t_nx / t_ours:.2f}x")


if __name__ == "__main__":
    main()
