"""farm ci plan on a small farm in a git repository: what each kind of change plans."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ci_farm import commit_all, git

from farm.ci.change import read_change
from farm.ci.config import load_ci_config
from farm.ci.plan import CiPlan, PlanError, github_output, plan_change
from farm.settings import load_settings


def plan(root: Path, rng: str = "HEAD~1..HEAD") -> CiPlan:
    s = load_settings(root)
    scratch = root.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    return plan_change(read_change(s, rng, scratch), load_ci_config(root / "ci").platforms, s.namespace)


def bump(root: Path, name: str, number: int = 1) -> None:
    f = root / "recipes" / name / "recipe.yaml"
    f.write_text(re.sub(r"number: \d+", f"number: {number}", f.read_text()))


def test_a_recipe_change_plans_it_and_every_dependent_in_waves(farm: Path) -> None:
    bump(farm, "base")
    commit_all(farm, "base build 1")
    p = plan(farm)
    assert p.waves == (("base",), ("mid",), ("top",))
    assert p.reasons["base"] == ("recipes/base/recipe.yaml changed",)
    assert p.reasons["top"] == ("links mid, which is rebuilt",)
    assert p.everything is None
    platforms = {c.name for c in load_ci_config(farm / "ci").platforms}
    assert {(e.recipe, e.platform) for e in p.matrix} == {(r, pl) for r in ("base", "mid", "top") for pl in platforms}
    assert [e.wave for e in p.matrix] == sorted(e.wave for e in p.matrix)
    linux = next(e for e in p.matrix if e.platform == "linux-x86_64" and e.recipe == "base")
    assert linux.image == "manylinux_2_28" and linux.runner == "ubuntu-24.04"
    mac = next(e for e in p.matrix if e.platform == "macos-aarch64" and e.recipe == "base")
    assert mac.image is None and mac.os == "macos"


def test_a_change_below_a_recipe_changes_its_key_and_nothing_else_does(farm: Path) -> None:
    (farm / "docs.md").write_text("words\n")
    commit_all(farm, "docs")
    assert plan(farm).matrix == ()
    bump(farm, "lone")
    commit_all(farm, "lone 1")
    first = {(e.recipe, e.platform): e.key for e in plan(farm).matrix}
    bump(farm, "base")
    commit_all(farm, "base 1")
    keys = {(e.recipe, e.platform): e.key for e in plan(farm, "HEAD~2..HEAD").matrix}
    assert keys[("lone", "linux-x86_64")] == first[("lone", "linux-x86_64")]
    again = {(e.recipe, e.platform): e.key for e in plan(farm, "HEAD~2..HEAD").matrix}
    assert again == keys
    bump(farm, "base", 2)
    commit_all(farm, "base 2")
    moved = {(e.recipe, e.platform): e.key for e in plan(farm, "HEAD~3..HEAD").matrix}
    assert moved[("top", "linux-x86_64")] != keys[("top", "linux-x86_64")]
    assert moved[("lone", "linux-x86_64")] == keys[("lone", "linux-x86_64")]


def test_a_pin_change_plans_the_recipes_using_the_pin(farm: Path) -> None:
    pins = farm / "recipes" / "pins.yaml"
    pins.write_text(pins.read_text().replace('mid: "1.0"', 'mid: "1.1"'))
    commit_all(farm, "mid pin")
    p = plan(farm)
    assert p.recipes == ("top",)
    assert p.reasons["top"] == ("the mid pin changed (1.0 -> 1.1)",)


def test_a_migration_plans_through_the_pins_it_changes_and_its_completion_plans_nothing(farm: Path) -> None:
    migration = farm / "recipes" / "migrations" / "base-1.1.yaml"
    migration.write_text('schema_version: 1\nsummary: base 1.1\npins:\n  base: "1.1"\n')
    commit_all(farm, "migrate base")
    assert plan(farm).waves == (("mid",), ("top",))
    pins = farm / "recipes" / "pins.yaml"
    pins.write_text(pins.read_text().replace('base: "1.0"', 'base: "1.1"'))
    (farm / "recipes" / "migrations" / "retired").mkdir()
    migration.rename(farm / "recipes" / "migrations" / "retired" / migration.name)
    commit_all(farm, "base 1.1 lands")
    assert plan(farm).waves == ()


@pytest.mark.parametrize("edit", ["toolchain", "farm"])
def test_the_toolchain_or_farm_itself_plans_everything(farm: Path, edit: str) -> None:
    if edit == "toolchain":
        pins = farm / "recipes" / "pins.yaml"
        pins.write_text(pins.read_text().replace("c_compiler: gcc", "c_compiler: gcc\n  c_compiler_version: '13'"))
    else:
        (farm / "farm" / "build.py").write_text("# changed\n")
    commit_all(farm, edit)
    p = plan(farm)
    assert set(p.recipes) == {"base", "mid", "top", "lone"}
    assert p.everything and ("toolchain" in p.everything if edit == "toolchain" else "farm/build.py" in p.everything)


def test_a_removed_recipe_is_reported_not_built(farm: Path) -> None:
    git(farm, "rm", "-rq", "recipes/lone")
    commit_all(farm, "no lone")
    p = plan(farm)
    assert p.removed == ("lone",) and p.matrix == ()


def test_the_plan_reads_the_revisions_not_the_work_tree(farm: Path) -> None:
    bump(farm, "mid")
    commit_all(farm, "mid 1")
    bump(farm, "lone")  # not committed
    assert plan(farm).recipes == ("mid", "top")


def test_github_output_gives_one_matrix_per_wave_and_refuses_too_few_waves(farm: Path) -> None:
    bump(farm, "mid")
    commit_all(farm, "mid 1")
    p = plan(farm)
    lines = dict(line.split("=", 1) for line in github_output(p, 4).splitlines())
    assert lines["count"] == str(len(p.matrix)) and lines["wave3"] == lines["wave4"] == ""
    assert {e["recipe"] for e in json.loads(lines["wave1"])["include"]} == {"mid"}
    assert {e["recipe"] for e in json.loads(lines["wave2"])["include"]} == {"top"}
    with pytest.raises(PlanError, match="2 waves but the workflows run 1; run 'farm ci render'"):
        github_output(p, 1)


def test_the_json_form_reads_back_and_a_bad_one_is_named(farm: Path, tmp_path: Path) -> None:
    bump(farm, "base")
    commit_all(farm, "base 1")
    p = plan(farm)
    back = CiPlan.from_json(json.loads(json.dumps(p.to_json())), "plan.json")
    assert back.to_json() == p.to_json()
    data = p.to_json()
    data["matrix"][0]["wave"] = 3
    with pytest.raises(PlanError, match="plan.json: matrix entry base on .* is not in wave 3"):
        CiPlan.from_json(data, "plan.json")
    with pytest.raises(PlanError, match="other.json: not a farm CI plan"):
        CiPlan.from_json({"format": 99}, "other.json")


def test_the_command_prints_json_and_names_a_bad_range(farm: Path) -> None:
    bump(farm, "base")
    commit_all(farm, "base 1")
    out = farm.parent / "gh_output"
    done = subprocess.run([sys.executable, "-m", "farm", "ci", "plan", "HEAD~1..HEAD", "--root", str(farm),
                           "--github-output", str(out), "--waves", "3"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["waves"] == [["base"], ["mid"], ["top"]]
    assert "wave3={" in out.read_text()
    bad = subprocess.run([sys.executable, "-m", "farm", "ci", "plan", "HEAD", "--root", str(farm)],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "write BASE..HEAD" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "farm", "ci", "plan", "nope..HEAD", "--root", str(farm)],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "no commit 'nope'" in missing.stderr


def test_variants_that_are_distinct_wheels_are_one_job_each() -> None:
    from farm.catalog import Catalog
    from farm.ci.plan import MatrixEntry, _wheels

    root = Path(__file__).resolve().parents[2]
    catalog = Catalog.from_settings(load_settings(root))
    assert _wheels(catalog.variants_of("ucx")) == ["cuda=12", "cuda=13"]  # wheelfarm-ucx-cu12, -cu13
    assert _wheels(catalog.variants_of("openblas")) == ["interface=lp64", "interface=ilp64"]
    assert _wheels(catalog.variants_of("shapely")) == [""]  # one distribution; cibuildwheel splits the CPythons
    entry = MatrixEntry(2, "ucx", "linux-x86_64", "linux", "x86_64", "ubuntu-24.04", "manylinux_2_28", "k", "cuda=13")
    assert entry.tag == "ucx-cuda13" and entry.to_json()["variant"] == "cuda=13"
    plain = MatrixEntry(1, "zlib", "linux-x86_64", "linux", "x86_64", "ubuntu-24.04", None, "k")
    assert plain.tag == "zlib" and "variant" not in plain.to_json()
