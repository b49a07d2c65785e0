from __future__ import annotations

import json
from pathlib import Path

import pytest
from bot_fakes import commit_all, git, publish

from farm.cli import main


def test_migrate_new_writes_a_file_that_check_accepts(farm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(farm)]) == 0
    assert (farm / "recipes" / "migrations" / "zlib-1.2.13.yaml").is_file()
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(farm)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["migrate", "check", "--root", str(farm)]) == 0
    assert capsys.readouterr().out.strip() == "1 migration(s), 0 problem(s)"


def test_migrate_new_print_and_other_changes(farm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "new", "--toolchain", "c_compiler_version=13", "--policy",
                 "linux-x86_64=manylinux_2_28", "--print", "--root", str(farm)]) == 0
    out = capsys.readouterr().out
    assert "id: c-compiler-version-13+linux-x86-64-manylinux-2-28" in out
    assert 'toolchain:\n  c_compiler_version: "13"' in out and 'policy: "manylinux_2_28"' in out
    assert not (farm / "recipes" / "migrations").exists()
    assert main(["migrate", "new", "--pin", "zlib", "--root", str(farm)]) == 1
    assert "--pin 'zlib': write KEY=VALUE" in capsys.readouterr().err


def test_migrate_check_reports_every_problem(farm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = farm / "recipes" / "migrations"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text("schema_version: 1\nsummary: s\npins: {zlib: '2'}\nexclude: [libtif]\n")
    (folder / "b.yaml").write_text("schema_version: 1\nsumary: s\npins: {zlib: '2'}\n")
    assert main(["migrate", "check", "--root", str(farm)]) == 1
    out = capsys.readouterr().out
    assert "b.yaml:2:1: unknown key 'sumary'; did you mean 'summary'?" in out
    assert "b.yaml:1:1: missing required key 'summary'" in out
    (folder / "b.yaml").unlink()
    assert main(["migrate", "check", "--root", str(farm)]) == 1
    assert "a.yaml:4:11: no recipe named 'libtif'; did you mean 'libtiff'?" in capsys.readouterr().out


def test_migrate_status_json_and_files(farm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(farm)])
    commit_all(farm, "m")
    capsys.readouterr()
    assert main(["migrate", "status", "--format", "json", "--root", str(farm), "--status-dir", str(farm / "site")]) == 0
    out = json.loads(capsys.readouterr().out)
    mig = out["migrations"][0]
    assert mig["id"] == "zlib-1.2.13" and mig["waves"] == [["libtiff"], ["tiffutil"], ["tiffconv"]]
    assert mig["recipes"]["libtiff"]["reason"] == "waits for wheelfarm-zlib 1.2.13 in the index"
    assert (farm / "site" / "index.html").is_file() and (farm / "site" / "status.md").is_file()
    assert git(farm, "branch", "--list", "farm-bot/*") == ""  # status never acts


def test_bot_run_dry_run_writes_nothing(farm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(farm)])
    commit_all(farm, "m")
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    capsys.readouterr()
    assert main(["bot", "run", "--dry-run", "--no-updates", "--quiet", "--root", str(farm)]) == 0
    out = capsys.readouterr().out
    assert "dry run: would open a PR from farm-bot/migrate/zlib-1.2.13/libtiff: libtiff: rebuild for zlib-1.2.13" in out
    assert git(farm, "branch", "--list", "farm-bot/*") == ""
    assert main(["bot", "run", "--no-updates", "--quiet", "--root", str(farm)]) == 0
    assert main(["bot", "prs", "--root", str(farm)]) == 0
    assert "#1\topen\tfarm-bot/migrate/zlib-1.2.13/libtiff\tlibtiff: rebuild for zlib-1.2.13" in capsys.readouterr().out


def test_bot_run_on_github_needs_a_token(farm: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FARM_TEST_TOKEN", raising=False)
    assert main(["bot", "run", "--forge", "github", "--repo", "wheelfarm/farm", "--token-env", "FARM_TEST_TOKEN",
                 "--github-api", "http://127.0.0.1:9", "--no-updates", "--root", str(farm)]) == 1
    assert "needs a token in $FARM_TEST_TOKEN" in capsys.readouterr().err
