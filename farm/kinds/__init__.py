"""The kinds of recipe: what differs between building a library wheel and a Python package.

The builder (``farm.build``) runs one pipeline for every recipe: fetch, host
dependencies, compile, pack, repair, link check, test, publish. Where a kind differs it
asks the recipe's :class:`Kind`, chosen here and nowhere else:

- :mod:`farm.kinds.library`: a native library from its sources, packed into
  ``<namespace>-<name>`` (DESIGN.md's library wheel).
- :mod:`farm.kinds.python`: a Python package from its sdist, built by its own PEP 517
  backend against the library wheels, keeping its own name and version plus the farm's
  local label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from farm.buildenv import BuildTree
from farm.installer import Installer
from farm.pack import HostDependency, Packed
from farm.recipe.model import Recipe

__all__ = ["Job", "Kind", "TestJob", "kind_of"]


@dataclass(frozen=True)
class Job:
    """Everything a kind needs to compile and pack one variant of a recipe."""

    recipe: Recipe
    namespace: str
    tree: BuildTree
    work: Path
    log: Path
    #: the recipe's direct host dependencies
    deps: tuple[HostDependency, ...]
    #: their folders in ``tree.host`` (``<host>/<namespace>/<module>``), and those of what they link
    dep_roots: tuple[Path, ...]
    indirect_roots: tuple[Path, ...]
    tools: Mapping[str, str]
    cpu_count: int
    caller_env: Mapping[str, str]
    #: what makes build environments (the ``installer`` setting), for kinds that need one
    installer: Installer
    #: a CUDA variant's toolkit view (CUDA_HOME, CUDACXX, CUDAARCHS...; see farm.cuda), else empty
    cuda_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TestJob:
    """A repaired wheel to test the way a user gets it: from a copy of the index, in a fresh venv."""

    recipe: Recipe
    namespace: str
    wheel: Path
    dist: str
    published: Path
    work: Path
    log: Path
    packed: Packed
    #: sonames of every farm library the wheel links, directly or through its dependencies
    farm_sonames: Sequence[str]
    #: what makes the fresh environment and installs into it (the ``installer`` setting)
    installer: Installer
    #: the external wheels (NVIDIA's) it was built against, installed first, as its Requires-Dist would
    external_wheels: tuple[Path, ...] = ()


class Kind(Protocol):
    """One kind of recipe. Every method is called by the builder, in pipeline order."""

    def dist_name(self, recipe: Recipe, namespace: str) -> str:
        """The distribution name of the recipe's wheel."""
        ...

    def wheel_version(self, recipe: Recipe, namespace: str) -> str:
        """The version its wheel carries."""
        ...

    def unavailable(self, recipe: Recipe) -> str | None:
        """Why this variant cannot be built on this machine (None when it can)."""
        ...

    def compile(self, job: Job) -> None:
        """Build from the extracted sources in ``job.tree.src``; all output to ``job.log``."""
        ...

    def pack(self, job: Job, provenance: Mapping[str, Any]) -> Packed:
        """The wheel, wired to its host dependencies and described by generated metadata."""
        ...

    def test(self, job: TestJob) -> None:
        """Raise unless the wheel installs and works in a fresh virtual environment."""
        ...

    # -- hosted builds (cibuildwheel runs the farm's PEP 517 backend under each CPython it builds for) --
    def cibw_pythons(self, variants: Sequence[Recipe]) -> list[str]:
        """The CPythons (``cp312``) cibuildwheel builds these variants of one recipe with."""
        ...

    def backend_variant(self, variants: Sequence[Recipe], python: str) -> Recipe:
        """The variant the backend builds when a front end runs it under CPython ``python`` (``3.12``)."""
        ...

    def import_check(self, recipe: Recipe, namespace: str) -> str:
        """One Python statement proving an installed wheel loads (cibuildwheel's test command)."""
        ...


def kind_of(recipe: Recipe) -> Kind:
    """The one place a recipe's kind is decided."""
    from farm.kinds.library import LibraryKind
    from farm.kinds.python import PythonPackageKind

    return PythonPackageKind() if recipe.python is not None else LibraryKind()
