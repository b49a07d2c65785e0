"""A recipe resolved for one variant on one platform: plain frozen values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.cuda import CudaVariant
from farm.platforms import Platform

__all__ = [
    "About",
    "Artifact",
    "Origin",
    "Provides",
    "PythonSpec",
    "Recipe",
    "Requirement",
    "TestSpec",
    "parse_requirement",
]

_REQ = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>.*?)\s*$")


@dataclass(frozen=True)
class Requirement:
    name: str
    specifier: str = ""

    def __str__(self) -> str:
        return f"{self.name} {self.specifier}".strip()


def parse_requirement(text: str) -> Requirement:
    """``"zlib >=1.2"`` -> Requirement; raises ValueError on anything else."""
    m = _REQ.match(text)
    if not m:
        raise ValueError(f"cannot read requirement {text!r}: write a name, optionally followed by a version range")
    spec = m.group("spec")
    if spec:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            SpecifierSet(spec)
        except InvalidSpecifier:
            raise ValueError(f"invalid version range {spec!r} in requirement {text!r}") from None
    return Requirement(m.group("name").lower(), spec)


@dataclass(frozen=True)
class Origin:
    """One place an artifact can come from."""

    sha256: str
    url: str | None = None
    debian_package: str | None = None
    debian_file: str | None = None
    debian_version: str | None = None
    debian_suite: str | None = None
    #: a file of a project on the package index pip is configured to use (an sdist)
    pypi_project: str | None = None
    pypi_file: str | None = None

    @property
    def kind(self) -> str:
        if self.url:
            return "url"
        return "pypi" if self.pypi_project else "debian"

    def describe(self) -> str:
        if self.url:
            return self.url
        if self.pypi_project:
            return f"pypi:{self.pypi_project}/{self.pypi_file}"
        version = f"={self.debian_version}" if self.debian_version else ""
        suite = f"@{self.debian_suite}" if self.debian_suite else ""
        return f"debian:{self.debian_package}{version}{suite}/{self.debian_file}"

    @property
    def file_name(self) -> str:
        if self.debian_file:
            return self.debian_file
        if self.pypi_file:
            return self.pypi_file
        assert self.url is not None
        return self.url.rstrip("/").rsplit("/", 1)[-1] or "source"


@dataclass(frozen=True)
class Artifact:
    origins: tuple[Origin, ...]
    patches: tuple[str, ...] = ()
    target_directory: str = ""
    file_name: str | None = None


@dataclass(frozen=True)
class Provides:
    sonames: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pkg_config: tuple[str, ...] = ()
    cmake: tuple[str, ...] = ()
    executables: tuple[str, ...] = ()
    #: sonames in the order load_library() loads them; empty: each after the ones it needs
    load_order: tuple[str, ...] = ()
    #: PEP 725 DepURLs the wheel satisfies (``dep:generic/gdal``, ``dep:virtual/interface/blas``); see farm.pep725
    depurls: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestSpec:
    commands: tuple[str, ...] = ()
    python: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class About:
    license: str
    license_files: tuple[str, ...]
    summary: str
    homepage: str | None = None
    repository: str | None = None
    documentation: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class PythonSpec:
    """What a recipe that builds a Python package from its sdist says about the Python side."""

    #: the CPython versions the recipe builds for (a PEP 440 range over ``pins.python``)
    requires: str
    #: the module whose import proves the wheel works, and whose libraries are checked
    module: str
    #: the distribution's name on the package index when it is not the recipe's (GDAL's bindings: ``GDAL``)
    dist: str | None = None
    #: build one abi3 wheel (``cp3X-abi3``) with the oldest CPython in range instead of one per version
    abi3: bool = False
    #: extra requirements of the build environment beyond the sdist's own (``cython>=3.1``)
    build_requires: tuple[str, ...] = ()
    #: PEP 517 config settings passed to the backend (a key given several values is passed once per value)
    config_settings: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: the CPythons of ``pins.python`` the recipe's variants are made for
    pythons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    name: str
    version: str
    build_number: int
    folder: Path
    platform: Platform
    variant: Mapping[str, Any]
    options: Mapping[str, Any]
    sources: tuple[Artifact, ...]
    script: tuple[str, ...]  # a file name (one entry ending in .sh) or inline lines
    about: About
    maintainers: tuple[str, ...]
    build_requirements: tuple[str, ...] = ()
    host: tuple[Requirement, ...] = ()
    run: tuple[Requirement, ...] = ()
    max_pin: str = "x.x"
    min_pin: str = "x.x.x"
    provides: Provides = Provides()
    test: TestSpec = TestSpec()
    env: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rtld: str = "local"
    static: bool = False
    # soname -> why: libraries of the build machine auditwheel may copy into the wheel (a
    # toolchain runtime no recipe builds); any other grafted library fails the link check
    grafts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    skip: bool = False
    updates: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    #: set for a recipe that builds a Python package from its sdist (see farm.kinds)
    python: PythonSpec | None = None
    #: set for a CUDA variant (``build.cuda``): its toolkit and components (see farm.cuda)
    cuda: CudaVariant | None = None
    #: the resolved document, for ``farm render`` and build keys
    resolved: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    #: non-release build options as a PEP 440 local label ("kernelshaswell"); such wheels cannot reach PyPI
    local_label: str = ""

    @property
    def wheel_version(self) -> str:
        base = f"{self.version}.post{self.build_number}" if self.build_number else self.version
        return f"{base}+{self.local_label}" if self.local_label else base

    @property
    def flavour(self) -> str:
        """What tells this variant's wheel apart from its siblings' (``cu12``), or ``""``."""
        return self.cuda.label if self.cuda is not None else ""

    @property
    def package(self) -> str:
        """The recipe name its wheel is named after (``ucx-cu12`` for a CUDA variant of ``ucx``)."""
        return f"{self.name}-{self.flavour}" if self.flavour else self.name

    def command(self, executable: str) -> str:
        """The console script running ``executable`` (``lstopo-cu12``: sibling variants own no file in common)."""
        return f"{executable}-{self.flavour}" if self.flavour else executable

    @property
    def module(self) -> str:
        """The import name of its folder under the namespace (``libjpeg-turbo`` -> ``libjpeg_turbo``, ``ucx_cu12``)."""
        return self.package.replace("-", "_")

    @property
    def script_file(self) -> Path | None:
        if len(self.script) == 1 and not any(c in self.script[0] for c in " \n;|&$") and "." in self.script[0]:
            return self.folder / self.script[0]
        return None
