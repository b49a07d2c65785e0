"""Fixtures for the CI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from ci_farm import make_farm


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    return make_farm(tmp_path)
