from __future__ import annotations

import os
import subprocess
from pathlib import Path

from farm.installer import Command
from farm.installer.pip import PipInstaller, find


def _run(command: Command) -> None:
    subprocess.run(command.argv, env=dict(command.env), check=True, capture_output=True)


def test_one_index_install_reads_no_configuration(tmp_path: Path) -> None:
    pip = find(tmp_path, {"PIP_EXTRA_INDEX_URL": "https://x/simple", "PIP_CACHE_DIR": "/c", "UNRELATED": "1"})
    assert pip.config == {"PIP_EXTRA_INDEX_URL": "https://x/simple", "PIP_CACHE_DIR": "/c"}
    only = pip.install(tmp_path / "venv", ["demo==1"], {}, index="file:///ours/simple/")
    assert only.env == {"PIP_CACHE_DIR": "/c", "PIP_CONFIG_FILE": os.devnull}
    assert only.argv[-3:] == ("--index-url", "file:///ours/simple/", "demo==1")
    assert pip.install(tmp_path / "venv", ["pkgconf"], {}).env["PIP_EXTRA_INDEX_URL"] == "https://x/simple"
    assert pip.install_cached(tmp_path / "venv", ["pkgconf"], {}) is None


def test_our_index_wins_over_a_configured_one(tmp_path: Path, two_indexes: tuple[str, str]) -> None:
    ours, other = two_indexes
    pip = PipInstaller({"PIP_EXTRA_INDEX_URL": other})
    venv = tmp_path / "venv"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    _run(pip.create(venv, env))
    _run(pip.install(venv, ["demo-lib"], env, index=ours))
    mark = subprocess.run([str(venv / "bin" / "python"), "-c", "import demo_lib; print(demo_lib.MARK)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert mark == "ours"
