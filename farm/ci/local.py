"""``farm ci run --local``: the plan CI runs, built on this machine wave by wave through
the same :class:`~farm.build.Builder` as ``farm build``.

Only the plan's entries for this machine's platform build here; the others are reported.
Each entry's build key is computed again from the checked-out recipes and compared with
the plan's first, so a plan is never built from files other than the ones it was made of.

A build that fails leaves its record beside the index's pages (the version it would have
published and the end of its log), where the bot reads it: the rebuild shows as ``failed``
on the status page with the log, not as waiting forever.
"""

from __future__ import annotations

from dataclasses import dataclass

from farm.bot.index_reader import record_build_failure
from farm.build import Builder, BuildResult
from farm.ci.plan import CiPlan, MatrixEntry, PlanError, recipe_keys
from farm.errors import FarmError
from farm.kinds import kind_of
from farm.recipe.model import Recipe

__all__ = ["LocalResult", "LocalRun", "run_local"]


@dataclass(frozen=True)
class LocalResult:
    wave: int
    result: BuildResult

    @property
    def skipped(self) -> bool:
        return self.result.skipped


@dataclass(frozen=True)
class LocalRun:
    results: tuple[LocalResult, ...]
    #: the plan's entries for other platforms (hosted CI builds them)
    elsewhere: tuple[MatrixEntry, ...]


def run_local(plan: CiPlan, builder: Builder) -> LocalRun:
    """Build every entry of ``plan`` for the builder's platform, wave by wave, dependencies first."""
    catalog = builder.catalog
    here = [e for e in plan.matrix if e.platform == catalog.platform.name]
    unknown = sorted({e.recipe for e in here} - set(catalog.documents))
    if unknown:
        raise PlanError(f"the plan builds {', '.join(unknown)}, which {catalog.recipes_dir} does not have; "
                        "check out the plan's head revision")
    keys = recipe_keys(catalog, sorted({e.recipe for e in here}), builder.settings.namespace)
    for e in here:
        if keys[e.recipe] != e.key:
            raise PlanError(f"{e.recipe}: the checked-out recipes give build key {keys[e.recipe][:12]}, the plan "
                            f"{e.key[:12]}; check out the plan's head revision ({plan.head[:12]}) or plan again")
    results: list[LocalResult] = []
    for number in range(1, len(plan.waves) + 1):
        for entry in sorted((e for e in here if e.wave == number), key=lambda e: e.recipe):
            builder.reporter.info(f"wave {number}: {entry.recipe}")
            for recipe in catalog.variants_of(entry.recipe):
                if any(k in recipe.variant and str(recipe.variant[k]) != v
                       for k, v in builder.only_variants.items()) or recipe.skip:
                    continue
                why = kind_of(recipe).unavailable(recipe)
                if why:  # as farm build does: a CPython this machine lacks is CI's to build
                    builder.reporter.info(f"{entry.recipe} {dict(recipe.variant)}: skipped: {why}")
                    continue
                try:
                    built = builder.build_one(recipe)
                except FarmError as exc:
                    record_failure(builder, recipe, exc)
                    raise
                results.append(LocalResult(number, built))
    return LocalRun(tuple(results), tuple(e for e in plan.matrix if e.platform != catalog.platform.name))


def record_failure(builder: Builder, recipe: Recipe, exc: FarmError) -> None:
    """The failed build's record in the index folder: its wheel version and the end of its log."""
    kind = kind_of(recipe)
    ns = builder.settings.namespace
    log = builder.log_file(recipe)  # this variant's own ("gdal-*" would match gdal-python's too)
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    record_build_failure(builder.settings.index, kind.dist_name(recipe, ns), kind.wheel_version(recipe, ns),
                         f"{text}\n{exc}\n")
