"""Malformed YAML and recipe shapes give lint diagnostics or a clean pass, never an exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from farm.lint import Diagnostic, lint_text
from farm.recipe.schema import RECIPE, ListOf, MapOf, Obj, OneOf

FILE = Path("/nonexistent/fuzz/recipe.yaml")
KEYS = sorted({*RECIPE.fields, "if", "then", "else", "url", "sha256", "debian", "number", "script", "name",
               "version", "host", "license", "${{ x }}", "alternatives"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["${{ version }}", "${{ 1/0 }}", "${{", "}}", "${{ pins.zlib }}",
                                           "${{ x.y() }}", "linux", "a" * 64, "zlib >=1", "${{ [] }}"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=25,
)


def shaped(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Documents that follow the schema's shape, with random (often wrong) leaves."""
    if depth > 4:
        return scalars
    if isinstance(shape, Obj):
        return st.fixed_dictionaries({}, optional={k: shaped(v, depth + 1) | scalars for k, v in shape.fields.items()})
    if isinstance(shape, ListOf):
        item = shaped(shape.item, depth + 1)
        cond = st.fixed_dictionaries({"if": scalars, "then": item}, optional={"else": item})
        return st.lists(item | cond, max_size=3)
    if isinstance(shape, MapOf):
        return st.dictionaries(st.text(max_size=6), shaped(shape.value, depth + 1), max_size=3)
    if isinstance(shape, OneOf):
        return st.one_of(*(shaped(o, depth + 1) for o in shape.options))
    return scalars


def check(text: str) -> None:
    found = lint_text(text, FILE)
    assert all(isinstance(d, Diagnostic) and d.line >= 1 and d.col >= 1 for d in found)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check(text)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_arbitrary_documents(doc: Any) -> None:
    check(yaml.safe_dump(doc))


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(shaped(RECIPE))
def test_recipe_shapes(doc: Any) -> None:
    check(yaml.safe_dump(doc))
