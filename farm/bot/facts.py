"""What the bot needs to know about each recipe, read once from the recipe files.

Host requirements are read from the document as written, every ``if:``/``else:``
branch included, so what a migration affects does not depend on the machine the bot
runs on. Version, build number and maintainers come from rendering the default variant.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.graph import Graph
from farm.kinds import kind_of
from farm.pins import Pins
from farm.platforms import Platform
from farm.recipe.model import Recipe, parse_requirement
from farm.recipe.render import RecipeDocument, RecipeError, render, variants
from farm.recipe.schema import is_condition

__all__ = ["RecipeFacts", "facts_graph", "read_facts"]


@dataclass(frozen=True)
class RecipeFacts:
    name: str
    file: Path
    version: str
    build_number: int
    host: frozenset[str] = frozenset()
    build: frozenset[str] = frozenset()
    variant_axes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    maintainers: tuple[str, ...] = ()
    updates: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: why the recipe could not be rendered (the bot reports it and leaves the recipe alone)
    error: str | None = None
    #: the default variant, rendered (None when it does not render)
    rendered: Recipe | None = field(default=None, compare=False, repr=False)

    @property
    def wheel_version(self) -> str:
        """The version of the library wheel (``4.5.0.post1``); see :meth:`published_version` for every kind."""
        return f"{self.version}.post{self.build_number}" if self.build_number else self.version

    def dist(self, namespace: str) -> str:
        """The distribution its wheels are published as (a Python package keeps its own name)."""
        if self.rendered is None:
            return f"{namespace}-{self.name}"
        return kind_of(self.rendered).dist_name(self.rendered, namespace)

    def published_version(self, namespace: str) -> str:
        """The version its wheel carries (a Python package's is ``2.2.0+wheelfarm.N``)."""
        if self.rendered is None:
            return self.wheel_version
        return kind_of(self.rendered).wheel_version(self.rendered, namespace)


def _entries(values: object) -> Iterator[str]:
    """Every plain string of a requirements list, through every condition branch."""
    if isinstance(values, str):
        yield values
    elif isinstance(values, list):
        for item in values:
            if is_condition(item):
                assert isinstance(item, dict)
                yield from _entries(item.get("then"))
                yield from _entries(item.get("else"))
            else:
                yield from _entries(item)


def _names(doc: RecipeDocument, key: str) -> frozenset[str]:
    reqs = doc.data.get("requirements")
    out: set[str] = set()
    for text in _entries(reqs.get(key) if isinstance(reqs, dict) else None):
        if "${{" in text:
            continue  # a computed name: the rendered recipe is the authority, not the bot
        try:
            out.add(parse_requirement(text).name)
        except ValueError:
            continue  # farm lint reports it
    return frozenset(out)


def _axes(doc: RecipeDocument) -> Mapping[str, tuple[str, ...]]:
    build = doc.data.get("build")
    raw = build.get("variants") if isinstance(build, dict) else None
    if not isinstance(raw, dict):
        return MappingProxyType({})
    return MappingProxyType({str(k): tuple(str(v) for v in vs) for k, vs in raw.items() if isinstance(vs, list)})


def read_facts(documents: Mapping[str, RecipeDocument], pins: Pins, platform: Platform) -> dict[str, RecipeFacts]:
    """Facts for every recipe; one that does not render carries its error instead of failing the run."""
    out: dict[str, RecipeFacts] = {}
    for name, doc in documents.items():
        common: dict[str, Any] = {
            "name": name, "file": doc.file, "host": _names(doc, "host"), "build": _names(doc, "build"),
            "variant_axes": _axes(doc),
        }
        try:
            recipe = render(doc, pins, platform, variants(doc, pins)[0])
        except RecipeError as exc:
            out[name] = RecipeFacts(version="", build_number=0, error=str(exc), **common)
            continue
        out[name] = RecipeFacts(
            version=recipe.version,
            build_number=recipe.build_number,
            maintainers=recipe.maintainers,
            updates=recipe.updates,
            rendered=recipe,
            **common,
        )
    return out


def facts_graph(facts: Mapping[str, RecipeFacts]) -> Graph:
    """The recipe graph (edge: recipe -> a recipe in its host requirements), every branch counted."""
    return Graph.build({name: sorted(f.host & facts.keys()) for name, f in facts.items()})
