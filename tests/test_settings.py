from __future__ import annotations

from pathlib import Path

import pytest

from farm.settings import SettingsError, load_settings


def test_defaults_then_file_then_environment(tmp_path: Path) -> None:
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "pins.yaml").write_text("{}\n")
    s = load_settings(tmp_path, environ={})
    assert s.namespace == "wheelfarm" and s.wheelhouse == tmp_path / "wheelhouse"
    (tmp_path / "farm.toml").write_text('namespace = "acme"\nwheelhouse = "out"\n')
    s = load_settings(tmp_path / "recipes", environ={"FARM_WHEELHOUSE": "/tmp/wh"})
    assert (s.root, s.namespace, s.wheelhouse) == (tmp_path, "acme", Path("/tmp/wh"))
    assert s.dist_name("zlib") == "acme-zlib"


def test_unknown_setting(tmp_path: Path) -> None:
    (tmp_path / "farm.toml").write_text('namepsace = "x"\n')
    with pytest.raises(SettingsError, match="unknown setting 'namepsace'"):
        load_settings(tmp_path, environ={})


def test_installer_setting(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={}).installer == "auto"
    assert load_settings(tmp_path, environ={"FARM_INSTALLER": "pip"}).installer == "pip"
    with pytest.raises(SettingsError, match="installer 'conda' may only be 'auto', 'uv' or 'pip'"):
        load_settings(tmp_path, environ={"FARM_INSTALLER": "conda"})
