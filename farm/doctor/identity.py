"""Which library a shared-library file is, whatever its packager renamed it to.

auditwheel appends a content hash (``libgdal-1b2c3d4e.so.35.3.6.2``), some
projects add their own name (``libgdal-fiona-e8f6bdb0.so.35``), and BLAS builds
carry their flavour in the name (``libscipy_openblas64_-ff651d7f.so``,
``libopenblas64_p-r0-0cf96a72.3.23.dev.so``). :func:`library_identity` strips all
that down to one :data:`LibraryIdentity` ("gdal", "openblas"), so two copies of
one library can be told apart from two different libraries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import NewType

__all__ = [
    "KNOWN_ALIASES",
    "LibraryIdentity",
    "LibraryName",
    "is_extension_module",
    "is_shared_library",
    "library_identity",
    "owner_from_path",
    "split_library_name",
]

#: A normalised library name such as "openblas", "gdal" or "zlib"; made only by
#: :func:`library_identity`.
LibraryIdentity = NewType("LibraryIdentity", str)

#: (pattern over the normalised stem, identity): names that mean one library.
KNOWN_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(scipy_)?openblas[\w.-]*"), "openblas"),
    (re.compile(r"z"), "zlib"),
    (re.compile(r"sqlite3?"), "sqlite"),
    (re.compile(r"png1\d"), "png"),
    (re.compile(r"gdal\d*"), "gdal"),
    (re.compile(r"mkl_rt(\.\d+)?"), "mkl"),
)

# an auditwheel (8 hex) or delvewheel (32 hex) name-mangling hash, with a digit in it
_HASH = re.compile(r"-(?=[0-9a-f]*\d)(?:[0-9a-f]{32}|[0-9a-f]{8})(?=[-.]|$)")
_SO = re.compile(r"\.so(?=\.|$)")
_DYLIB_VERSION = re.compile(r"\.(\d[\w.]*)$")
_SHARED = re.compile(r"(\.so(\.\d[\w.]*)?|\.dylib|\.dll)$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(cpython|pypy|graalpy)[-\w.]*\.(so|pyd)$|\.abi3\.so$|\.cp\d+-win[\w]*\.pyd$")


@dataclass(frozen=True)
class LibraryName:
    """A shared-library file name taken apart."""

    filename: str
    stem: str  # without "lib", hashes, owner tag and version: "gdal", "scipy_openblas64_"
    identity: LibraryIdentity
    version_suffix: str | None  # what follows ".so." (or is embedded before it): "35.3.6.2"
    mangled: bool  # carries a packager's hash


def is_shared_library(filename: str) -> bool:
    """Whether a file name looks like a shared library (and not a Python extension module)."""
    return bool(_SHARED.search(filename)) and not is_extension_module(filename)


def is_extension_module(filename: str) -> bool:
    """Whether a file name is a Python extension module (``x.cpython-311-x86_64-linux-gnu.so``)."""
    return bool(_EXTENSION.search(filename))


def owner_from_path(path: PurePath) -> str | None:
    """The package that bundled a library, from an auditwheel ``<pkg>.libs`` folder."""
    parent = path.parent.name
    if parent.endswith(".libs") and len(parent) > len(".libs"):
        return parent[: -len(".libs")]
    if parent == ".dylibs" and path.parent.parent.name:
        return path.parent.parent.name
    return None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split_library_name(filename: str, owner: str | None = None) -> LibraryName:
    """Take a library file name apart; ``owner`` is the bundling package, if known.

    >>> split_library_name("libgdal-fiona-e8f6bdb0.so.35.3.9.2", owner="fiona").identity
    'gdal'
    """
    base = filename
    version_suffix: str | None = None
    so = _SO.search(base)
    if so:
        rest = base[so.end() + 1 :]
        version_suffix = rest or None
        base = base[: so.start()]
    elif base.lower().endswith(".dll"):
        base = base[: -len(".dll")]
    elif base.endswith(".dylib"):
        base = base[: -len(".dylib")]
        dylib_version = _DYLIB_VERSION.search(base)
        if dylib_version:
            version_suffix = dylib_version.group(1)
            base = base[: dylib_version.start()]
    hashes = list(_HASH.finditer(base))
    mangled = bool(hashes)
    if hashes:
        tail = base[hashes[-1].end() :]
        base = base[: hashes[0].start()]
        if tail.startswith(".") and len(tail) > 1 and version_suffix is None:
            version_suffix = tail[1:]
    if base.startswith("lib") and len(base) > 3:
        base = base[3:]
    if owner:
        tag = "-" + _canonical(owner)
        if _canonical(base).endswith(tag) and len(base) > len(tag):
            base = base[: -len(tag)]
    stem = base
    identity = stem.lower()
    for pattern, alias in KNOWN_ALIASES:
        if pattern.fullmatch(identity):
            identity = alias
            break
    return LibraryName(
        filename=filename,
        stem=stem,
        identity=LibraryIdentity(identity),
        version_suffix=version_suffix,
        mangled=mangled,
    )


def library_identity(path: PurePath | str) -> LibraryIdentity:
    """The library identity of a file, using its ``<pkg>.libs`` folder as owner hint."""
    pure = PurePath(path)
    return split_library_name(pure.name, owner_from_path(pure)).identity
