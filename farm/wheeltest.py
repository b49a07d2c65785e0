"""Testing a new wheel the way a user gets it: a fresh virtual environment, installed
from an index holding the published wheels plus this one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from farm.errors import FarmError
from farm.index import publish
from farm.recipe.model import Recipe

__all__ = ["WheelTestFailed", "test_wheel"]


class WheelTestFailed(FarmError, RuntimeError):
    pass


def _run(cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path, what: str) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd) if len(cmd) > 1 else cmd[0]}\n")
        out.flush()
        result = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-12:]
        raise WheelTestFailed(f"{what} failed (exit {result.returncode}); last lines of {log}:\n" +
                              "\n".join("    " + t for t in tail))


def test_wheel(recipe: Recipe, wheel: Path, *, dist: str, namespace: str, published: Path, work: Path,
               log: Path, executables: Sequence[str]) -> None:
    """Raise :class:`WheelTestFailed` unless the recipe's tests pass against ``wheel``."""
    shutil.rmtree(work, ignore_errors=True)
    staging = work / "index"
    files = published / "files"
    if files.is_dir():
        (staging / "files").mkdir(parents=True)
        for f in files.glob("*.whl"):
            if f.stat().st_dev == staging.stat().st_dev:
                os.link(f, staging / "files" / f.name)
            else:
                shutil.copy2(f, staging / "files" / f.name)
    publish(staging, [wheel])
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "HOME", "TERM", "PIP_CACHE_DIR",
                                                        "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
                                                        "PIP_CONFIG_FILE", "PIP_TRUSTED_HOST")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(venv)
    version = wheel.name.split("-")[1]
    # our wheels only from our index (no name on another index can stand in for them) ...
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--index-url",
          (staging / "simple").as_uri() + "/", f"{dist}=={version}"], cwd=work, env=env, log=log,
         what=f"installing {dist}=={version} from the index")
    # ... and the tools the tests use from the machine's configured index
    extra = ["pkgconf", *recipe.test.requires]
    _run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", *extra], cwd=work, env=env, log=log,
         what="installing test tools")
    tests = work / "tests"
    tests.mkdir()
    for name in recipe.test.files:
        shutil.copy2(recipe.folder / name, tests / Path(name).name)
    module = f"{namespace}.{recipe.module}"
    _run([py, "-c", f"import importlib; m = importlib.import_module({module!r}); h = m.load_library(); "
                    "print('loaded', len(h), 'libraries from', m.lib_dir())"],
         cwd=tests, env=env, log=log, what="load_library()")
    if executables:
        exe = executables[0]
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ {exe} --help\n")
        probe = subprocess.run([str(venv / "bin" / exe), "--help"], cwd=tests, env=env, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
        with log.open("a", encoding="utf-8") as out:
            out.write(probe.stdout[-2000:] + probe.stderr[-2000:])
        if probe.returncode >= 126 or probe.returncode < 0 or "error while loading shared libraries" in probe.stderr:
            raise WheelTestFailed(f"executable {exe} from the wheel does not start: {probe.stderr.strip()[:300]}")
    for statement in recipe.test.python:
        _run([py, "-c", statement], cwd=tests, env=env, log=log, what=f"test python {statement!r}")
    for command in recipe.test.commands:
        _run(["bash", "-eo", "pipefail", "-c", command], cwd=tests, env=env, log=log, what=f"test command {command!r}")
