"""farm render RECIPE: the fully resolved recipe for each variant."""

from __future__ import annotations

import argparse
import json
from typing import Any

import yaml

from farm.cli._common import add_platform, add_root, catalog, settings
from farm.kinds import kind_of


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="recipe name")
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    add_root(parser)
    add_platform(parser)


def run(args: argparse.Namespace) -> int:
    recipes = catalog(args).variants_of(args.recipe)
    namespace = settings(args).namespace
    docs: list[dict[str, Any]] = []
    for r in recipes:
        docs.append({
            "platform": r.platform.name,
            "variant": dict(r.variant),
            "skip": r.skip,
            "wheel_version": kind_of(r).wheel_version(r, namespace),
            "recipe": json.loads(json.dumps(dict(r.resolved), default=str)),
        })
    if args.format == "json":
        print(json.dumps(docs, indent=2))
    else:
        print(yaml.safe_dump_all(docs, sort_keys=False), end="")
    return 0
