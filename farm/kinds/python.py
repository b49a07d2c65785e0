"""A Python package built from its sdist against the farm's library wheels.

**Build.** A virtual environment of the variant's CPython gets the sdist's
``build-system.requires``, the recipe's ``python.build_requires`` and whatever the backend
asks for dynamically; then the package's own PEP 517 backend builds the wheel without
isolation. The host library wheels are unpacked in the build tree as for every recipe:
their ``bin/`` (``gdal-config``, ``geos-config``) is on PATH, their ``.pc`` files on
PKG_CONFIG_PATH, their folders in CMAKE_PREFIX_PATH and in ``FARM_HOST_<MODULE>``
(``PROJ_DIR: $FARM_HOST_PROJ`` in a recipe's ``build.env``), so each package finds them
through its own mechanism.

**Wiring.** Every ELF file that needs a host library gets the RUNPATH
``$ORIGIN/<up to site-packages>/<namespace>/<dep>/lib`` for each host dependency (any
``$ORIGIN`` entry the package had stays; absolute ones go), and is stripped of debug
information. RUNPATH rather than a generated preload: it needs no change to the package's
Python code, works for every import order and for subprocesses, and it is exactly how the
library wheels find each other. Repair then excludes every farm soname, so nothing of ours
is vendored.

**Name.** The wheel keeps the package's name and version and gains the farm's local
label, ``2.2.0+wheelfarm`` (``+wheelfarm.N`` for rebuild N). A local version sorts above
the plain release, so pip, given the farm's index next to the default one, prefers it
whatever the wheels' platform tags; ``shapely==2.2.0`` still matches it; and no index
that follows PEP 440's upload rules (PyPI) accepts it, so it can never be mistaken for
upstream's upload. A build tag would lose to the default index's wheel whenever that one
has a more specific platform tag, since installers rank tags before build tags.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from farm.abi import pin_range
from farm.buildenv import BuildFailed, build_environment
from farm.elf import read_elf, read_elf_bytes
from farm.errors import FarmError
from farm.installer import Command
from farm.kinds import Job, TestJob
from farm import sbom
from farm.pack import Packed, PackError, sbom_inputs
from farm.pep725 import host_problem
from farm.recipe.model import Recipe
from farm.wheelfile import write_wheel
from farm.wheeltest import WheelTestFailed, stage_index

__all__ = ["PythonPackageKind", "interpreter"]

_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


_FOUND: dict[str, str | None] = {}


def interpreters(versions: Sequence[str]) -> dict[str, str | None]:
    """The CPythons ``versions`` (``3.11``) of this machine that run, each asked at most once per process.

    Those not asked yet are asked together, each its own process (a pyenv shim costs a tenth of
    a second to answer), and without the site module (``-I -S``): ``farm build --all`` asks for
    every variant of every recipe. Each answers with its own executable, which is what is
    returned: a pyenv shim runs a version only where ``PYENV_VERSION`` (or a version file)
    selects it, and the build's tools run with an environment of their own.
    """
    pending: dict[str, tuple[str, subprocess.Popen[str]]] = {}
    for version in dict.fromkeys(versions):
        if version in _FOUND:
            continue
        exe = shutil.which(f"python{version}")
        if exe is None or _shim_without_interpreter(Path(exe), version):
            _FOUND[version] = None
            continue
        pending[version] = (exe, subprocess.Popen(
            [exe, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True))
    for version, (exe, probe) in pending.items():
        out, _ = probe.communicate()
        said, own = (out.splitlines() + ["", ""])[:2]
        _FOUND[version] = (own.strip() or exe) if probe.returncode == 0 and said.strip() == version else None
    return {v: _FOUND[v] for v in versions}


def interpreter(version: str) -> str | None:
    """The CPython ``version`` (``3.11``) of this machine, if it has one that runs."""
    return interpreters([version])[version]


def _shim_without_interpreter(exe: Path, version: str) -> bool:
    """Whether ``exe`` is a pyenv shim that would only fail (running one costs a shell and pyenv's
    start-up, a tenth of a second, to say so).

    pyenv writes a shim for every executable of every version it ever installed, and runs one
    only from the versions selected (``PYENV_VERSION``, else the nearest ``.python-version``,
    else ``<root>/version``). When every selected version is an installed folder without
    ``bin/python3.X``, the shim cannot answer; anything else (``system``, a prefix pyenv would
    resolve, ``PYENV_DIR``) is left to the shim itself.
    """
    shims = exe.parent
    root = shims.parent
    if shims.name != "shims" or not (root / "versions").is_dir():
        return False
    if not any((root / "versions").glob(f"*/bin/python{version}")):
        return True
    selected = _pyenv_selection(root)
    if selected is None or not selected:
        return False
    if any(name == "system" or not (root / "versions" / name).is_dir() for name in selected):
        return False
    return not any((root / "versions" / name / "bin" / f"python{version}").exists() for name in selected)


def _pyenv_selection(root: Path) -> list[str] | None:
    """The versions pyenv would run a shim from; None where that depends on more than these files."""
    if "PYENV_DIR" in os.environ:
        return None
    if os.environ.get("PYENV_VERSION"):
        return os.environ["PYENV_VERSION"].replace(":", " ").split()
    here = Path.cwd()
    for folder in (here, *here.parents):
        local = folder / ".python-version"
        if local.is_file():
            return _version_file(local)
    default = root / "version"
    return _version_file(default) if default.is_file() else ["system"]


def _version_file(path: Path) -> list[str]:
    """A pyenv version file's names (one per line or space-separated; ``#`` comments)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [word for line in lines for word in line.split("#", 1)[0].split()]


