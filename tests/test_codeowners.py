from __future__ import annotations

from farm.codeowners import codeowners


def test_one_line_per_recipe() -> None:
    text = codeowners({"zlib": ["alice-handle", "@org/team", "alice-handle"], "orphan": []}, core=["org/core"])
    assert text.splitlines()[1:] == ["* @org/core", "/recipes/zlib/ @alice-handle @org/team"]
