"""Which file the dynamic loader (glibc's ld.so) would pick for a soname.

The search order, as ld.so(8) gives it for a library that is not loaded yet:
LD_PRELOAD (loaded first, matched by soname), the requester's DT_RPATH (only when
it has no DT_RUNPATH), LD_LIBRARY_PATH, the requester's DT_RUNPATH, the cache
``/etc/ld.so.cache``, then the default directories. The cache is parsed here
(glibc's ``glibc-ld.so.cache1.1`` format), not asked of ``ldconfig``.
"""

from __future__ import annotations

import platform
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType

from farm.errors import FarmError

__all__ = [
    "CACHE_ARCH_FLAGS",
    "CacheEntry",
    "LdCacheError",
    "LoaderConfig",
    "NeededPick",
    "Resolution",
    "Via",
    "expand_origin",
    "loader_config",
    "parse_ld_cache",
    "resolve",
    "resolve_needed",
]

_NEW_MAGIC = b"glibc-ld.so.cache"
_OLD_MAGIC = b"ld.so-1.7.0"
_NEW_HEADER = struct.Struct("<17s3sIIB3sI12s")  # magic, version, nlibs, len_strings, endian, pad, ext, unused
_NEW_ENTRY = struct.Struct("<iIIIQ")  # flags, key, value, osversion, hwcap
_OLD_ENTRY_SIZE = 12

#: FLAG_REQUIRED_MASK values of a cache entry -> the label ``ldconfig -p`` prints.
CACHE_ARCH_FLAGS: Mapping[int, str] = MappingProxyType(
    {
        0x0000: "",
        0x0100: "64bit",
        0x0200: "IA-64",
        0x0300: "x86-64",
        0x0400: "64bit",
        0x0500: "64bit",
        0x0600: "N32",
        0x0700: "N64",
        0x0800: "x32",
        0x0900: "hard-float",
        0x0A00: "AArch64",
        0x0B00: "soft-float",
        0x0F00: "riscv64-lp64",
        0x1000: "riscv64-lp64d",
    }
)

# platform.machine() -> the cache flag of a 64-bit native entry
_MACHINE_FLAGS: Mapping[str, int] = MappingProxyType(
    {
        "x86_64": 0x0300,
        "amd64": 0x0300,
        "aarch64": 0x0A00,
        "arm64": 0x0A00,
        "ppc64le": 0x0500,
        "ppc64": 0x0500,
        "s390x": 0x0400,
        "riscv64": 0x1000,
    }
)

_MULTIARCH: Mapping[str, str] = MappingProxyType(
    {
        "x86_64": "x86_64-linux-gnu",
        "aarch64": "aarch64-linux-gnu",
        "ppc64le": "powerpc64le-linux-gnu",
        "s390x": "s390x-linux-gnu",
        "riscv64": "riscv64-linux-gnu",
    }
)


class LdCacheError(FarmError, ValueError):
    """``/etc/ld.so.cache`` is not in a format this reader knows."""


class Via(str, Enum):
    """Which step of the search found the file."""

    PRELOAD = "LD_PRELOAD"
    RPATH = "DT_RPATH"
    LIBRARY_PATH = "LD_LIBRARY_PATH"
    RUNPATH = "DT_RUNPATH"
    CACHE = "ld.so.cache"
    DEFAULT = "default path"


@dataclass(frozen=True)
class CacheEntry:
    soname: str
    path: str
    flags: int
    hwcap: int

    @property
    def label(self) -> str:
        """What ``ldconfig -p`` prints in parentheses, e.g. ``libc6,x86-64``."""
        kind = {0x0000: "libc4", 0x0001: "ELF", 0x0002: "libc5", 0x0003: "libc6"}.get(self.flags & 0xFF, "unknown")
        arch = CACHE_ARCH_FLAGS.get(self.flags & 0xFF00, "unknown")
        text = f"{kind},{arch}" if arch else kind
        return f"{text}, hwcap: {self.hwcap:#018x}" if self.hwcap else text


@dataclass(frozen=True)
class LoaderConfig:
    """Everything the loader's choice depends on besides the requesting file."""

    preload: tuple[Path, ...]
    preload_sonames: Mapping[str, Path]
    library_path: tuple[str, ...]
    cache: Mapping[str, str]
    default_dirs: tuple[Path, ...]


@dataclass(frozen=True)
class Resolution:
    soname: str
    path: Path | None
    via: Via | None


@dataclass(frozen=True)
class NeededPick:
    """What the loader picks for one DT_NEEDED of one file, next to what the file's own paths give."""

    requester: Path
    soname: str
    resolution: Resolution
    own: Path | None  # found through the requester's RUNPATH/RPATH alone


def _c_string(blob: bytes, offset: int) -> str:
    end = blob.find(b"\0", offset)
    if offset < 0 or offset >= len(blob) or end < 0:
        raise LdCacheError(f"string offset {offset} is outside the cache")
    return blob[offset:end].decode("utf-8", "surrogateescape")