@functools.lru_cache(maxsize=None)
def _base_prefix(python: str) -> str:
    """``sys.base_prefix`` of the interpreter ``python`` (a venv's is its base interpreter's)."""
    return subprocess.run([python, "-I", "-c", "import sys; print(sys.base_prefix)"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _interpreter_of(recipe: Recipe, error: type[FarmError]) -> str:
    version = str(recipe.variant.get("python", ""))
    found = interpreter(version) if version else None
    if found is None:
        raise error(f"{recipe.name}: python{version} is not installed on this machine")
    return found


def _run(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path, what: str,
         error: type[FarmError] = BuildFailed) -> str:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(list(cmd), cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, text=True)
        out.write(done.stdout)
    if done.returncode != 0:
        tail = "\n".join("    " + line for line in done.stdout.splitlines()[-15:])
        raise error(f"{what} failed (exit {done.returncode}); last lines of {log}:\n{tail}")
    return done.stdout


def _command(command: Command, *, cwd: Path, log: Path, what: str, error: type[FarmError] = BuildFailed) -> str:
    return _run(command.argv, cwd=cwd, env=command.env, log=log, what=what, error=error)


def _tool_env(caller: Mapping[str, str], home: Path) -> dict[str, str]:
    """What installers need from the caller (their index configuration and caches), no more."""
    keep = ("LANG", "LC_ALL", "TERM", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE",
            "PIP_CERT", "PIP_CACHE_DIR", "PIP_DEFAULT_TIMEOUT", "UV_CACHE_DIR", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL",
            "SSL_CERT_FILE")
    env = {k: v for k, v in caller.items() if k in keep}
    env.setdefault("HOME", str(home))
    env["PATH"] = os.pathsep.join(["/usr/local/bin", "/usr/bin", "/bin"])
    return env


class PythonPackageKind:
    def dist_name(self, recipe: Recipe, namespace: str) -> str:
        assert recipe.python is not None
        return recipe.python.dist or recipe.name

    def wheel_version(self, recipe: Recipe, namespace: str) -> str:
        label = f"{namespace}.{recipe.build_number}" if recipe.build_number else namespace
        extra = f".{recipe.local_label}" if recipe.local_label else ""
        return f"{recipe.version}+{label}{extra}"

    def unavailable(self, recipe: Recipe) -> str | None:
        version = str(recipe.variant.get("python", ""))
        if not version:
            return "no CPython of recipes/pins.yaml's python list is in the recipe's python.requires range"
        # every CPython the recipe's variants use, asked together on the first variant
        found = interpreters([version, *(recipe.python.pythons if recipe.python else ())])
        if found[version] is None:
            return f"python{version} is not installed on this machine"
        return None

    # -- hosted builds ------------------------------------------------------------------------
    def cibw_pythons(self, variants: Sequence[Recipe]) -> list[str]:
        return ["cp" + str(v.variant["python"]).replace(".", "") for v in variants if v.variant.get("python")]

    def backend_variant(self, variants: Sequence[Recipe], python: str) -> Recipe:
        for v in variants:
            if str(v.variant.get("python", "")) == python or (v.python is not None and v.python.abi3):
                return v
        built = ", ".join(str(v.variant.get("python")) for v in variants)
        raise BuildFailed(f"{variants[0].name}: built for CPython {built} (recipes/pins.yaml python and the "
                          f"recipe's python.requires), not {python}")

    def import_check(self, recipe: Recipe, namespace: str) -> str:
        assert recipe.python is not None
        return f"import {recipe.python.module}"

    # -- compile ------------------------------------------------------------------------------
    def compile(self, job: Job) -> None:
        r = job.recipe
        assert r.python is not None
        python = _interpreter_of(r, BuildFailed)
        pyproject = job.tree.src / "pyproject.toml"
        requires: list[str] = ["build>=1.2"]
        if pyproject.is_file():
            text = pyproject.read_text(encoding="utf-8")
            # PEP 725: what the sdist's [external] host-requires maps to must be in requirements.host
            if (problem := host_problem(r, text, str(pyproject), job.namespace)) is not None:
                raise BuildFailed(problem)
            requires += tomllib.loads(text).get("build-system", {}).get("requires", [])
        else:
            requires += ["setuptools>=40.8.0"]
        requires += list(r.python.build_requires)
        tool_env = _tool_env(job.caller_env, job.tree.home)
        venv = job.tree.root / "pyenv"
        shutil.rmtree(venv, ignore_errors=True)
        installer = job.installer
        _command(installer.create(venv, tool_env, python=python), cwd=job.tree.root, log=job.log,
                 what=f"creating a virtual environment with {installer.name}")
        _command(installer.install(venv, requires, tool_env), cwd=job.tree.root, log=job.log,
                 what=f"{r.name}: installing the build requirements")
        vpy = str(venv / "bin" / "python")
        build_env = self._build_env(job, venv)
        settings = json.dumps({k: list(v) if len(v) != 1 else v[0] for k, v in r.python.config_settings.items()})
        dynamic = _run([vpy, "-c", "import build, json, sys; b = build.ProjectBuilder(sys.argv[1]); "
                                   "print(json.dumps(sorted(b.get_requires_for_build('wheel', json.loads(sys.argv[2])))))",
                        str(job.tree.src), settings],
                       cwd=job.tree.src, env=build_env, log=job.log,
                       what=f"{r.name}: asking the build backend what it needs").strip().splitlines()[-1]
        extra = json.loads(dynamic)
        if extra:
            _command(installer.install(venv, [*extra, *r.python.build_requires], tool_env), cwd=job.tree.root,
                     log=job.log, what=f"{r.name}: installing what the build backend asked for")
        out = job.tree.root / "dist"
        shutil.rmtree(out, ignore_errors=True)
        config = [f"-C{k}={v}" for k, values in r.python.config_settings.items() for v in values]
        _run([vpy, "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check", "--outdir", str(out),
              *config, str(job.tree.src)], cwd=job.tree.src, env=build_env, log=job.log,
             what=f"{r.name}: the PEP 517 build")

    def _build_env(self, job: Job, venv: Path) -> dict[str, str]:
        env = build_environment(job.recipe, job.tree, namespace=job.namespace, dep_roots=job.dep_roots,
                                tools=job.tools, cpu_count=job.cpu_count, caller_env=job.caller_env,
                                indirect_roots=job.indirect_roots)
        # the interpreter's headers are named by __FILE__ in their inline functions' asserts: map them too
        base = _base_prefix(str(venv / "bin" / "python"))
        for key in ("CFLAGS", "CXXFLAGS"):
            env[key] = f"{env[key]} -ffile-prefix-map={base}=python"
        bins = [str(d / "bin") for d in (*job.dep_roots, *job.indirect_roots) if (d / "bin").is_dir()]
        env["PATH"] = os.pathsep.join([str(venv / "bin"), *bins, env["PATH"]])
        env["PYTHON"] = str(venv / "bin" / "python")
        env["VIRTUAL_ENV"] = str(venv)
        for root in job.dep_roots:
            env[f"FARM_HOST_{root.name.upper()}"] = str(root)
        # the recipe's build.env may name those folders: PROJ_DIR: $FARM_HOST_PROJ
        for key, value in job.recipe.env.items():
            env[key] = _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), value)
        return env

    # -- pack ---------------------------------------------------------------------------------
    def pack(self, job: Job, provenance: Mapping[str, Any]) -> Packed:
        r = job.recipe
        built = sorted((job.tree.root / "dist").glob("*.whl"))
        if len(built) != 1:
            raise PackError(f"{r.name}: the PEP 517 build made {len(built)} wheels, expected one")
        root = job.work / "wheel"
        shutil.rmtree(root, ignore_errors=True)
        with zipfile.ZipFile(built[0]) as zf:
            zf.extractall(root)
        infos = [p for p in root.glob("*.dist-info") if p.is_dir()]
        if len(infos) != 1:
            raise PackError(f"{built[0].name}: expected one .dist-info folder, found {len(infos)}")
        name, version = infos[0].name.removesuffix(".dist-info").rsplit("-", 1)
        if version != r.version:
            raise PackError(f"{built[0].name}: the sdist built version {version}, the recipe says {r.version}; "
                            f"fix package.version in {r.folder / 'recipe.yaml'}")
        new_version = self.wheel_version(r, job.namespace)
        self._wire(job, root)
        self._unname_build_tree(job, root)
        dist_info = root / f"{name}-{new_version}.dist-info"
        infos[0].rename(dist_info)
        self._rewrite_metadata(dist_info / "METADATA", new_version, self._requires(job))
        (dist_info / "provenance.json").write_text(json.dumps(dict(provenance), indent=2, sort_keys=True) + "\n",
                                                   encoding="utf-8")
        sbom.write(dist_info, sbom_inputs(r, self.dist_name(r, job.namespace), provenance))
        (dist_info / "RECORD").unlink(missing_ok=True)
        tags = built[0].name.removesuffix(".whl").split("-")[-3:]
        out = job.work / "dist"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        wheel = write_wheel(root, dist_info.name, out / f"{name}-{new_version}-{'-'.join(tags)}.whl")
        return Packed(wheel, (), ())

    def _requires(self, job: Job) -> list[str]:
        out = {f"{d.dist}{pin_range(d.version, d.max_pin, d.min_pin)}" for d in job.deps}
        return sorted(out | {str(r).replace(" ", "") for r in job.recipe.run})

    def _wire(self, job: Job, root: Path) -> None:
        """RUNPATH into the host dependencies' wheels for every ELF file that needs one of them; strip."""
        ours = {s for d in job.deps for s in d.sonames}
        strip = job.tools.get("strip", "strip")
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            info = read_elf(path)
            if info is None:
                continue
            subprocess.run([strip, "--strip-debug", str(path)], check=True, capture_output=True)
            # the build's own absolute entries (the build tree's host folder, from LDFLAGS) go
            kept = [e for e in info.search_path if e.startswith("$ORIGIN")]
            if ours & set(info.needed):
                up = os.path.relpath(root, path.parent)
                kept += [f"$ORIGIN/{up}/{d.lib_dir}" for d in job.deps if d.runtime and d.lib_dir]
            if list(dict.fromkeys(kept)) == list(info.runpath) and not info.rpath:
                continue
            patchelf = job.tools.get("patchelf", "patchelf")
            # patchelf overwrites the old string in place (a removal alone would leave it in .dynstr)
            subprocess.run([patchelf, "--set-rpath", ":".join(dict.fromkeys(kept)), str(path)],
                           check=True, capture_output=True)
            if not kept:
                subprocess.run([patchelf, "--remove-rpath", str(path)], check=True, capture_output=True)

    @staticmethod
    def _unname_build_tree(job: Job, root: Path) -> None:
        """Text files that recorded the build tree (numpy's ``__config__.py`` keeps its BLAS's include
        and lib folders, and the compile flags) name it ``[build tree]`` instead, and the build's
        interpreter (its ``-ffile-prefix-map``) ``[python]``: the paths mean nothing on a user's machine."""
        trees = (str(job.tree.root), str(job.tree.root.resolve()))
        names = {name: b"[build tree]" for name in trees}
        names[_base_prefix(_interpreter_of(job.recipe, PackError))] = b"[python]"
        needles = sorted(((n.encode(), label) for n, label in names.items()), key=lambda p: len(p[0]), reverse=True)
        # In an ELF file a string keeps its length (Cython's string table records it next to the
        # text): the sources' folder becomes a relative path of the same length, "./././", so a
        # code object's file name (numpy 1.26's bit_generator.pyx) reads as the package's own.
        sources = sorted({f"{t}/{job.tree.src.name}/".encode() for t in trees}, key=len, reverse=True)
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            data = path.read_bytes()
            if not any(n in data for n, _ in needles):
                continue
            if read_elf_bytes(data, str(path)) is not None:  # the bytes already read, not the file again
                for prefix in sources:
                    data = data.replace(prefix, (b"./" * len(prefix))[:len(prefix) - 1] + b"/")
            else:
                for needle, label in needles:
                    data = data.replace(needle, label)
            path.write_bytes(data)

    @staticmethod
    def _rewrite_metadata(path: Path, version: str, requires: Sequence[str]) -> None:
        text = path.read_text(encoding="utf-8")
        head, sep, body = text.partition("\n\n")
        lines = head.splitlines()
        if not any(line.startswith("Version: ") for line in lines):
            raise PackError(f"{path}: no Version field")
        lines = [f"Version: {version}" if line.startswith("Version: ") else line for line in lines]
        lines += [f"Requires-Dist: {req}" for req in requires]
        path.write_text("\n".join(lines) + "\n" + sep.lstrip("\n") + ("\n" if sep else "") + body, encoding="utf-8")

    # -- test ---------------------------------------------------------------------------------
    def test(self, job: TestJob) -> None:
        r = job.recipe
        assert r.python is not None
        python = _interpreter_of(r, WheelTestFailed)
        shutil.rmtree(job.work, ignore_errors=True)
        job.work.mkdir(parents=True)
        staging = stage_index(job.published, job.wheel, job.work / "index")
        env = _tool_env(os.environ, job.work)
        venv = job.work / "venv"
        _command(job.installer.create(venv, env, python=python), cwd=job.work, log=job.log,
                 what=f"creating a virtual environment with {job.installer.name}", error=WheelTestFailed)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])
        env["VIRTUAL_ENV"] = str(venv)
        version = job.wheel.name.split("-")[1]
        # what a user runs: the farm's index next to the default one, asking for the package by name
        # (uv ranks an extra index above the default one; pip merges them and takes the higher version)
        index = (staging / "simple").as_uri() + "/"
        _command(job.installer.install(venv, [f"{job.dist}=={version}", *r.test.requires], env, extra_index=index),
                 cwd=job.work, log=job.log, what=f"installing {job.dist}=={version} from the index",
                 error=WheelTestFailed)
        py = str(venv / "bin" / "python")
        tests = job.work / "tests"
        tests.mkdir()
        for name in r.test.files:
            shutil.copy2(r.folder / name, tests / Path(name).name)
        _run([py, "-c", _ONE_COPY, r.python.module, job.namespace, *job.farm_sonames], cwd=tests, env=env,
             log=job.log, what=f"import {r.python.module} with the farm's libraries", error=WheelTestFailed)
        for statement in r.test.python:
            _run([py, "-c", statement], cwd=tests, env=env, log=job.log, what=f"test python {statement!r}",
                 error=WheelTestFailed)
        for command in r.test.commands:
            _run(["bash", "-eo", "pipefail", "-c", command], cwd=tests, env=env, log=job.log,
                 what=f"test command {command!r}", error=WheelTestFailed)


