from __future__ import annotations

from pathlib import Path

import pytest

from farm.index import publish
from installer_helpers import make_wheel


@pytest.fixture
def two_indexes(tmp_path: Path) -> tuple[str, str]:
    """Our index with demo-lib 1.0, and another holding a higher demo-lib 9.0 that must never win."""
    ours = tmp_path / "ours"
    other = tmp_path / "other"
    publish(ours, [make_wheel(tmp_path / "wheels", "demo-lib", "1.0", "ours")])
    publish(other, [make_wheel(tmp_path / "wheels", "demo-lib", "9.0", "other")])
    return (ours / "simple").as_uri() + "/", (other / "simple").as_uri() + "/"
