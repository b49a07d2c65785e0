"""The wheels in an interpreter's environment that carry native libraries.

Every distribution whose RECORD lists an ELF shared library (not a Python
extension module) is one, whoever made it. Three kinds: wheelfarm library wheels
(``wheelfarm-<name>``, files under ``wheelfarm/<name>/lib/``), NVIDIA's CUDA
wheels (``nvidia-*``, files under ``nvidia/<component>/lib/`` or
``nvidia/cu13/lib/``), and every other wheel (auditwheel's ``<pkg>.libs/``,
delocate's ``.dylibs/``, or a library wheel of its own such as
``scipy-openblas32``). Only reads the disk; deciding what is wrong is
:mod:`farm.doctor.findings`' job.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import Distribution, PackagePath, distributions
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from farm.doctor.elf import DynamicInfo, ElfReadError, read_dynamic, read_rodata
from farm.doctor.identity import (
    LibraryIdentity,
    is_extension_module,
    is_shared_library,
    owner_from_path,
    split_library_name,
)
from farm.doctor.interpreter import Interpreter
from farm.doctor.versions import LibraryVersion, library_version

__all__ = [
    "DEFAULT_NAMESPACE",
    "Environment",
    "LibraryFile",
    "RecordCheck",
    "SearchPathEntry",
    "Wheel",
    "WheelKind",
    "CudaTarget",
    "cuda_major_of",
    "cuda_target",
    "scan_environment",
    "scan_library",
]

DEFAULT_NAMESPACE = "wheelfarm"

_CU_SUFFIX = re.compile(r"-cu(\d+)$")
# "-cu12", "-cu13", "-cu118" and NVIDIA's own "-cuda120"
_CUDA_TAG = re.compile(r"-cu(?:da)?(\d{2,3})$")
_CU_DIR = re.compile(r"cu(\d{2,3})")


class WheelKind(str, Enum):
    WHEELFARM = "wheelfarm"
    NVIDIA = "nvidia"
    OTHER = "other"


@dataclass(frozen=True)
class LibraryFile:
    """One shared-library file a wheel installed."""

    path: Path
    identity: LibraryIdentity
    size: int
    soname: str | None
    needed: tuple[str, ...]
    runpath: tuple[str, ...]
    rpath: tuple[str, ...]
    version: LibraryVersion | None
    error: str | None = None

    @property
    def provides(self) -> str:
        """The name the loader matches it by: its soname, else its file name."""
        return self.soname or self.path.name


@dataclass(frozen=True)
class RecordCheck:
    """RECORD against the disk: which listed files are gone or changed."""

    checked: int
    missing: tuple[str, ...]
    modified: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.missing and not self.modified


@dataclass(frozen=True)
class SearchPathEntry:
    """One DT_RUNPATH or DT_RPATH entry of one ELF file in a distribution."""

    distribution: str
    file: Path
    tag: str  # "RUNPATH" or "RPATH"
    entry: str


@dataclass(frozen=True)
class Wheel:
    """An installed distribution that carries native libraries."""

    name: str
    version: str
    kind: WheelKind
    location: Path
    libraries: tuple[LibraryFile, ...]
    requires: tuple[str, ...]
    component: str | None = None  # wheelfarm <name> or NVIDIA component
    cuda_major: int | None = None
    record: RecordCheck | None = None
    cuda_basis: str | None = None  # how cuda_major was told: the name's suffix or the install layout

    @property
    def maker(self) -> str:
        """Who made it, in a word: "ours", "NVIDIA" or "other"."""
        return {WheelKind.WHEELFARM: "ours", WheelKind.NVIDIA: "NVIDIA"}.get(self.kind, "other")


@dataclass(frozen=True)
class Environment:
    """What was found on an interpreter's path."""

    interpreter: Interpreter
    namespace: str
    wheels: tuple[Wheel, ...]
    installed: tuple[tuple[str, str], ...]  # (canonical name, version) of every distribution
    search_paths: tuple[SearchPathEntry, ...]

    def installed_version(self, name: str) -> str | None:
        wanted = canonicalize_name(name)
        return next((v for n, v in self.installed if n == wanted), None)

    @property
    def libraries(self) -> tuple[tuple[Wheel, LibraryFile], ...]:
        return tuple((w, lib) for w in self.wheels for lib in w.libraries)


