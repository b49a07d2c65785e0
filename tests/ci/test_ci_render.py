"""The generated workflows: in sync with their templates, valid for actionlint and the
GitHub-workflow schema, and within the security rules; render errors name the file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from farm.ci.config import CiConfigError, load_ci_config
from farm.ci.render import RenderError, out_of_date, render_workflows, write_workflows
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


def _workflows() -> dict[str, Any]:
    return {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(WORKFLOWS.glob("*.yml"))}


def test_the_committed_workflows_are_what_the_templates_render() -> None:
    files = render_workflows(load_settings(ROOT))
    assert set(files) == {"bot.yml", "build.yml", "publish.yml", "pull-request.yml"}
    assert out_of_date(files, WORKFLOWS) == [], "run 'farm ci render' and commit .github/workflows/"


def test_actionlint_passes() -> None:
    done = subprocess.run([_tool("actionlint"), "-no-color", *map(str, sorted(WORKFLOWS.glob("*.yml")))],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_workflow_schema_accepts_them() -> None:
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, sorted(WORKFLOWS.glob("*.yml")))], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    on = doc.get("on", doc.get(True))  # PyYAML reads a bare `on:` key as True
    return on if isinstance(on, dict) else {str(on): None}


def security_problems(name: str, doc: dict[Any, Any]) -> list[str]:
    """Every break of the rules: no pull_request_target, `permissions: {}` on top and some on
    each job, every action pinned by a full commit, reusable workflows only local ones."""
    problems = []
    if "pull_request_target" in _triggers(doc):
        problems.append(f"{name}: pull_request_target")
    if doc.get("permissions") != {}:
        problems.append(f"{name}: top-level permissions must be {{}}")
    for job_id, job in doc.get("jobs", {}).items():
        if "permissions" not in job:
            problems.append(f"{name}: job {job_id} says no permissions")
        if "uses" in job and not job["uses"].startswith("./.github/workflows/"):
            problems.append(f"{name}: job {job_id} calls {job['uses']}")
        for step in job.get("steps", []):
            if "uses" in step and not PINNED.match(step["uses"]):
                problems.append(f"{name}: job {job_id}: {step['uses']} is not pinned by commit")
    return problems


def test_security_rules() -> None:
    docs = _workflows()
    assert [p for name, doc in docs.items() for p in security_problems(name, doc)] == []
    assert _triggers(docs["pull-request.yml"]) == {"pull_request": {}}


def test_the_security_check_catches_each_break() -> None:
    bad = yaml.safe_load("""
on: {pull_request_target: {}}
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@5fda3b95
  b:
    uses: someone/else/.github/workflows/x.yml@main
    permissions: {}
""")
    assert security_problems("bad.yml", bad) == [
        "bad.yml: pull_request_target",
        "bad.yml: top-level permissions must be {}",
        "bad.yml: job a says no permissions",
        "bad.yml: job a: actions/checkout@v4 is not pinned by commit",
        "bad.yml: job a: actions/setup-python@5fda3b95 is not pinned by commit",
        "bad.yml: job b calls someone/else/.github/workflows/x.yml@main",
    ]


def test_secrets_and_writes_stay_out_of_pull_requests() -> None:
    docs = _workflows()
    for name in ("pull-request.yml", "build.yml"):
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert "secrets." not in text, name
        for job in docs[name]["jobs"].values():
            assert set(job["permissions"].values()) <= {"read"}, name
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_every_pin_names_a_release_and_is_used() -> None:
    config = load_ci_config(ROOT / "ci")
    text = "".join(p.read_text(encoding="utf-8") for p in WORKFLOWS.glob("*.yml"))
    for pin in config.actions.values():
        assert f"{pin.name}@{pin.commit} # {pin.version}" in text
        assert re.fullmatch(r"v\d+\.\d+\.\d+", pin.version)


def test_there_is_a_wave_job_for_every_wave_of_the_graph() -> None:
    build = _workflows()["build.yml"]
    waves = [j for j in build["jobs"] if j.startswith("wave")]
    out = subprocess.run([sys.executable, "-m", "farm", "graph", "--format", "json", "--root", str(ROOT)],
                         capture_output=True, text=True, check=True).stdout
    assert len(waves) >= len(yaml.safe_load(out)["waves"])
    assert build["jobs"][waves[-1]]["needs"] == ["plan", *waves[:-1]]


def _farm_copy(tmp_path: Path) -> Path:
    root = tmp_path / "farm"
    (root / "recipes").mkdir(parents=True)
    (root / "recipes" / "pins.yaml").write_text("schema_version: 1\n")
    shutil.copytree(ROOT / "ci", root / "ci")
    return root


def test_a_template_error_names_the_file_and_nothing_is_written(tmp_path: Path) -> None:
    root = _farm_copy(tmp_path)
    dest = root / ".github" / "workflows"
    (root / "ci" / "workflows" / "zz.yml").write_text("name: x\n[% for %]\n")
    with pytest.raises(RenderError, match=r"ci/workflows/zz.yml:2: "):
        render_workflows(load_settings(root))
    (root / "ci" / "workflows" / "zz.yml").write_text('jobs: [[ uses("nobody/nothing") ]]\n')
    with pytest.raises(RenderError, match="no pin for action 'nobody/nothing'"):
        render_workflows(load_settings(root))
    assert not dest.exists()


def test_rendering_removes_workflows_whose_template_is_gone(tmp_path: Path) -> None:
    root = _farm_copy(tmp_path)
    dest = root / ".github" / "workflows"
    write_workflows(render_workflows(load_settings(root)), dest)
    (dest / "mine.yml").write_text("name: hand-written\n")
    (root / "ci" / "workflows" / "bot.yml").unlink()
    files = render_workflows(load_settings(root))
    assert out_of_date(files, dest) == ["bot.yml"]
    write_workflows(files, dest)
    assert sorted(p.name for p in dest.glob("*.yml")) == ["build.yml", "mine.yml", "publish.yml", "pull-request.yml"]
    assert out_of_date(files, dest) == []


def test_an_action_pinned_by_tag_is_refused_at_its_line(tmp_path: Path) -> None:
    root = _farm_copy(tmp_path)
    actions = root / "ci" / "actions.yaml"
    actions.write_text(actions.read_text() + "evil/action: {commit: v1, version: v1.0.0}\n")
    line = len(actions.read_text().splitlines())
    with pytest.raises(CiConfigError, match=rf"actions.yaml:{line}: evil/action: 'v1' is not a full 40-hex commit"):
        load_ci_config(root / "ci")


def test_render_check_fails_when_out_of_date(tmp_path: Path) -> None:
    root = _farm_copy(tmp_path)
    cmd = [sys.executable, "-m", "farm", "ci", "render", "--root", str(root)]
    assert subprocess.run([*cmd, "--check"], capture_output=True, text=True).returncode == 1
    assert subprocess.run(cmd, capture_output=True, text=True).returncode == 0
    done = subprocess.run([*cmd, "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
