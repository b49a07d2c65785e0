from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from farm.recipe.schema import RECIPE, json_schema

ROOT = Path(__file__).resolve().parent.parent


def test_published_schema_is_current() -> None:
    shipped = json.loads((ROOT / "farm" / "resources" / "recipe.schema.json").read_text())
    assert shipped == json_schema(RECIPE), "run: farm schema > farm/resources/recipe.schema.json"


def test_real_recipes_validate_against_the_json_schema() -> None:
    schema = json_schema(RECIPE)
    for recipe in (ROOT / "recipes").glob("*/recipe.yaml"):
        jsonschema.validate(yaml.safe_load(recipe.read_text()), schema)


def test_json_schema_rejects_unknown_keys() -> None:
    doc = yaml.safe_load((ROOT / "recipes" / "zlib" / "recipe.yaml").read_text())
    doc["sorce"] = doc.pop("source")
    assert list(jsonschema.Draft202012Validator(json_schema(RECIPE)).iter_errors(doc))