def parse_ld_cache(blob: bytes) -> tuple[CacheEntry, ...]:
    """Entries of an ld.so.cache file, in the file's (the loader's) order."""
    start = 0
    if blob.startswith(_OLD_MAGIC):
        # the old format first, then the new one at an 8-byte aligned offset
        (count,) = struct.unpack_from("<I", blob, len(_OLD_MAGIC))
        start = len(_OLD_MAGIC) + 4 + count * _OLD_ENTRY_SIZE
        start = (start + 7) & ~7
        if not blob.startswith(_NEW_MAGIC, start):
            raise LdCacheError("only the old libc5 cache format is present; run ldconfig to rebuild it")
    if not blob.startswith(_NEW_MAGIC, start):
        raise LdCacheError("not an ld.so.cache file (bad magic)")
    if len(blob) < start + _NEW_HEADER.size:
        raise LdCacheError("truncated header")
    _, version, nlibs, _, _, _, _, _ = _NEW_HEADER.unpack_from(blob, start)
    if version != b"1.1":
        raise LdCacheError(f"unknown cache version {version!r}")
    table = start + _NEW_HEADER.size
    if len(blob) < table + nlibs * _NEW_ENTRY.size:
        raise LdCacheError(f"truncated: {nlibs} entries announced")
    entries: list[CacheEntry] = []
    strings = blob[start:]  # offsets count from the new header
    for i in range(nlibs):
        flags, key, value, _, hwcap = _NEW_ENTRY.unpack_from(blob, table + i * _NEW_ENTRY.size)
        entries.append(CacheEntry(_c_string(strings, key), _c_string(strings, value), flags, hwcap))
    return tuple(entries)


def _native_cache(entries: Sequence[CacheEntry], machine: str) -> dict[str, str]:
    wanted = _MACHINE_FLAGS.get(machine.lower())
    chosen: dict[str, str] = {}
    for entry in entries:
        if wanted is not None and entry.flags & 0xFF00 != wanted:
            continue
        if entry.hwcap:
            continue  # legacy hwcap subdirectories: the plain entry is the portable answer
        chosen.setdefault(entry.soname, entry.path)
    return chosen


def _default_dirs(machine: str) -> tuple[Path, ...]:
    triplet = _MULTIARCH.get(machine.lower())
    candidates = [f"/lib/{triplet}", f"/usr/lib/{triplet}"] if triplet else []
    candidates += ["/lib64", "/usr/lib64", "/lib", "/usr/lib"]
    return tuple(Path(c) for c in candidates)


def loader_config(
    environ: Mapping[str, str],
    cache_file: Path = Path("/etc/ld.so.cache"),
    machine: str | None = None,
    soname_of: Callable[[Path], str | None] | None = None,
) -> LoaderConfig:
    """The loader's inputs from an environment mapping and the cache file.

    An unreadable or unknown cache counts as empty: the report then says
    "not found" where only the cache would have answered.
    """
    arch = machine or platform.machine()
    try:
        entries = parse_ld_cache(cache_file.read_bytes())
    except (OSError, LdCacheError, struct.error):
        entries = ()
    preload = tuple(Path(p) for p in environ.get("LD_PRELOAD", "").replace(" ", ":").split(":") if p)
    sonames: dict[str, Path] = {}
    for item in preload:
        name = soname_of(item) if soname_of else None
        sonames.setdefault(name or item.name, item)
    library_path = tuple(p for p in environ.get("LD_LIBRARY_PATH", "").replace(";", ":").split(":") if p)
    return LoaderConfig(
        preload=preload,
        preload_sonames=MappingProxyType(sonames),
        library_path=library_path,
        cache=MappingProxyType(_native_cache(entries, arch)),
        default_dirs=_default_dirs(arch),
    )


def expand_origin(entry: str, origin: Path | None) -> str | None:
    """An rpath entry with $ORIGIN replaced; None when it needs an origin and has none."""
    if "$ORIGIN" in entry or "${ORIGIN}" in entry:
        if origin is None:
            return None
        return entry.replace("${ORIGIN}", str(origin)).replace("$ORIGIN", str(origin))
    return entry


def _find_in(dirs: Sequence[str], soname: str, origin: Path | None, exists: Callable[[Path], bool]) -> Path | None:
    for entry in dirs:
        directory = expand_origin(entry, origin)
        if directory is None:
            continue
        candidate = Path(directory) / soname
        if exists(candidate):
            return candidate
    return None


def resolve(
    config: LoaderConfig,
    soname: str,
    origin: Path | None = None,
    rpath: Sequence[str] = (),
    runpath: Sequence[str] = (),
    exists: Callable[[Path], bool] = Path.is_file,
) -> Resolution:
    """The file ld.so would load for ``soname`` needed by a file in ``origin`` with these paths.

    With no origin and no paths this is what ``dlopen("soname")`` from the
    interpreter gives.
    """
    if "/" in soname:
        path = Path(soname)
        return Resolution(soname, path if exists(path) else None, Via.DEFAULT if exists(path) else None)
    if soname in config.preload_sonames:
        return Resolution(soname, config.preload_sonames[soname], Via.PRELOAD)
    steps: list[tuple[Via, Sequence[str]]] = []
    if rpath and not runpath:
        steps.append((Via.RPATH, rpath))
    steps.append((Via.LIBRARY_PATH, config.library_path))
    if runpath:
        steps.append((Via.RUNPATH, runpath))
    for via, dirs in steps:
        found = _find_in(dirs, soname, origin, exists)
        if found is not None:
            return Resolution(soname, found, via)
    cached = config.cache.get(soname)
    if cached is not None and exists(Path(cached)):
        return Resolution(soname, Path(cached), Via.CACHE)
    found = _find_in([str(d) for d in config.default_dirs], soname, None, exists)
    if found is not None:
        return Resolution(soname, found, Via.DEFAULT)
    return Resolution(soname, None, None)


def resolve_needed(
    config: LoaderConfig,
    requester: Path,
    soname: str,
    rpath: Sequence[str] = (),
    runpath: Sequence[str] = (),
    exists: Callable[[Path], bool] = Path.is_file,
) -> NeededPick:
    """Resolve one DT_NEEDED entry of ``requester`` and what its own search path alone would find."""
    resolution = resolve(config, soname, requester.parent, rpath, runpath, exists)
    own = _find_in(runpath or rpath, soname, requester.parent, exists) if "/" not in soname else None
    return NeededPick(requester=requester, soname=soname, resolution=resolution, own=own)
