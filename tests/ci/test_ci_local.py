"""farm ci run --local builds exactly what the plan lists for this platform, wave by wave,
through the same Builder as farm build (real, cheap builds: one cc line per recipe)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ci_farm import commit_all
from packaging.version import Version

from farm.bot.index_reader import IndexReader
from farm.platforms import current

pytestmark = pytest.mark.integration


def farm_cmd(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "farm", *args, "--root", str(root)], capture_output=True,
                          text=True, cwd=root.parent)


def _built(root: Path) -> set[str]:
    return {re.sub(r"^wheelfarm_([a-z0-9_]+)-.*$", r"\1", p.name) for p in (root / "wheelhouse").glob("*.whl")}


@pytest.mark.skipif(current().name != "linux-x86_64", reason="the plan's Linux entries build on linux-x86_64")
def test_run_local_builds_exactly_the_plan(farm: Path) -> None:
    f = farm / "recipes" / "mid" / "recipe.yaml"
    f.write_text(f.read_text().replace("number: 0", "number: 1"))
    commit_all(farm, "mid build 1")
    # mid's dependency was built before (the farm's index has it); the change rebuilds mid and top
    assert farm_cmd(farm, "build", "base", "--no-test").returncode == 0
    planned = farm_cmd(farm, "ci", "plan", "HEAD~1..HEAD")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert plan["waves"] == [["mid"], ["top"]]
    (farm.parent / "plan.json").write_text(planned.stdout)

    done = farm_cmd(farm, "ci", "run", "--local", str(farm.parent / "plan.json"), "--no-test")
    assert done.returncode == 0, done.stderr
    here = [e for e in plan["matrix"] if e["platform"] == "linux-x86_64"]
    lines = [line for line in done.stdout.splitlines() if line.startswith("built")]
    assert [(line.split()[2], Path(line.split()[3]).name.split("-")[0]) for line in lines] == \
        [(str(e["wave"]), "wheelfarm_" + e["recipe"]) for e in here]
    assert _built(farm) == {"base", "mid", "top"}  # lone was not planned, so not built
    assert "elsewhere  wave 1 mid on macos-aarch64" in done.stderr
    wheel = next((farm / "wheelhouse").glob("wheelfarm_mid-*.whl"))
    assert "1.0.post1" in wheel.name

    again = farm_cmd(farm, "ci", "run", "--local", "HEAD~1..HEAD", "--no-test")
    assert again.returncode == 0, again.stderr
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["unchanged", "unchanged"]


def test_a_plan_of_other_files_is_refused_before_building(farm: Path) -> None:
    f = farm / "recipes" / "base" / "recipe.yaml"
    f.write_text(f.read_text().replace("number: 0", "number: 1"))
    commit_all(farm, "base build 1")
    planned = farm_cmd(farm, "ci", "plan", "HEAD~1..HEAD")
    (farm.parent / "plan.json").write_text(planned.stdout)
    f.write_text(f.read_text().replace("number: 1", "number: 2"))  # the checkout no longer is the plan's head
    done = farm_cmd(farm, "ci", "run", "--local", str(farm.parent / "plan.json"), "--no-test")
    assert done.returncode == 1
    assert "base: the checked-out recipes give build key" in done.stderr and "check out the plan's head" in done.stderr
    assert not (farm / "wheelhouse").exists()


@pytest.mark.skipif(current().name != "linux-x86_64", reason="the plan's Linux entries build on linux-x86_64")
def test_a_failed_build_leaves_its_record_for_the_bot(farm: Path) -> None:
    f = farm / "recipes" / "lone" / "recipe.yaml"
    f.write_text(f.read_text().replace("number: 0", "number: 1").replace('["bash build.sh"]', '["exit 7"]'))
    commit_all(farm, "lone build 1, broken")
    planned = farm_cmd(farm, "ci", "plan", "HEAD~1..HEAD")
    (farm.parent / "plan.json").write_text(planned.stdout)
    done = farm_cmd(farm, "ci", "run", "--local", str(farm.parent / "plan.json"), "--no-test")
    assert done.returncode == 1 and "exit 7" in done.stderr
    # what the bot reads: the version the build would have published, with the log's end
    log = IndexReader(str(farm / "index")).failure("wheelfarm-lone", Version("1.0.post1"))
    assert log is not None and "build script failed (exit 7)" in log
    assert not list(farm.glob("wheelhouse/wheelfarm_lone-*"))


HOST_WHEELS = Path(__file__).resolve().parents[2] / "ci" / "host_wheels.py"


@pytest.mark.skipif(current().name != "linux-x86_64", reason="the wheels are built here for linux-x86_64")
def test_host_wheels_fetches_what_the_wave_lacks_from_the_index(farm: Path, tmp_path: Path) -> None:
    assert farm_cmd(farm, "build", "mid", "--no-test").returncode == 0  # base, then mid, into the index
    dest = tmp_path / "wheelhouse"
    dest.mkdir()
    mid = next((farm / "wheelhouse").glob("wheelfarm_mid-*.whl"))
    (dest / mid.name).write_bytes(mid.read_bytes())  # an earlier wave built mid
    cmd = [sys.executable, str(HOST_WHEELS), "top", "--platform", "linux-x86_64", "--dest", str(dest),
           "--root", str(farm)]
    lonely = subprocess.run(cmd, capture_output=True, text=True)
    assert lonely.returncode == 1 and "wheelfarm-base==1.0.*: neither built by this change" in lonely.stderr
    done = subprocess.run([*cmd, "--index-url", (farm / "index" / "simple").as_uri() + "/"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name.split("-")[0] for p in dest.glob("*.whl")) == ["wheelfarm_base", "wheelfarm_mid"]
    assert f"mid: {mid.name} (already there" in done.stdout
