"""The farm's recipes as a whole: find one by name, render it, and draw their graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from farm.errors import FarmError
from farm.graph import Graph
from farm.pins import Pins, load_pins
from farm.platforms import Platform, current
from farm.recipe.model import Recipe
from farm.recipe.render import RecipeDocument, discover, read_document, render_all
from farm.settings import Settings

__all__ = ["Catalog", "UnknownRecipe"]


class UnknownRecipe(FarmError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Catalog:
    recipes_dir: Path
    pins: Pins
    platform: Platform
    #: build options chosen on the command line (``--option kernels=haswell``), for every recipe having them
    options: dict[str, str] = field(default_factory=dict)
    _variants: dict[str, list[Recipe]] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, platform: Platform | None = None) -> Catalog:
        """The farm's recipes with the pins builds see: pins.yaml with running migrations laid over it."""
        from farm.bot.migration import effective_pins, load_migrations

        # a paused migration opens no new PRs, but the rebuilds it opened still build with its pins
        migrations = load_migrations(settings.migrations)
        return cls(settings.recipes, effective_pins(load_pins(settings.pins_file), migrations), platform or current())

    @cached_property
    def documents(self) -> dict[str, RecipeDocument]:
        docs = (read_document(f) for f in discover(self.recipes_dir))
        return {d.declared_name: d for d in docs}

    def document(self, name: str) -> RecipeDocument:
        try:
            return self.documents[name]
        except KeyError:
            known = ", ".join(sorted(self.documents)) or "none"
            raise UnknownRecipe(f"no recipe named {name!r} in {self.recipes_dir} (recipes: {known})") from None

    def name_of(self, recipe: Recipe) -> str:
        """The catalog's name for a rendered recipe (a variant may rename its package: openblas64)."""
        for name, doc in self.documents.items():
            if doc.folder == recipe.folder:
                return name
        raise UnknownRecipe(f"recipe {recipe.name!r} from {recipe.folder} is not in {self.recipes_dir}")

    def variants_of(self, name: str) -> list[Recipe]:
        """Every variant of recipe ``name``, rendered once (set ``options`` before the first call)."""
        if name not in self._variants:
            self._variants[name] = render_all(self.document(name), self.pins, self.platform, self._chosen(name))
        return self._variants[name]

    def _chosen(self, name: str) -> dict[str, str]:
        build = self.document(name).data.get("build")
        known = build.get("options") if isinstance(build, dict) else None
        return {k: v for k, v in self.options.items() if isinstance(known, dict) and k in known}

    @cached_property
    def rendered(self) -> dict[str, list[Recipe]]:
        return {name: self.variants_of(name) for name in self.documents}

    @cached_property
    def _graph(self) -> Graph:
        edges = {
            name: sorted({h.name for r in recipes for h in r.host if h.name in self.documents})
            for name, recipes in self.rendered.items()
        }
        return Graph.build(edges)

    def graph(self) -> Graph:
        """Recipes and their host dependencies among recipes (external wheels are leaves outside it)."""
        return self._graph
