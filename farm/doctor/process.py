"""The shared libraries a process has actually loaded, from ``/proc/<pid>/maps``.

:func:`loaded_libraries` looks at this process; :func:`remote_maps` runs another
interpreter, imports modules there and brings back its maps, so both are read by
the same parser.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from farm.doctor.elf import ElfReadError, read_dynamic
from farm.doctor.identity import (
    LibraryIdentity,
    is_extension_module,
    is_shared_library,
    owner_from_path,
    split_library_name,
)
from farm.doctor.interpreter import Runner
from farm.errors import FarmError

__all__ = [
    "LoadedLibrary",
    "MappedFile",
    "ProcessInspectionError",
    "import_modules",
    "loaded_libraries",
    "parse_maps",
    "read_own_maps",
    "remote_maps",
]

_DELETED = " (deleted)"

# Runs inside another interpreter: import what was asked, then hand back the maps.
_REMOTE = r"""
import importlib, json, sys
failed = []
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append([name, "%s: %s" % (type(exc).__name__, exc)])
if failed:
    print(json.dumps({"failed": failed}))
    sys.exit(3)
with open("/proc/self/maps") as fh:
    print(json.dumps({"maps": fh.read()}))
"""


class ProcessInspectionError(FarmError):
    """The process's loaded libraries could not be read, or a module to import failed."""


@dataclass(frozen=True)
class MappedFile:
    """A file mapped into the process (once, however many segments it has)."""

    path: str
    device: str
    inode: int
    deleted: bool = False


@dataclass(frozen=True)
class LoadedLibrary:
    """A shared library in the process, with what identifies it."""

    path: Path
    identity: LibraryIdentity
    soname: str | None
    owner: str | None  # the bundling package, or the library wheel, when the path says so
    device: str
    inode: int
    deleted: bool = False


def parse_maps(text: str) -> tuple[MappedFile, ...]:
    """Unique file-backed mappings of a ``/proc/<pid>/maps`` text, in address order."""
    seen: set[tuple[str, int, str]] = set()
    out: list[MappedFile] = []
    for line in text.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6:
            continue
        _, _, _, device, inode_text, path = fields
        if not path.startswith("/"):
            continue  # [heap], [vdso], anonymous
        deleted = path.endswith(_DELETED)
        if deleted:
            path = path[: -len(_DELETED)]
        try:
            inode = int(inode_text)
        except ValueError:
            continue
        if inode == 0:
            continue
        key = (device, inode, path)
        if key in seen:
            continue
        seen.add(key)
        out.append(MappedFile(path=path, device=device, inode=inode, deleted=deleted))
    return tuple(out)


def _owner(path: PurePath) -> str | None:
    bundled = owner_from_path(path)
    if bundled:
        return bundled
    parts = path.parts
    # site-packages/<namespace>/<name>/lib/<file>: wheelfarm and NVIDIA layouts
    if len(parts) >= 5 and parts[-2] == "lib" and parts[-5].endswith("-packages"):
        return f"{parts[-4]}/{parts[-3]}"
    return None


def _describe(mapped: MappedFile) -> LoadedLibrary | None:
    pure = PurePath(mapped.path)
    name = pure.name
    if is_extension_module(name) or not is_shared_library(name):
        return None
    soname: str | None = None
    if not mapped.deleted:
        try:
            info = read_dynamic(Path(mapped.path))
        except (ElfReadError, OSError):
            info = None
        soname = info.soname if info else None
    return LoadedLibrary(
        path=Path(mapped.path),
        identity=split_library_name(name, owner_from_path(pure)).identity,
        soname=soname,
        owner=_owner(pure),
        device=mapped.device,
        inode=mapped.inode,
        deleted=mapped.deleted,
    )


def read_own_maps(proc: Path = Path("/proc/self/maps")) -> str:
    """This process's maps text."""
    try:
        return proc.read_text()
    except OSError as exc:
        raise ProcessInspectionError(f"cannot read {proc} ({exc.strerror}); --process needs Linux's /proc") from exc


def loaded_libraries(maps_text: str | None = None) -> tuple[LoadedLibrary, ...]:
    """The shared libraries (not Python extension modules) mapped into a process.

    Without ``maps_text``, this process's: call it after importing what you suspect.
    """
    text = read_own_maps() if maps_text is None else maps_text
    described = (_describe(m) for m in parse_maps(text))
    return tuple(lib for lib in described if lib is not None)


def import_modules(names: Sequence[str]) -> None:
    """Import modules into this process, naming every one that fails."""
    import importlib

    failed: list[str] = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import-time failure is the user's to see
            failed.append(f"{name} ({type(exc).__name__}: {exc})")
    if failed:
        raise ProcessInspectionError(
            f"cannot import {', '.join(failed)}; install it in this environment or drop --import"
        )


def remote_maps(python: Path, modules: Sequence[str], run: Runner = subprocess.run, timeout: float = 300.0) -> str:
    """Import ``modules`` in another interpreter and return that process's maps text."""
    try:
        done = run(
            [str(python), "-c", _REMOTE, json.dumps(list(modules))],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProcessInspectionError(f"--python {python}: could not run it ({exc})") from exc
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and "failed" in answer:
        failed = ", ".join(f"{n} ({why})" for n, why in answer["failed"])
        raise ProcessInspectionError(f"--python {python}: cannot import {failed}; install it there or drop --import")
    if done.returncode != 0 or not isinstance(answer, dict) or "maps" not in answer:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProcessInspectionError(
            f"--python {python}: could not report its loaded libraries ({last}); --process needs Linux's /proc"
        )
    return str(answer["maps"])
