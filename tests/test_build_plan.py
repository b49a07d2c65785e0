"""farm.build's planning: what a build of some recipes visits, and in which order."""

from __future__ import annotations

from pathlib import Path

from farm.build import Builder
from farm.catalog import Catalog
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def builder(**kw: bool) -> Builder:
    s = load_settings(ROOT)
    return Builder(s, Catalog.from_settings(s), **kw)  # type: ignore[arg-type]


def test_a_build_visits_what_the_named_recipes_link_first() -> None:
    order = builder().plan(["curl"])
    assert set(order) == {"curl", "openssl", "zlib"} and order[-1] == "curl"


def test_without_dependencies_only_the_named_recipes_are_visited_in_graph_order() -> None:
    assert builder(with_dependencies=False).plan(["curl"]) == ["curl"]
    assert builder(with_dependencies=False).plan(["curl", "zlib"]) == ["zlib", "curl"]
