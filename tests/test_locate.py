from __future__ import annotations

from pathlib import Path

import pytest

from farm.locate import Position, YamlError, load_yaml


def test_positions_and_duplicates() -> None:
    got = load_yaml("a: 1\nb:\n  - x: 2\na: 3\n", Path("f.yaml"))
    assert got.data == {"a": 3, "b": [{"x": 2}]}
    assert got.locations.of(("b", 0, "x")) == Position(3, 8)
    assert got.locations.key(("b",)) == Position(2, 1)
    assert got.locations.of(("b", 0, "missing")) == Position(3, 5)
    assert [p for p, _ in got.locations.duplicates] == [("a",)]


@pytest.mark.parametrize("text", ["a: [", "\x1f", "!!python/object:os.system x", "a: *nope"])
def test_errors_have_positions(text: str) -> None:
    with pytest.raises(YamlError) as info:
        load_yaml(text, Path("f.yaml"))
    assert info.value.position.line >= 1