def scan_library(path: Path, owner: str | None = None, read_version: bool = True) -> LibraryFile:
    """Describe one library file: identity, size, dynamic section, version."""
    name = split_library_name(path.name, owner if owner is not None else owner_from_path(path))
    error: str | None = None
    info: DynamicInfo | None = None
    version: LibraryVersion | None = None
    try:
        info = read_dynamic(path)
        if read_version:
            version = library_version(name, read_rodata(path))
    except ElfReadError as exc:
        error = str(exc)
    try:
        size = path.stat().st_size
    except OSError as exc:
        size = 0
        error = error or f"{path}: {exc.strerror}"
    return LibraryFile(
        path=path,
        identity=name.identity,
        size=size,
        soname=info.soname if info else None,
        needed=info.needed if info else (),
        runpath=info.runpath if info else (),
        rpath=info.rpath if info else (),
        version=version,
        error=error,
    )


def _record_hash_ok(path: Path, algorithm: str, expected: str) -> bool:
    try:
        digest = hashlib.new(algorithm)
    except ValueError:
        return True  # an algorithm this Python lacks cannot be checked
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    actual = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")
    return actual == expected


def _check_record(dist: Distribution, files: Iterable[PackagePath]) -> RecordCheck:
    missing: list[str] = []
    modified: list[str] = []
    checked = 0
    for item in files:
        if item.hash is None:
            continue  # RECORD itself, and files written after install (.pyc)
        checked += 1
        path = Path(str(dist.locate_file(item)))
        if not path.is_file():
            missing.append(str(item))
        elif not _record_hash_ok(path, item.hash.mode, item.hash.value):
            modified.append(str(item))
    return RecordCheck(checked=checked, missing=tuple(missing), modified=tuple(modified))


@dataclass(frozen=True)
class CudaTarget:
    """The CUDA major version a wheel is built for, and what told it."""

    major: int
    basis: str


def _tag_major(digits: str) -> int:
    return int(digits[:2]) if len(digits) == 3 else int(digits)  # cu118 -> 11, cuda120 -> 12


def cuda_target(name: str, files: Iterable[PurePosixPath], namespace: str = DEFAULT_NAMESPACE) -> CudaTarget | None:
    """The CUDA major an NVIDIA wheel or a farm CUDA variant is built for; None for any other wheel.

    From the name's suffix (``-cu12``, ``-cu13``), else NVIDIA's layout:
    ``nvidia/cu13/`` is CUDA 13, ``nvidia/<component>/`` is CUDA 12. Never from
    the version: ``nvidia-cufft-cu12`` 11.4.1.4 is a CUDA 12 wheel.
    """
    canonical = canonicalize_name(name)
    ours = canonical.startswith(f"{canonicalize_name(namespace)}-")
    if not ours and not canonical.startswith("nvidia-"):
        return None
    suffix = (_CU_SUFFIX if ours else _CUDA_TAG).search(canonical)
    if suffix:
        return CudaTarget(_tag_major(suffix.group(1)), f"name suffix {suffix.group(0)}")
    if ours:
        return None
    components: set[str] = set()
    for item in files:
        parts = item.parts
        if len(parts) < 3 or parts[0] != "nvidia":
            continue
        matched = _CU_DIR.fullmatch(parts[1])
        if matched:
            return CudaTarget(_tag_major(matched.group(1)), f"layout nvidia/{parts[1]}/")
        if parts[1] != "__pycache__":
            components.add(parts[1])
    if components:
        return CudaTarget(12, f"layout nvidia/{sorted(components)[0]}/")
    return None


def cuda_major_of(name: str, files: Iterable[PurePosixPath], namespace: str = DEFAULT_NAMESPACE) -> int | None:
    """The CUDA major version an NVIDIA (or CUDA-variant) wheel is built for."""
    target = cuda_target(name, files, namespace)
    return target.major if target else None


def _kind_of(name: str, namespace: str) -> WheelKind:
    canonical = canonicalize_name(name)
    if canonical.startswith(f"{canonicalize_name(namespace)}-"):
        return WheelKind.WHEELFARM
    if canonical.startswith("nvidia-"):
        return WheelKind.NVIDIA
    return WheelKind.OTHER


