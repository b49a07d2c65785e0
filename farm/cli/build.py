"""farm build NAME... | --all: build recipes into tested, repaired wheels in the wheelhouse and index."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from farm import reproducible
from farm.build import Builder
from farm.cli._common import add_platform, add_root, catalog, settings
from farm.cli._printer import printer
from farm.settings import Settings


#: the printer of every command that builds (``farm ci run`` too)
_Printer = printer


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipes", nargs="*", help="recipe names (their dependencies are built first)")
    parser.add_argument("--all", action="store_true", help="every recipe; unchanged ones are skipped")
    parser.add_argument("--force", action="store_true", help="rebuild even when the build key is unchanged")
    parser.add_argument("--no-test", action="store_true", help="skip the fresh-venv test stage")
    parser.add_argument("--no-deps", action="store_true",
                        help="build only the named recipes; their dependencies' wheels come from the wheelhouse "
                             "as they are (a missing one is an error), as a CI job for one recipe gets them")
    parser.add_argument("--strict-policy", action="store_true",
                        help="repair to the platform policy of pins.yaml (fails if the wheel cannot meet it)")
    parser.add_argument("--variant", action="append", metavar="KEY=VALUE", default=[],
                        help="build only the variants with this value (e.g. interface=lp64)")
    parser.add_argument("--check-reproducible", action="store_true",
                        help="build twice, in different folders at different times, and compare the wheels "
                             "byte for byte (exit 1 naming the first difference)")
    parser.add_argument("--option", action="append", metavar="KEY=VALUE",
                        help="pick a non-release build option of recipes that declare it (e.g. kernels=haswell)")
    add_root(parser)
    add_platform(parser)


def run(args: argparse.Namespace) -> int:
    cat = catalog(args)
    names = sorted(cat.documents) if args.all else args.recipes
    if not names:
        print("farm build: name recipes to build, or --all", file=sys.stderr)
        return 2
    only = dict(item.partition("=")[::2] for item in args.variant)
    shown = printer()
    builder = Builder(settings(args), cat, shown, test=not args.no_test, force=args.force,
                      strict_policy=args.strict_policy, only_variants=only, with_dependencies=not args.no_deps)
    if args.check_reproducible:
        return _check_reproducible(builder, names)
    start = time.monotonic()
    try:
        results = builder.build(names)
    finally:
        shown.close()  # the live line and the log fold end before any error is printed
    for r in results:
        for hint in r.hints:
            print(f"hint: {hint}", file=sys.stderr)
        state = "unchanged" if r.skipped else "built"
        print(f"{state:<10} {r.wheel}")
    print(f"{len(results)} wheel(s), {sum(not r.skipped for r in results)} built, "
          f"{time.monotonic() - start:.1f}s", file=sys.stderr)
    return 0


def _check_reproducible(builder: Builder, names: list[str]) -> int:
    """Two builds of ``names`` (and what they link) from scratch; every wheel compared byte for byte."""
    def build_round(round_settings: Settings) -> list[Path]:
        one = dataclasses.replace(builder, settings=round_settings, force=True)
        return [r.wheel for r in one.build(names)]

    report = reproducible.check(builder.settings, build_round)
    for c in report.comparisons:
        first, second = c.sha256
        print(f"{c.wheel}\n  first   {first or '-'}  {c.first or ''}\n  second  {second or '-'}  {c.second or ''}")
        print("  identical" if c.identical else f"  DIFFERENT: {c.difference}")
        if c.changed:
            print(f"  the inputs changed between the rounds ({', '.join(c.changed)} differ, and the build key): "
                  "build again from an unchanging checkout")
    print(f"{sum(c.identical for c in report.comparisons)} of {len(report.comparisons)} wheel(s) byte-identical "
          f"(rounds in {report.folders[0]} and {report.folders[1]})", file=sys.stderr)
    return 0 if report.identical else 1
