from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from farm.doctor.interpreter import InterpreterError, current_interpreter, query_interpreter


def test_current_and_queried_agree_for_the_same_interpreter() -> None:
    here = current_interpreter()
    there = query_interpreter(Path(sys.executable))
    assert here.prefix == there.prefix == Path(sys.prefix)
    assert here.version == there.version
    assert here.markers == there.markers
    assert set(there.search_dirs) <= set(there.paths)
    assert any(p.name in {"site-packages", "dist-packages"} for p in there.search_dirs)


def test_missing_python_is_actionable(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="no such file; give the path of a python executable"):
        query_interpreter(tmp_path / "nope" / "python")
    with pytest.raises(InterpreterError, match="not an executable file"):
        query_interpreter(tmp_path)


def test_broken_python_is_reported(tmp_path: Path) -> None:
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\necho 'boom' >&2\nexit 4\n")
    script.chmod(0o755)
    with pytest.raises(InterpreterError, match=r"exited with 4 \(boom\)"):
        query_interpreter(script)


def test_garbled_answer_is_reported(tmp_path: Path) -> None:
    def run(args: Any, **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 0, '{"executable": "x"}\n', "")

    with pytest.raises(InterpreterError, match="unexpected description"):
        query_interpreter(Path(sys.executable), run=run)
