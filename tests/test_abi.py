from __future__ import annotations

import pytest

from farm.abi import pin_range


@pytest.mark.parametrize(("version", "max_pin", "min_pin", "expected"), [
    ("3.6.2", "x.x", "x.x.x", ">=3.6.2,<3.7"),
    ("1.2.13", "x", "x.x.x", ">=1.2.13,<2"),
    ("1.2.13.post3", "x.x.x", "x.x.x", ">=1.2.13,<1.2.14"),
    ("12.9.79", "x", "x.x", ">=12.9,<13"),
    ("9", "x.x", "x", ">=9,<9.1"),
])
def test_pin_range(version: str, max_pin: str, min_pin: str, expected: str) -> None:
    assert pin_range(version, max_pin, min_pin) == expected


def test_bad_policy() -> None:
    with pytest.raises(ValueError, match="pin policy"):
        pin_range("1.0", "y.y")
