"""pip: the fallback where uv is not installed; pip's own cache and configuration."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from farm.installer import Command

__all__ = ["PipInstaller", "find"]

#: pip's configuration, carried from the caller (with HOME, pip also reads its configuration files)
_CARRIED = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "PIP_TRUSTED_HOST",
            "PIP_CERT", "PIP_CACHE_DIR", "PIP_DEFAULT_TIMEOUT",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
#: what may name another source of packages: never set for an install from one index
_SOURCES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE")


@dataclass(frozen=True)
class PipInstaller:
    config: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "pip"

    def create(self, venv: Path, env: Mapping[str, str], *, python: str | None = None) -> Command:
        return Command((python or sys.executable, "-m", "venv", str(venv)), dict(env))

    def install(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str], *,
                index: str | None = None, extra_index: str | None = None) -> Command:
        argv = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        full = dict(env)
        if index is None:
            full.update(self.config)
            if extra_index is not None:  # pip merges it with the configured ones: the higher version wins
                argv += ["--extra-index-url", extra_index]
        else:
            argv += ["--index-url", index]
            full.update({k: v for k, v in self.config.items() if k not in _SOURCES})
            full["PIP_CONFIG_FILE"] = os.devnull  # pip then reads no configuration file (no extra index there)
        return Command((*argv, *requirements), full)

    def install_cached(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str]) -> None:
        return None  # pip's cache holds downloads, not an index: it always asks the index


def find(cache: Path, environ: Mapping[str, str]) -> PipInstaller:
    """pip is always there: ``python -m venv`` puts it into every environment."""
    return PipInstaller({k: environ[k] for k in _CARRIED if k in environ})
