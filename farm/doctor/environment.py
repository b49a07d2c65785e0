"""The wheels in an interpreter's environment that carry native libraries.

Three kinds: wheelfarm library wheels (``wheelfarm-<name>``, files under
``wheelfarm/<name>/lib/``), NVIDIA's CUDA wheels (``nvidia-*``, files under
``nvidia/<component>/lib/`` or ``nvidia/cu13/lib/``), and libraries bundled
inside other wheels (auditwheel's ``<pkg>.libs/``, delocate's ``.dylibs/``).
Only reads the disk; deciding what is wrong is :mod:`farm.doctor.findings`' job.
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
    "cuda_major_of",
    "scan_environment",
    "scan_library",
]

DEFAULT_NAMESPACE = "wheelfarm"

# CUDA toolkit components whose wheel version is the CUDA version
_TOOLKIT_COMPONENTS = frozenset(
    {
        "cuda-runtime",
        "cuda-nvrtc",
        "cuda-cupti",
        "cuda-nvcc",
        "cuda-cccl",
        "cuda-crt",
        "cuda-nvdisasm",
        "cublas",
        "cufft",
        "curand",
        "cusolver",
        "cusparse",
        "nvjitlink",
        "nvtx",
        "npp",
        "nvjpeg",
        "nvvm",
        "nvfatbin",
    }
)
_CU_SUFFIX = re.compile(r"-cu(\d+)$")


class WheelKind(str, Enum):
    WHEELFARM = "wheelfarm"
    NVIDIA = "nvidia"
    BUNDLED = "bundled"


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


def cuda_major_of(name: str, version: str, component: str | None, files: Iterable[PurePosixPath]) -> int | None:
    """The CUDA major version an NVIDIA (or CUDA-variant) wheel is built for."""
    suffix = _CU_SUFFIX.search(canonicalize_name(name))
    if suffix:
        return int(suffix.group(1))
    for item in files:
        for part in item.parts[:3]:
            matched = re.fullmatch(r"cu(\d+)", part)
            if matched:
                return int(matched.group(1))
    if component in _TOOLKIT_COMPONENTS:
        major = version.split(".", 1)[0]
        if major.isdigit() and int(major) >= 9:
            return int(major)
    return None


def _library_parts(kind: WheelKind, parts: tuple[str, ...], namespace: str) -> bool:
    if not is_shared_library(parts[-1]):
        return False
    if kind is WheelKind.WHEELFARM:
        return len(parts) == 4 and parts[0] == namespace and parts[2] == "lib"
    if kind is WheelKind.NVIDIA:
        return len(parts) == 4 and parts[0] == "nvidia" and parts[2] == "lib"
    return (len(parts) == 2 and parts[0].endswith(".libs")) or ".dylibs" in parts[:-1]


def _kind_of(name: str, namespace: str) -> WheelKind:
    canonical = canonicalize_name(name)
    if canonical.startswith(f"{canonicalize_name(namespace)}-"):
        return WheelKind.WHEELFARM
    if canonical.startswith("nvidia-"):
        return WheelKind.NVIDIA
    return WheelKind.BUNDLED


def _component(kind: WheelKind, name: str, namespace: str, lib_parts: list[tuple[str, ...]]) -> str | None:
    canonical = canonicalize_name(name)
    if kind is WheelKind.WHEELFARM:
        if lib_parts:
            return lib_parts[0][1]
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
        lib_items = [f for f in files if _library_parts(kind, tuple(f.parts), namespace)]
        for item in _elf_candidates(files):
            path = Path(str(dist.locate_file(item)))
            try:
                info = read_dynamic(path)
            except (ElfReadError, OSError):
                continue
            if info is None:
                continue
            search_paths.extend(SearchPathEntry(name, path, "RUNPATH", e) for e in info.runpath)
            search_paths.extend(SearchPathEntry(name, path, "RPATH", e) for e in info.rpath)
        if kind is WheelKind.BUNDLED and not lib_items:
            continue
        owner = canonicalize_name(name) if kind is WheelKind.BUNDLED else None
        libraries = tuple(
            scan_library(
                Path(str(dist.locate_file(item))),
                owner=_bundle_owner(item, owner),
                read_version=read_versions and kind is not WheelKind.NVIDIA,
            )
            for item in lib_items
            if Path(str(dist.locate_file(item))).exists()
        )
        component = _component(kind, name, namespace, [tuple(f.parts) for f in lib_items])
        wheels.append(
            Wheel(
                name=name,
                version=version,
                kind=kind,
                location=Path(str(dist.locate_file(""))),
                libraries=libraries,
                requires=tuple(dist.requires or ()),
                component=component,
                cuda_major=(
                    cuda_major_of(name, version, component, (PurePosixPath(str(f)) for f in files))
                    if kind is not WheelKind.BUNDLED
                    else None
                ),
                record=_check_record(dist, files) if verify_records and kind is WheelKind.WHEELFARM else None,
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
