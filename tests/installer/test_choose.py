from __future__ import annotations

from pathlib import Path

import pytest

from farm.installer import InstallerError, choose
from farm.installer import uv as uv_module
from farm.installer.pip import PipInstaller
from farm.installer.uv import UvInstaller


def test_auto_prefers_uv_and_keeps_its_cache_under_the_farm_cache(tmp_path: Path) -> None:
    chosen = choose("auto", cache=tmp_path, environ={})
    assert isinstance(chosen, UvInstaller)  # uv is a dependency of farm
    assert chosen.cache == tmp_path / "uv"


def test_auto_falls_back_to_pip_where_uv_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uv_module, "_executable", lambda: None)
    assert isinstance(choose("auto", cache=tmp_path, environ={}), PipInstaller)
    with pytest.raises(InstallerError, match="'uv' is not installed: pip install uv"):
        choose("uv", cache=tmp_path, environ={})


def test_pip_when_asked_and_unknown_names_refused(tmp_path: Path) -> None:
    assert isinstance(choose("pip", cache=tmp_path, environ={"PIP_CACHE_DIR": "/c"}), PipInstaller)
    with pytest.raises(InstallerError, match="'conda' is unknown; set it to one of auto, uv, pip"):
        choose("conda", cache=tmp_path, environ={})
