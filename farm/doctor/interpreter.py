"""The Python interpreter whose environment is inspected: this one, or another asked for its paths."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from farm.errors import FarmError

__all__ = [
    "Interpreter",
    "InterpreterError",
    "Runner",
    "current_interpreter",
    "query_interpreter",
]


def _describe() -> dict[str, object]:
    # Runs here and, by its source, inside other interpreters: standard library
    # only, imports inside, and nothing newer than Python 3.7.
    import os
    import platform
    import sys

    def fmt(info: "sys._version_info") -> str:
        text = "{0.major}.{0.minor}.{0.micro}".format(info)
        if info.releaselevel != "final":
            text += info.releaselevel[0] + str(info.serial)
        return text

    markers = {
        "implementation_name": sys.implementation.name,
        "implementation_version": fmt(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }
    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "paths": [p for p in sys.path if p],
        "platform": sys.platform,
        "machine": platform.machine(),
        "markers": markers,
    }


def _query_source() -> str:
    return (
        "from __future__ import annotations\n"
        + inspect.getsource(_describe)
        + "\nimport json\nprint(json.dumps(_describe()))\n"
    )


class InterpreterError(FarmError, ValueError):
    """Another interpreter could not be asked for its environment."""


class Runner(Protocol):
    """How a subprocess is run (``subprocess.run``); tests pass a fake."""

    def __call__(
        self,
        args: Sequence[str],
        *,
        input: str | None = ...,
        capture_output: bool = ...,
        text: bool = ...,
        timeout: float | None = ...,
        env: Mapping[str, str] | None = ...,
        check: bool = ...,
    ) -> subprocess.CompletedProcess[str]: ...


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter and where it looks for packages."""

    executable: str
    version: str
    prefix: Path
    base_prefix: Path
    paths: tuple[Path, ...]
    platform: str
    machine: str
    markers: Mapping[str, str]

    @property
    def search_dirs(self) -> tuple[Path, ...]:
        """The existing directories on its path, once each, in order."""
        seen: set[Path] = set()
        out: list[Path] = []
        for entry in self.paths:
            try:
                resolved = entry.resolve()
            except OSError:
                continue
            if resolved in seen or not entry.is_dir():
                continue
            seen.add(resolved)
            out.append(entry)
        return tuple(out)


def _from_data(data: Mapping[str, object], source: str) -> Interpreter:
    try:
        paths = data["paths"]
        markers = data["markers"]
        if not isinstance(paths, list) or not isinstance(markers, dict):
            raise TypeError("paths must be a list and markers a mapping")
        return Interpreter(
            executable=str(data["executable"]),
            version=str(data["version"]),
            prefix=Path(str(data["prefix"])),
            base_prefix=Path(str(data["base_prefix"])),
            paths=tuple(Path(str(p)) for p in paths),
            platform=str(data["platform"]),
            machine=str(data["machine"]),
            markers={str(k): str(v) for k, v in markers.items()},
        )
    except (KeyError, TypeError) as exc:
        raise InterpreterError(f"{source} answered with an unexpected description ({exc}); is it Python 3?") from exc


def current_interpreter() -> Interpreter:
    """The interpreter running farm, with its ``sys.path`` as it is now."""
    return _from_data(_describe(), sys.executable)


def query_interpreter(python: Path, run: Runner = subprocess.run, timeout: float = 60.0) -> Interpreter:
    """Ask another interpreter for its paths, prefix and platform."""
    if not python.exists():
        raise InterpreterError(f"--python {python}: no such file; give the path of a python executable")
    if not os.access(python, os.X_OK) or python.is_dir():
        raise InterpreterError(f"--python {python}: not an executable file; give the path of a python executable")
    try:
        done = run(
            [str(python), "-c", _query_source()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InterpreterError(f"--python {python}: could not run it ({exc})") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise InterpreterError(f"--python {python}: exited with {done.returncode} ({last}); is it a working Python 3?")
    try:
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise InterpreterError(
            f"--python {python}: did not describe itself ({exc}); is it a working Python 3?"
        ) from exc
    if not isinstance(data, dict):
        raise InterpreterError(f"--python {python}: did not describe itself; is it a working Python 3?")
    return _from_data(data, str(python))
