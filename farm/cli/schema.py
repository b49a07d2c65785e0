"""farm schema: print the recipe JSON schema (also shipped as farm/resources/recipe.schema.json)."""

from __future__ import annotations

import argparse
import json

from farm.recipe.schema import RECIPE, json_schema


def configure(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(RECIPE), indent=2))
    return 0