def _component(kind: WheelKind, name: str, namespace: str, lib_parts: list[tuple[str, ...]]) -> str | None:
    canonical = canonicalize_name(name)
    if kind is WheelKind.WHEELFARM:
        for parts in lib_parts:
            if len(parts) >= 3 and parts[0] == namespace:
                return parts[1]
        return _CU_SUFFIX.sub("", canonical[len(canonicalize_name(namespace)) + 1 :])
    if kind is WheelKind.NVIDIA:
        return _CU_SUFFIX.sub("", canonical[len("nvidia-") :])
    return None


def _unique_distributions(dirs: Iterable[Path]) -> Iterator[Distribution]:
    seen: set[str] = set()
    for dist in distributions(path=[str(d) for d in dirs]):
        raw = dist.metadata["Name"]
        if not raw:
            continue
        name = canonicalize_name(raw)
        if name in seen:
            continue  # shadowed by an earlier path entry, as at import time
        seen.add(name)
        yield dist


def _elf_candidates(files: Iterable[PackagePath]) -> Iterator[PackagePath]:
    for item in files:
        base = item.name
        if is_shared_library(base) or is_extension_module(base):
            yield item


def scan_environment(
    interpreter: Interpreter,
    namespace: str = DEFAULT_NAMESPACE,
    read_versions: bool = True,
    verify_records: bool = True,
) -> Environment:
    """Find every distribution on the interpreter's path and describe its native libraries."""
    wheels: list[Wheel] = []
    installed: list[tuple[str, str]] = []
    search_paths: list[SearchPathEntry] = []
    for dist in _unique_distributions(interpreter.search_dirs):
        name = str(dist.metadata["Name"])
        version = str(dist.version)
        installed.append((canonicalize_name(name), version))
        files = list(dist.files or ())
        kind = _kind_of(name, namespace)
        lib_items: list[PackagePath] = []
        for item in _elf_candidates(files):
            path = Path(str(dist.locate_file(item)))
            try:
                info = read_dynamic(path)
            except (ElfReadError, OSError):
                if is_shared_library(item.name) and path.is_file():
                    lib_items.append(item)  # ELF, but unreadable: listed with its error
                continue
            if info is None:
                continue  # not ELF: a linker script, a Mach-O or PE file
            search_paths.extend(SearchPathEntry(name, path, "RUNPATH", e) for e in info.runpath)
            search_paths.extend(SearchPathEntry(name, path, "RPATH", e) for e in info.rpath)
            if is_shared_library(item.name):
                lib_items.append(item)
        if kind is WheelKind.OTHER and not lib_items:
            continue
        owner = canonicalize_name(name) if kind is WheelKind.OTHER else None
        libraries = tuple(
            scan_library(
                Path(str(dist.locate_file(item))),
                owner=_bundle_owner(item, owner),
                read_version=read_versions and kind is not WheelKind.NVIDIA,
            )
            for item in lib_items
        )
        component = _component(kind, name, namespace, [tuple(f.parts) for f in lib_items])
        target = cuda_target(name, (PurePosixPath(str(f)) for f in files), namespace)
        wheels.append(
            Wheel(
                name=name,
                version=version,
                kind=kind,
                location=Path(str(dist.locate_file(""))),
                libraries=libraries,
                requires=tuple(dist.requires or ()),
                component=component,
                cuda_major=target.major if target else None,
                record=_check_record(dist, files) if verify_records and kind is WheelKind.WHEELFARM else None,
                cuda_basis=target.basis if target else None,
            )
        )
    wheels.sort(key=lambda w: (w.kind.value, canonicalize_name(w.name)))
    return Environment(
        interpreter=interpreter,
        namespace=namespace,
        wheels=tuple(wheels),
        installed=tuple(sorted(installed)),
        search_paths=tuple(search_paths),
    )


def _bundle_owner(item: PackagePath, distribution: str | None) -> str | None:
    # fiona tags its copies "-fiona": strip the folder's package name, not the distribution's
    folder = item.parts[0]
    if folder.endswith(".libs"):
        return folder[: -len(".libs")]
    return distribution