#: imports the module, then reads /proc/self/maps: each farm library the import maps comes from the
#: farm's wheel (site-packages/<namespace>/<lib>/lib), once; a soname the interpreter had already
#: loaded is shared with it by the dynamic loader, so it cannot be mapped twice
_ONE_COPY = r"""
import importlib, os, re, sys
module, namespace, sonames = sys.argv[1], sys.argv[2], sys.argv[3:]
def mapped():
    return {line.split(None, 5)[5].strip() for line in open("/proc/self/maps") if len(line.split(None, 5)) == 6}
# what the interpreter itself maps is its own, not the package's: its zlib, lzma, bz2, hashlib and
# ssl modules link the machine's libz, liblzma, libbz2, libcrypto and libssl (shutil, tarfile,
# zipfile and hashlib import them, so nearly every package does); the dynamic loader then shares
# that soname with the farm's libraries
import bz2, hashlib, lzma, ssl, zlib  # noqa: F401,E401  (the standard library's, as every program may import them)
before = mapped()
importlib.import_module(module)
stems = {re.sub(r"\.so.*$", "", s) for s in sonames}
bad, found = [], []
for path in sorted(mapped() - before):
    base = os.path.basename(path)
    stem = re.sub(r"(-[0-9a-f]{8})?\.so.*$", "", base)
    if stem in stems:
        (found if f"/{namespace}/" in path and "/lib/" in path else bad).append(path)
print(f"import {module}: farm libraries mapped:", *found, sep="\n  ")
if bad:
    sys.exit(f"copies not from the farm's wheels are mapped: {bad}")
if sonames and not found:
    sys.exit(f"importing {module} mapped none of {sonames}: is the recipe's python.module the one that links them?")
if len({os.path.basename(p) for p in found}) != len(found):
    sys.exit(f"a library is mapped twice: {found}")
"""
