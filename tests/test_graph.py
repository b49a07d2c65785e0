from __future__ import annotations

import pytest

from farm.graph import CycleError, Graph

EDGES = {"gdal": ["proj", "libtiff", "sqlite"], "proj": ["sqlite", "libtiff"], "libtiff": ["zlib"],
         "sqlite": [], "zlib": []}


def test_waves_put_dependencies_first() -> None:
    assert Graph.build(EDGES).waves() == [["sqlite", "zlib"], ["libtiff"], ["proj"], ["gdal"]]


def test_dependencies_and_dependents() -> None:
    g = Graph.build(EDGES)
    assert g.dependencies("gdal") == ["libtiff", "proj", "sqlite"]
    assert g.dependencies("gdal", transitive=True) == ["libtiff", "proj", "sqlite", "zlib"]
    assert g.dependents("zlib") == ["libtiff"]
    assert g.dependents("zlib", transitive=True) == ["gdal", "libtiff", "proj"]


def test_waves_of_a_subset_ignore_outside_edges() -> None:
    assert Graph.build(EDGES).waves(only=["gdal", "zlib"]) == [["gdal", "zlib"]]


def test_cycles_are_named() -> None:
    g = Graph.build({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"]})
    assert g.cycles() == [["a", "b", "c", "a"], ["d", "d"]]
    with pytest.raises(CycleError, match="a -> b -> c -> a"):
        g.waves()


def test_unknown_name() -> None:
    with pytest.raises(KeyError, match="no recipe named 'nope'"):
        Graph.build(EDGES).dependents("nope")


def test_dot_export() -> None:
    dot = Graph.build(EDGES).to_dot(highlight="proj")
    assert dot.startswith("digraph recipes {") and '"proj" -> "sqlite";' in dot and "fillcolor" in dot


def test_large_chain_has_no_recursion_limit() -> None:
    n = 20000
    g = Graph.build({f"r{i}": [f"r{i - 1}"] if i else [] for i in range(n)})
    assert len(g.waves()) == n
    assert g.cycles() == []
