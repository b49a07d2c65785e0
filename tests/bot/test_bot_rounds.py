"""ci/bot_rounds.py, the driver that plays CI and the maintainers round by round: it converges
after being killed with SIGKILL, and finishes or undoes what a kill left behind."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from farm.bot.forge import FileChange, PullRequest
from farm.bot.forge_local import LocalForge

REPO = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "ci" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


rounds = _load("bot_rounds")
faults = _load("bot_faults")


@pytest.fixture
def upstream() -> Iterator[Any]:
    with faults.Upstream(faults.GRAPHS["small"]) as up:
        yield up


def _pr(number: int, head: str, version: str = "") -> PullRequest:
    body = f'<!-- farm-bot: {{"version": "{version}"}} -->' if version else ""
    return PullRequest(number, head, "main", "t", body, "merged", "")


def test_duplicates_are_one_branch_or_one_migration_recipe_twice() -> None:
    assert rounds.duplicates([_pr(1, "farm-bot/migrate/m/a"), _pr(2, "farm-bot/migrate/m/b")]) == []
    found = rounds.duplicates([_pr(1, "farm-bot/migrate/m/a"), _pr(3, "farm-bot/migrate/m/a")])
    assert found == ["branch farm-bot/migrate/m/a: PRs #1, #3"]
    # a bump branch gets a new PR for each new upstream version, never two for one
    assert rounds.duplicates([_pr(1, "farm-bot/update/z", "1.1"), _pr(2, "farm-bot/update/z", "1.2")]) == []
    assert rounds.duplicates([_pr(1, "farm-bot/update/z", "1.1"), _pr(2, "farm-bot/update/z", "1.1")]) != []


def _half_merged(repo: Path) -> tuple[Any, PullRequest, str]:
    """A bot PR and a `git merge` of it stopped before its commit, with the locks a kill leaves."""
    forge = LocalForge(repo)
    branch = "farm-bot/update/rz"
    forge.create_branch(branch, "main")
    recipe = (repo / "recipes" / "rz" / "recipe.yaml").read_text()
    forge.commit_files(branch, "rz: update", [FileChange("recipes/rz/recipe.yaml", recipe.replace('"1.0"', '"1.1"')),
                                              FileChange("recipes/migrations/rz-1.1.yaml", "schema_version: 1\n")])
    pr = forge.open_pr(branch, "main", "rz: update to 1.1", "")
    base = faults.git(repo, "rev-parse", "HEAD").strip()
    driver = rounds.Driver(repo)
    driver.state_dir.mkdir(parents=True)
    driver.state.merging = {"number": pr.number, "branch": branch, "head": forge.branch_head(branch), "base": base}
    driver.save_state()
    faults.git(repo, "merge", "--no-ff", "--no-commit", branch)
    (repo / ".git" / "index.lock").write_text("")
    (repo / ".git" / "refs" / "heads" / "farm-bot" / "update" / "rz.lock").write_text("")
    return driver, pr, base


def test_a_half_done_merge_is_undone_and_merged_again(tmp_path: Path, upstream: Any) -> None:
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")
    killed, pr, base = _half_merged(repo)
    assert (repo / "recipes" / "migrations" / "rz-1.1.yaml").exists()

    driver = rounds.Driver(repo)  # the next start
    driver.load_state()
    driver.recover()
    assert driver.state.merging is None
    assert faults.git(repo, "rev-parse", "HEAD").strip() == base
    assert not (repo / ".git" / "MERGE_HEAD").exists() and not (repo / ".git" / "index.lock").exists()
    assert not (repo / ".git" / "refs" / "heads" / "farm-bot" / "update" / "rz.lock").exists()
    assert not (repo / "recipes" / "migrations" / "rz-1.1.yaml").exists()  # the merge's checkout, undone
    assert faults.git(repo, "status", "--porcelain") == ""

    log = rounds.RoundLog()
    driver.merge(pr, log)
    assert log.of("merged") == ["#1 farm-bot/update/rz [update]"] and not log.of("problems")
    assert LocalForge(repo).list_prs("farm-bot/")[0].state == "merged"
    assert (repo / "recipes" / "migrations" / "rz-1.1.yaml").exists()


def test_a_merge_committed_before_the_kill_is_kept(tmp_path: Path, upstream: Any) -> None:
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")
    killed, pr, base = _half_merged(repo)
    (repo / ".git" / "index.lock").unlink()
    faults.git(repo, "commit", "-q", "--no-edit")  # the commit happened; the run died before noting it
    (repo / ".git" / "index.lock").write_text("")
    merged = faults.git(repo, "rev-parse", "HEAD").strip()

    driver = rounds.Driver(repo)
    driver.load_state()
    driver.recover()
    assert driver.state.merging is None
    assert faults.git(repo, "rev-parse", "HEAD").strip() == merged
    assert not (repo / ".git" / "index.lock").exists()
    assert LocalForge(repo).list_prs("farm-bot/")[0].state == "merged"
    state = json.loads((repo / ".git" / "farm-rounds" / "state.json").read_text())
    assert state["merging"] is None


@pytest.mark.integration
def test_killed_twice_the_driver_converges_to_the_migrated_farm(tmp_path: Path, upstream: Any) -> None:
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")
    env = faults.driver_env()
    points = [
        # at once after the merge's intent is recorded: the restart finds the merge undone or committed
        faults.KillPoint("merge #1", lambda m: m.text.startswith("merge #1 "), 0.0),
        # in the wave-1 rebuild of rb: built, perhaps not yet published
        faults.KillPoint("build rb=1.0.post1", lambda m: m.text.startswith("build rb=1.0.post1 "), 0.4),
    ]
    records, final = faults.run_with_kills(repo, points, env, log=lambda _: None)
    assert [r.seconds is not None for r in records] == [True, True], [r.hit for r in records]
    for r in records:
        assert r.index_problems == [] and r.forge_problems == [], (r.hit, r.index_problems, r.forge_problems)
    assert any("#1 farm-bot/update/rz" in line for line in records[0].recovered), records[0].recovered
    assert final.proc.returncode == 0, "\n".join(final.lines)

    state = faults.end_state(repo)
    assert state["prs"] == {"farm-bot/update/rz": ["merged"], "farm-bot/migrate/rz-1.1/rb": ["merged"],
                            "farm-bot/complete/rz-1.1": ["merged"]}
    assert 'rz: "1.1"' in (repo / "recipes" / "pins.yaml").read_text()
    assert "recipes/migrations/retired/rz-1.1.yaml" in state["tree"]
    assert not any(p.startswith("recipes/migrations/rz-") for p in state["tree"])
    wheels = sorted("-".join(name.split("-")[:2]) for name in state["files"] if name.endswith(".whl"))
    assert wheels == ["wheelfarm_rb-1.0", "wheelfarm_rb-1.0.post1", "wheelfarm_rz-1.0", "wheelfarm_rz-1.1"]
    assert faults.check_index(repo / "index")[0] == [] and state["failures"] == [] and state["clean"]

    again = subprocess.run([sys.executable, str(REPO / "ci" / "bot_rounds.py"), str(repo)], capture_output=True,
                           text=True, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "opened" not in again.stdout and "merged:" not in again.stdout
    assert faults.end_state(repo)["prs"] == state["prs"]


def test_a_pr_waits_for_its_dependencies_prs_and_a_rebuild_for_the_recipes_bump(tmp_path: Path, upstream: Any) -> None:
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")  # rb links rz
    forge = LocalForge(repo)

    def open_pr(branch: str, recipe: str) -> PullRequest:
        forge.create_branch(branch, "main")
        path = f"recipes/{recipe}/recipe.yaml"
        text = (repo / path).read_text()
        forge.commit_files(branch, f"{recipe}: change", [FileChange(path, text + "# changed\n")])
        return forge.open_pr(branch, "main", f"{recipe}: change", "")

    rz = open_pr("farm-bot/update/rz", "rz")
    rb = open_pr("farm-bot/update/rb", "rb")
    rebuild = open_pr("farm-bot/migrate/m-1/rz", "rz")
    log = rounds.RoundLog()
    assert [p.number for p in rounds.Driver(repo).ready(forge.list_prs("farm-bot/"), log)] == [rz.number]
    assert log.of("waiting") == [
        f"#{rb.number} farm-bot/update/rb: checked after #{rz.number}, #{rebuild.number} (a dependency's PR) "
        "is merged and published",
        f"#{rebuild.number} farm-bot/migrate/m-1/rz: rz's version bump #{rz.number} goes first"]


def test_a_failed_check_is_not_built_again_until_its_branch_or_dependencies_move(
        tmp_path: Path, upstream: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in faults.driver_env().items():
        monkeypatch.setenv(key, value)
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")
    forge = LocalForge(repo)
    branch, script = "farm-bot/update/rz", "recipes/rz/build.sh"
    forge.create_branch(branch, "main")
    forge.commit_files(branch, "rz: break the build", [FileChange(script, "#!/usr/bin/env bash\nexit 1\n")])
    pr = forge.open_pr(branch, "main", "rz: change", "")
    driver = rounds.Driver(repo)
    driver.state_dir.mkdir(parents=True)
    log = rounds.RoundLog()
    assert [p.number for p in driver.ready(forge.list_prs("farm-bot/"), log)] == [pr.number]
    assert not driver.check(forge.list_prs("farm-bot/")[0], log)

    restarted = rounds.Driver(repo)  # the failure survives a restart
    restarted.load_state()
    log = rounds.RoundLog()
    assert restarted.ready(forge.list_prs("farm-bot/"), log) == []
    assert log.of("waiting") == [f"#{pr.number} {branch}: its check failed on this merge with main and these "
                                 "dependencies; a new commit on the branch or main, or a dependency's new wheel, "
                                 "checks it again"]

    forge.commit_files(branch, "rz: mend the build", [FileChange(script, (repo / script).read_text())])
    fixed = forge.list_prs("farm-bot/")
    assert [p.number for p in restarted.ready(fixed, rounds.RoundLog())] == [pr.number]
    assert restarted.check(fixed[0], rounds.RoundLog())
    assert restarted.state.failed_checks == {}


def test_a_check_builds_the_merge_with_main_and_a_conflict_is_a_problem(tmp_path: Path, upstream: Any) -> None:
    """As GitHub's refs/pull/N/merge: main's changes since the branch was cut are in what the
    check builds, and a branch that no longer merges is not built at all."""
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")
    forge = LocalForge(repo)
    branch, script = "farm-bot/update/rz", "recipes/rz/build.sh"
    original = (repo / script).read_text()
    forge.create_branch(branch, "main")
    forge.commit_files(branch, "rz: one way", [FileChange(script, original.replace("set -euo pipefail", "set -eu"))])
    pr = forge.open_pr(branch, "main", "rz: change", "")
    (repo / script).write_text(original.replace("set -euo pipefail", "set -e"))
    faults.git(repo, "commit", "-qam", "rz: another way, on main")
    driver = rounds.Driver(repo)
    driver.state_dir.mkdir(parents=True)
    log = rounds.RoundLog()
    assert not driver.check(forge.list_prs("farm-bot/")[0], log)
    assert log.of("problems") == [f"#{pr.number} {branch}: conflicts with main, not merged (a maintainer updates "
                                  "the branch)"]


def test_what_links_a_failed_build_is_not_built_nor_recorded_as_failed(
        tmp_path: Path, upstream: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dependency whose build failed in an earlier round keeps its dependents unbuilt: built,
    they would fail for want of its wheel and their records would outlive its mend."""
    from farm.bot.index_reader import failure_path, record_build_failure

    for key, value in faults.driver_env().items():
        monkeypatch.setenv(key, value)
    repo = faults.make_farm(tmp_path / "farm", upstream, "small")  # rb links rz
    driver = rounds.Driver(repo)
    driver.state_dir.mkdir(parents=True)
    todo, failed = driver.pending()
    versions = {name: (dist, version) for name, dist, version in todo}
    assert failed == [] and {"rz", "rb"} <= set(versions)
    index = driver.settings().index
    record_build_failure(index, *versions["rz"], "ld: undefined reference")
    log = rounds.RoundLog()
    driver.publish(log, {})
    dist, version = versions["rb"]
    assert not failure_path(index, dist, version).exists()
    assert f"rb {version}: not built, a dependency failed to build" in log.of("problems")
    assert f"not built again: the build of rz {versions['rz'][1]} failed (its record is in the index's failures/)" \
        in log.of("problems")
    assert not any(line.startswith(("rz ", "rb ")) for line in log.of("built"))
