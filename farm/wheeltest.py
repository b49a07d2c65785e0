"""Testing a new wheel the way a user gets it: a fresh virtual environment, installed
from an index holding the published wheels plus this one."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from farm.errors import FarmError
from farm.index import publish
from farm.installer import Command, Installer
from farm.recipe.model import Recipe

__all__ = ["WheelTestFailed", "stage_index", "test_wheel"]


class WheelTestFailed(FarmError, RuntimeError):
    pass


def _run(cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path, what: str, check: bool = True) -> bool:
    """Run ``cmd`` with its output in ``log``; raise :class:`WheelTestFailed` when it fails (unless not ``check``)."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd) if len(cmd) > 1 else cmd[0]}\n")
        out.flush()
        start = time.monotonic()
        result = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        out.write(f"({time.monotonic() - start:.3f} s)\n")
    if result.returncode != 0 and check:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-12:]
        raise WheelTestFailed(f"{what} failed (exit {result.returncode}); last lines of {log}:\n" +
                              "\n".join("    " + t for t in tail))
    return result.returncode == 0


def _installer_run(command: Command, *, cwd: Path, log: Path, what: str, check: bool = True) -> bool:
    return _run(command.argv, cwd=cwd, env=dict(command.env), log=log, what=what, check=check)


def stage_index(published: Path, wheel: Path, staging: Path) -> Path:
    """A copy of the index at ``published`` (its wheels hard-linked where they can be) with ``wheel``
    published in it: what a user's installer sees once the wheel lands."""
    files = published / "files"
    (staging / "files").mkdir(parents=True)
    for f in sorted(files.glob("*.whl")) if files.is_dir() else []:
        if f.stat().st_dev == staging.stat().st_dev:
            os.link(f, staging / "files" / f.name)
        else:
            shutil.copy2(f, staging / "files" / f.name)
    publish(staging, [wheel])
    return staging


def test_wheel(recipe: Recipe, wheel: Path, *, dist: str, namespace: str, published: Path, work: Path,
               log: Path, executables: Sequence[str], installer: Installer,
               external_wheels: Sequence[Path] = ()) -> None:
    """Raise :class:`WheelTestFailed` unless the recipe's tests pass against ``wheel``.

    ``installer`` makes the environment and installs into it (:func:`farm.installer.choose`).
    ``external_wheels`` (NVIDIA's, from the source cache) go in first: the versions built against.
    """
    shutil.rmtree(work, ignore_errors=True)
    staging = stage_index(published, wheel, work / "index")
    venv = work / "venv"
    env = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "HOME", "TERM")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
    env["VIRTUAL_ENV"] = str(venv)
    env["PKG_VERSION"] = recipe.version  # upstream's version, for tests that check it (as conda-build's)
    _installer_run(installer.create(venv, env), cwd=work, log=log,
                   what=f"creating a virtual environment with {installer.name}")
    version = wheel.name.split("-")[1]
    if external_wheels:
        _installer_run(installer.install(venv, [str(w) for w in external_wheels], env), cwd=work,
                       log=log, what="installing the external wheels it was built against")
    # our wheels only from our index (no name on another index can stand in for them) ...
    _installer_run(installer.install(venv, [f"{dist}=={version}"], env, index=(staging / "simple").as_uri() + "/"),
                   cwd=work, log=log, what=f"installing {dist}=={version} from the index")
    # ... and the tools the tests use from the machine's configured index: from the cache
    # when an earlier build brought them (nothing is fetched twice), else from the index
    tools = ["pkgconf", *recipe.test.requires]
    cached = installer.install_cached(venv, tools, env)
    if cached is None or not _installer_run(cached, cwd=work, log=log, what="installing test tools", check=False):
        _installer_run(installer.install(venv, tools, env), cwd=work, log=log, what="installing test tools")
    py = str(venv / "bin" / "python")
    tests = work / "tests"
    tests.mkdir()
    for name in recipe.test.files:
        shutil.copy2(recipe.folder / name, tests / Path(name).name)
    module = f"{namespace}.{recipe.module}"
    _run([py, "-c", f"import importlib; m = importlib.import_module({module!r}); h = m.load_library(); "
                    "print('loaded', len(h), 'libraries from', m.lib_dir())"],
         cwd=tests, env=env, log=log, what="load_library()")
    if executables:
        exe = recipe.command(executables[0])
        with log.open("a", encoding="utf-8") as out:
            out.write(f"$ {exe} --help\n")
        probe = subprocess.run([str(venv / "bin" / exe), "--help"], cwd=tests, env=env, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
        with log.open("a", encoding="utf-8") as out:
            out.write(probe.stdout[-2000:] + probe.stderr[-2000:])
        # 126/127: the shell's "cannot execute"/"not found" (the dynamic loader's failure too), < 0: a
        # signal; any other status is the program's own answer to --help (cwebp's 255, say)
        if probe.returncode in (126, 127) or probe.returncode < 0 or "error while loading shared libraries" in probe.stderr:
            raise WheelTestFailed(f"executable {exe} from the wheel does not start: {probe.stderr.strip()[:300]}")
    for statement in recipe.test.python:
        _run([py, "-c", statement], cwd=tests, env=env, log=log, what=f"test python {statement!r}")
    for command in recipe.test.commands:
        _run(["bash", "-eo", "pipefail", "-c", command], cwd=tests, env=env, log=log, what=f"test command {command!r}")
