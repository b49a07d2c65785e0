from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from farm.installer import Command, choose
from farm.index import publish
from farm.installer.uv import UvInstaller, carried

from installer_helpers import make_wheel


def _run(command: Command) -> None:
    subprocess.run(command.argv, env=dict(command.env), check=True, capture_output=True)


def test_pip_variables_reach_uv_unless_uv_has_its_own() -> None:
    config = carried({"PIP_EXTRA_INDEX_URL": "https://a/simple https://b/simple", "PIP_FIND_LINKS": "/w1 /w2",
                      "PIP_INDEX_URL": "https://pip/simple", "UV_INDEX_URL": "https://uv/simple", "OTHER": "x"})
    assert config == {"UV_INDEX_URL": "https://uv/simple", "UV_EXTRA_INDEX_URL": "https://a/simple https://b/simple",
                      "UV_FIND_LINKS": "/w1,/w2"}


def test_one_index_install_drops_every_other_source(tmp_path: Path) -> None:
    uv = UvInstaller("uv", tmp_path / "cache", {"UV_EXTRA_INDEX_URL": "https://x/simple", "UV_FIND_LINKS": "/w",
                                                 "SSL_CERT_FILE": "/ca.pem"})
    only = uv.install(tmp_path / "venv", ["demo==1"], {"HOME": "/h"}, index="file:///ours/simple/")
    assert "--no-config" in only.argv and only.argv[-1] == "demo==1"
    assert "UV_EXTRA_INDEX_URL" not in only.env and "UV_FIND_LINKS" not in only.env
    assert only.env["SSL_CERT_FILE"] == "/ca.pem" and only.env["UV_CACHE_DIR"] == str(tmp_path / "cache")
    configured = uv.install(tmp_path / "venv", ["pkgconf"], {"HOME": "/h"})
    assert configured.env["UV_EXTRA_INDEX_URL"] == "https://x/simple" and "--no-config" not in configured.argv
    assert "--offline" in uv.install_cached(tmp_path / "venv", ["pkgconf"], {}).argv


def test_our_index_wins_over_a_configured_one_and_the_cache_serves_again(tmp_path: Path,
                                                                         two_indexes: tuple[str, str]) -> None:
    ours, other = two_indexes
    uv = choose("uv", cache=tmp_path / "farm-cache", environ={"UV_EXTRA_INDEX_URL": other})
    venv = tmp_path / "venv"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    _run(uv.create(venv, env))
    _run(uv.install(venv, ["demo-lib"], env, index=ours))
    mark = subprocess.run([str(venv / "bin" / "python"), "-c", "import demo_lib; print(demo_lib.MARK)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert mark == "ours"  # 9.0 from the other index never stood in for it
    # the configured index is used for tools: there 9.0 is the newest, and the cache has it afterwards
    second = tmp_path / "venv2"
    _run(uv.create(second, env))
    _run(uv.install(second, ["demo-lib"], env))
    third = tmp_path / "venv3"
    _run(uv.create(third, env))
    offline = uv.install_cached(third, ["demo-lib==9.0"], env)
    assert offline is not None
    _run(offline)
    assert (tmp_path / "farm-cache" / "uv").is_dir()


def test_a_rebuilt_wheel_of_the_same_name_is_never_served_from_the_cache(tmp_path: Path) -> None:
    uv = choose("uv", cache=tmp_path / "farm-cache", environ={})
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    staging = tmp_path / "staging"
    for build in ("first", "second"):  # the same file name at the same place, other bytes
        shutil.rmtree(staging, ignore_errors=True)
        publish(staging, [make_wheel(tmp_path / "wheels", "demo-lib", "1.0", build)])
        venv = tmp_path / f"venv-{build}"
        _run(uv.create(venv, env))
        _run(uv.install(venv, ["demo-lib==1.0"], env, index=(staging / "simple").as_uri() + "/"))
        mark = subprocess.run([str(venv / "bin" / "python"), "-c", "import demo_lib; print(demo_lib.MARK)"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert mark == build
