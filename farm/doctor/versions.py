"""A library's own version, read from the strings it embeds or from its file name.

The library's release ("OpenBLAS 0.3.30", "GDAL 3.12.4"), not the version of the
wheel that carries it. Reading is a plain search over the file's read-only data,
so nothing is loaded or run; :mod:`farm.doctor.probe` can ask the library itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from farm.doctor.identity import LibraryName

__all__ = [
    "EMBEDDED_PATTERNS",
    "LibraryVersion",
    "VersionSource",
    "embedded_version",
    "file_name_version",
    "library_version",
]


class VersionSource(str, Enum):
    """Where a version was read from, most trustworthy first."""

    CALL = "call"
    EMBEDDED = "embedded string"
    FILE_NAME = "file name"


@dataclass(frozen=True)
class LibraryVersion:
    value: str
    source: VersionSource


_V3 = rb"(\d+\.\d+\.\d+)"

#: identity -> pattern over the read-only data; group 1 is the version.
EMBEDDED_PATTERNS: Mapping[str, re.Pattern[bytes]] = MappingProxyType(
    {
        "openblas": re.compile(rb"OpenBLAS (\d+\.\d+\.\d+(?:[.\w]*\w)?)"),
        "gdal": re.compile(rb"(?<![\w.])GDAL " + _V3 + rb"(?:dev|beta\d*|rc\d*)?\x00"),
        "proj": re.compile(rb"Rel\. " + _V3 + rb", "),
        "geos": re.compile(_V3 + rb"-CAPI-\d+\.\d+"),
        "geos_c": re.compile(_V3 + rb"-CAPI-\d+\.\d+"),
        "sqlite": re.compile(rb"(3\.\d+\.\d+)\x00+20\d\d-\d\d-\d\d \d\d:\d\d:\d\d [0-9a-f]{20}"),
        "zlib": re.compile(rb"(?:de|in)flate (\d+\.\d+(?:\.\d+)*(?:\.\d+)?) Copyright"),
        "png": re.compile(rb"libpng version " + _V3),
        "tiff": re.compile(rb"LIBTIFF, Version " + _V3),
        "crypto": re.compile(rb"OpenSSL (\d+\.\d+\.\d+[a-z]?) "),
        "ssl": re.compile(rb"OpenSSL (\d+\.\d+\.\d+[a-z]?) "),
        "hdf5": re.compile(rb"HDF5 library version: " + _V3),
        "curl": re.compile(rb"libcurl/" + _V3),
    }
)


def embedded_version(identity: str, rodata: bytes) -> str | None:
    """The version a known library embeds in its read-only data, or None."""
    pattern = EMBEDDED_PATTERNS.get(identity)
    if pattern is None:
        return None
    match = pattern.search(rodata)
    return match.group(1).decode("ascii", "replace") if match else None


def _release_after_soversion(parts: list[str]) -> str | None:
    # CMake-built GDAL and PROJ name their file <soversion>.<major>.<minor>.<patch>
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return ".".join(parts[1:])
    return None


def _whole(parts: list[str]) -> str | None:
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return ".".join(parts)
    return None


#: identity -> rule turning the digits after ".so." into the library's release.
_FILE_NAME_RULES: Mapping[str, Callable[[list[str]], str | None]] = MappingProxyType(
    {
        "gdal": _release_after_soversion,
        "proj": _release_after_soversion,
        "geos": _whole,
        "zstd": _whole,
        "sqlite": lambda parts: _whole(parts) if parts and parts[0] == "3" else None,
        "zlib": lambda parts: _whole(parts) if parts and parts[0] == "1" else None,
    }
)


def file_name_version(name: LibraryName) -> str | None:
    """The release a file name encodes, for libraries whose naming is known to encode it."""
    rule = _FILE_NAME_RULES.get(name.identity)
    if rule is None or not name.version_suffix:
        return None
    return rule(name.version_suffix.split("."))


def library_version(name: LibraryName, rodata: bytes) -> LibraryVersion | None:
    """The best version that can be read without loading the library."""
    embedded = embedded_version(name.identity, rodata)
    if embedded:
        return LibraryVersion(embedded, VersionSource.EMBEDDED)
    from_name = file_name_version(name)
    if from_name:
        return LibraryVersion(from_name, VersionSource.FILE_NAME)
    return None
