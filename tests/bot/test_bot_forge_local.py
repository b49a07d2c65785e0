from __future__ import annotations

import json
from pathlib import Path

import pytest
from bot_fakes import git, make_farm

from farm.bot.forge import FileChange, ForgeError
from farm.bot.forge_local import LocalForge


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_farm(tmp_path, deeper=False)


def test_branches_and_commits_leave_the_working_tree_alone(repo: Path) -> None:
    forge = LocalForge(repo)
    (repo / "scratch.txt").write_text("uncommitted work")
    assert forge.default_branch == "main"
    base = forge.create_branch("farm-bot/x", "main")
    assert forge.branch_head("farm-bot/x") == base
    sha = forge.commit_files("farm-bot/x", "edit", [FileChange("recipes/zlib/recipe.yaml", "new\n"),
                                                    FileChange("recipes/sqlite/build.sh", None)])
    assert forge.read_file("recipes/zlib/recipe.yaml", "farm-bot/x") == "new\n"
    assert forge.read_file("recipes/sqlite/build.sh", sha) is None
    assert forge.read_file("recipes/zlib/recipe.yaml", "main") != "new\n"
    assert (repo / "scratch.txt").read_text() == "uncommitted work"
    assert git(repo, "status", "--porcelain") == "?? scratch.txt\n"
    assert forge.list_branches("farm-bot/") == ["farm-bot/x"]
    # the file mode of an edited script is kept
    forge.commit_files("farm-bot/x", "mode", [FileChange("recipes/zlib/build.sh", "#!/bin/sh\n")])
    mode_before = git(repo, "ls-tree", "main", "recipes/zlib/build.sh").split()[0]
    assert git(repo, "ls-tree", "farm-bot/x", "recipes/zlib/build.sh").split()[0] == mode_before
    # recommitting on top of another parent resets the branch (force)
    again = forge.commit_files("farm-bot/x", "again", [FileChange("a.txt", "a")], parent=base)
    assert git(repo, "rev-parse", f"{again}^") .strip() == base


def test_pr_records_merge_detection_and_comments(repo: Path) -> None:
    clock = iter(range(100, 200)).__next__
    forge = LocalForge(repo, clock=lambda: float(clock()))
    forge.create_branch("farm-bot/a", "main")
    forge.commit_files("farm-bot/a", "edit", [FileChange("x.txt", "x")])
    pr = forge.open_pr("farm-bot/a", "main", "title", "body")
    assert (pr.number, pr.state) == (1, "open")
    with pytest.raises(ForgeError, match="already open"):
        forge.open_pr("farm-bot/a", "main", "title", "body")
    assert forge.update_pr(1, "new title", "new body").title == "new title"
    git(repo, "merge", "-q", "--no-ff", "farm-bot/a", "-m", "merge")
    merged = forge.find_pr("farm-bot/a")
    assert merged is not None and merged.state == "merged" and merged.merged_at is not None
    forge.create_branch("farm-bot/b", "main")
    forge.commit_files("farm-bot/b", "edit", [FileChange("y.txt", "y")])
    forge.open_pr("farm-bot/b", "main", "b", "body")
    forge.close_pr(2, "superseded")
    assert [p.state for p in forge.list_prs("farm-bot/")] == ["merged", "closed"]
    assert forge.comments(2) == ["superseded"]
    records = json.loads((repo / ".git" / "farm-bot" / "forge.json").read_text())
    assert records["next"] == 3 and set(records["prs"]) == {"1", "2"}


def test_state_is_kept_in_git_dir_and_written_atomically(repo: Path) -> None:
    forge = LocalForge(repo)
    assert forge.load_state() is None
    forge.save_state('{"a": 1}')
    assert LocalForge(repo).load_state() == '{"a": 1}'
    leftovers = [p.name for p in (repo / ".git" / "farm-bot").iterdir() if p.name.startswith(".forge-")]
    assert leftovers == []


def test_a_damaged_record_file_is_reported(repo: Path) -> None:
    forge = LocalForge(repo)
    forge.save_state("x")
    (repo / ".git" / "farm-bot" / "forge.json").write_text("{not json")
    with pytest.raises(ForgeError, match="not valid JSON"):
        forge.list_prs("farm-bot/")


def test_runs_never_overlap(repo: Path) -> None:
    forge = LocalForge(repo)
    with forge.exclusive():
        with pytest.raises(ForgeError, match="another bot run"):
            with LocalForge(repo).exclusive():
                pass
