from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from farm.lint import Severity, lint_paths, lint_text
from farm.pins import load_pins

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "data" / "broken"

#: every planted problem: (recipe folder, lint id, line)
PLANTED = {
    ("typos", "F002", 3), ("typos", "F002", 6), ("typos", "F002", 10), ("typos", "H104", 1),
    ("badvalues", "H104", 1), ("badvalues", "F005", 5), ("badvalues", "H103", 7), ("badvalues", "F006", 8),
    ("badvalues", "F017", 9), ("badvalues", "F013", 11), ("badvalues", "F018", 11), ("badvalues", "F020", 15),
    ("badvalues", "F011", 17), ("badvalues", "F022", 18), ("badvalues", "H101", 20), ("badvalues", "F007", 20),
    ("badvalues", "F008", 21), ("badvalues", "F014", 22), ("badvalues", "F010", 23), ("badvalues", "F009", 24),
    ("cycle-a", "F012", 8),
    ("missing", "F009", 1), ("missing", "F010", 1), ("missing", "H104", 1), ("missing", "F006", 5),
    ("missing", "F013", 9), ("missing", "F008", 11), ("missing", "H101", 11),
    ("notyaml", "F001", 5),
}


def test_real_recipes_are_clean() -> None:
    found = lint_paths([ROOT / "recipes"], load_pins(ROOT / "recipes" / "pins.yaml"))
    assert [d.format() for d in found] == []


def test_every_planted_problem_reported_once() -> None:
    found = lint_paths([BROKEN], load_pins(ROOT / "recipes" / "pins.yaml"))
    got = [(d.file.parent.name, d.code, d.line) for d in found]
    assert len(got) == len(set(got)), "a problem was reported twice"
    assert set(got) == PLANTED


def test_did_you_mean_and_columns() -> None:
    found = lint_paths([BROKEN / "typos"], load_pins(ROOT / "recipes" / "pins.yaml"))
    messages = {d.message for d in found if d.code == "F002"}
    assert "unknown key 'verison'; did you mean 'version'?" in messages
    assert "unknown key 'sha265'; did you mean 'sha256'?" in messages
    first = next(d for d in found if d.code == "F002")
    assert (first.line, first.col) == (3, 3)


def test_cycle_names_the_cycle() -> None:
    found = lint_paths([BROKEN / "cycle-a", BROKEN / "cycle-b"], load_pins(ROOT / "recipes" / "pins.yaml"))
    cycle = [d for d in found if d.code == "F012"]
    assert len(cycle) == 1 and "cycle-a -> cycle-b -> cycle-a" in cycle[0].message


def test_misspelt_key_is_not_also_reported_missing() -> None:
    text = (ROOT / "recipes" / "zlib" / "recipe.yaml").read_text().replace("  name: zlib", "  nmae: zlib")
    found = lint_text(text, ROOT / "recipes" / "zlib" / "recipe.yaml")
    assert [d.code for d in found if d.severity is Severity.ERROR] == ["F002"]


def test_cli_json_and_exit_codes() -> None:
    bad = subprocess.run([sys.executable, "-m", "farm", "lint", str(BROKEN), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["errors"] == sum(1 for d in doc["diagnostics"] if d["severity"] == "error") > 0
    assert "Traceback" not in bad.stderr
    good = subprocess.run([sys.executable, "-m", "farm", "lint"], capture_output=True, text=True, cwd=ROOT)
    assert good.returncode == 0, good.stdout + good.stderr


def test_one_recipe_linted_alone_knows_the_recipes_beside_it() -> None:
    """``farm lint recipes/starpu`` must not call its host dependencies (fftw, hwloc) unknown."""
    found = lint_paths([ROOT / "recipes" / "starpu"], load_pins(ROOT / "recipes" / "pins.yaml"))
    assert [d.format() for d in found] == []


def test_update_sources_are_checked() -> None:
    pins = load_pins(ROOT / "recipes" / "pins.yaml")
    file = ROOT / "recipes" / "hwloc" / "recipe.yaml"
    text = file.read_text()
    no_suites = text.replace("  suites: [bookworm, trixie, forky]\n", "")
    assert [d.message for d in lint_text(no_suites, file, pins) if d.code == "F026"] == [
        "updates.debian needs suites (e.g. [bookworm, trixie, forky])"]
    two = text.replace("  debian: hwloc\n", "  debian: hwloc\n  github: open-mpi/hwloc\n")
    assert any("updates names github and debian" in d.message for d in lint_text(two, file, pins) if d.code == "F026")
    bad = text.replace("  debian: hwloc\n", "  debian: hwloc\n  pattern: '^2\\.(9'\n")
    found = [d for d in lint_text(bad, file, pins) if d.code == "F026"]
    assert found and "not a regular expression" in found[0].message


def test_cuda_majors_and_components_are_checked() -> None:
    pins = load_pins(ROOT / "recipes" / "pins.yaml")
    file = ROOT / "recipes" / "hwloc" / "recipe.yaml"
    text = file.read_text()
    found = lint_text(text.replace('cuda: ["12", "13"]', 'cuda: ["11", "13"]')
                      .replace("cuda: [runtime, nvml]", "cuda: [runtime, cublasx]"), file, pins)
    messages = [(d.line, d.message) for d in found if d.code == "F027"]
    assert any(m.startswith("CUDA 11 is not in recipes/pins.yaml") for _, m in messages), messages
    assert any("CUDA 13 has no component 'cublasx'" in m for _, m in messages), messages


def test_a_graft_needs_a_soname_and_a_reason() -> None:
    pins = load_pins(ROOT / "recipes" / "pins.yaml")
    file = ROOT / "recipes" / "scipy" / "recipe.yaml"
    text = file.read_text()
    assert not [d for d in lint_text(text, file, pins) if d.code == "F028"]
    bad = text.replace("  grafts:\n", "  grafts:\n    libfoo.so.1: ''\n    gfortran: runtime\n")
    messages = sorted(d.message for d in lint_text(bad, file, pins) if d.code == "F028")
    assert messages == ["build.grafts gives no reason for libfoo.so.1", "build.grafts key 'gfortran' is not a soname"]
