from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from farm.cli import main


def test_json_for_this_interpreter(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--format", "json", "--no-driver"])
    data = json.loads(capsys.readouterr().out)
    assert status in (0, 3)
    assert data["interpreter"]["executable"] == sys.executable
    assert data["driver"] is None
    assert data["process"] is None


def test_table_for_another_interpreter_with_its_process(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["doctor", "--python", sys.executable, "--import", "json"])
    out = capsys.readouterr().out
    assert status in (0, 3)
    assert f"at {sys.executable}" in out
    assert f"Loaded in {sys.executable} after importing json:" in out
    assert "NVIDIA driver:" in out


def test_this_process_after_imports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--process", "--import", "ctypes", "--format", "json", "--no-driver"]) in (0, 3)
    data = json.loads(capsys.readouterr().out)
    assert data["process"]["source"] == "this process"
    assert data["process"]["imported"] == ["ctypes"]
    assert any(lib["identity"] == "ffi" for lib in data["process"]["libraries"])


def test_errors_are_one_actionable_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--python", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"farm doctor: error: --python {tmp_path / 'nope'}: no such file; give the path of a python executable"
    )
    assert main(["doctor", "--process", "--import", "no_such_module_x"]) == 1
    err = capsys.readouterr().err
    assert "cannot import no_such_module_x" in err and len(err.strip().splitlines()) == 1


def test_help_lists_the_checks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["doctor", "--help"])
    out = capsys.readouterr().out
    assert "D101 duplicate-library" in out and "--call-versions" in out
