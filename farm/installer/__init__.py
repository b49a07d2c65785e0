"""Installers: how a fresh virtual environment is made and filled (uv, else pip).

Each installer is one module satisfying :class:`Installer`; :func:`choose` is the one
place that picks one, from the ``installer`` setting (``auto``, ``uv``, ``pip``).
An installer only says what to run (a :class:`Command`); the caller runs it and logs it.

Two kinds of installation matter to farm:

- from one index only (``index=...``): no other index, no find-links, no configuration
  file, so nothing published elsewhere under the same name can stand in for a farm wheel;
- from the machine's configured indexes (``index=None``): the tools a test uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from farm.errors import FarmError

__all__ = ["CHOICES", "Command", "Installer", "InstallerError", "choose"]


class InstallerError(FarmError, ValueError):
    """The installer setting names an installer that is unknown or not installed."""


@dataclass(frozen=True)
class Command:
    """One command line to run, with its whole environment."""

    argv: tuple[str, ...]
    env: Mapping[str, str]


class Installer(Protocol):
    @property
    def name(self) -> str: ...

    def create(self, venv: Path, env: Mapping[str, str], *, python: str | None = None) -> Command:
        """Make a fresh virtual environment at ``venv`` (which must not exist) of the interpreter
        ``python`` (default: the one running farm)."""
        ...

    def install(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str], *,
                index: str | None = None, extra_index: str | None = None) -> Command:
        """Install ``requirements`` into ``venv``: from ``index`` alone when it is given, else from
        the configured indexes, with ``extra_index`` beside them when it is given (what a user
        does with ``--extra-index-url``)."""
        ...

    def install_cached(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str]) -> Command | None:
        """Install ``requirements`` from what earlier installs left in the cache, touching no index.

        None where the installer cannot; when the command fails (something not cached yet),
        :meth:`install` from the configured indexes follows.
        """
        ...


#: name -> the function returning that installer, or None where it is not installed
_Finder = Callable[[Path, Mapping[str, str]], "Installer | None"]


def _finders() -> dict[str, _Finder]:
    from farm.installer import pip, uv

    return {"uv": uv.find, "pip": pip.find}


#: what the ``installer`` setting may say; ``auto`` is uv where it is installed, else pip
CHOICES = ("auto", "uv", "pip")


def choose(choice: str, *, cache: Path, environ: Mapping[str, str]) -> Installer:
    """The installer the ``installer`` setting asks for.

    ``cache``: the farm's cache folder (uv keeps its cache in ``cache/uv``, shared by every
    build); ``environ``: the caller's environment, from which each installer carries its own
    index configuration.
    """
    finders = _finders()
    if choice not in CHOICES:
        raise InstallerError(f"installer {choice!r} is unknown; set it to one of {', '.join(CHOICES)}")
    for name in (["uv", "pip"] if choice == "auto" else [choice]):
        found = finders[name](cache, environ)
        if found is not None:
            return found
    raise InstallerError(f"installer {choice!r} is not installed: pip install {choice} (or set installer = \"auto\")")
