"""farm graph [RECIPE]: dependencies and dependents, build waves, Graphviz DOT."""

from __future__ import annotations

import argparse
import json

from farm.cli._common import add_platform, add_root, catalog
from farm.errors import FarmError
from farm.graph import CycleError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", nargs="?", help="show this recipe's dependencies and dependents")
    parser.add_argument("--dot", action="store_true", help="print the graph in Graphviz DOT")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_root(parser)
    add_platform(parser)


def run(args: argparse.Namespace) -> int:
    graph = catalog(args).graph()
    if args.recipe is not None and args.recipe not in graph:
        raise FarmError(f"no recipe named {args.recipe!r}; 'farm graph' lists them")
    if args.dot:
        only = None
        if args.recipe:
            only = {args.recipe, *graph.dependencies(args.recipe, True), *graph.dependents(args.recipe, True)}
        print(graph.to_dot(highlight=args.recipe, only=only), end="")
        return 0
    try:
        waves = graph.waves()
    except CycleError as exc:
        raise FarmError(str(exc)) from None
    if args.recipe:
        info = {
            "recipe": args.recipe,
            "dependencies": graph.dependencies(args.recipe),
            "all_dependencies": graph.dependencies(args.recipe, transitive=True),
            "dependents": graph.dependents(args.recipe),
            "all_dependents": graph.dependents(args.recipe, transitive=True),
        }
        if args.format == "json":
            print(json.dumps(info, indent=2))
        else:
            for key, values in info.items():
                if key != "recipe":
                    print(f"{key.replace('_', ' ')}: {', '.join(values) if values else '-'}")
        return 0
    if args.format == "json":
        print(json.dumps({"waves": waves}, indent=2))
    else:
        for i, wave in enumerate(waves, 1):
            print(f"wave {i}: {' '.join(wave)}")
    return 0
