"""uv: environments in milliseconds, and one cache (``<farm cache>/uv``) for every build."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from farm.installer import Command

__all__ = ["UvInstaller", "find"]

#: uv's own index configuration, carried from the caller for installs from the configured indexes
_CARRIED = ("UV_INDEX", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS",
            "UV_INDEX_STRATEGY", "UV_CONFIG_FILE", "UV_NATIVE_TLS", "UV_INSECURE_HOST", "UV_HTTP_TIMEOUT",
            "UV_KEYRING_PROVIDER", "UV_OFFLINE", "SSL_CERT_FILE", "SSL_CERT_DIR",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
#: pip's variables with the uv variable saying the same, used where uv's own is not set
#: (uv reads no pip.conf; an index given to pip through the environment reaches uv too)
_FROM_PIP = {"PIP_INDEX_URL": "UV_INDEX_URL", "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
             "PIP_FIND_LINKS": "UV_FIND_LINKS", "PIP_TRUSTED_HOST": "UV_INSECURE_HOST", "PIP_CERT": "SSL_CERT_FILE"}
#: what names another source of packages: never set for an install from one index
_SOURCES = ("UV_INDEX", "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_CONFIG_FILE",
            "UV_OFFLINE")


@dataclass(frozen=True)
class UvInstaller:
    executable: str
    cache: Path
    #: the caller's index configuration (uv's variables, and pip's translated)
    config: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "uv"

    def _env(self, env: Mapping[str, str], venv: Path) -> dict[str, str]:
        out = dict(env)
        out["UV_CACHE_DIR"] = str(self.cache)
        out["UV_PYTHON_DOWNLOADS"] = "never"  # the test runs farm's own Python, never a downloaded one
        out["UV_NO_PROGRESS"] = "1"
        # hard links from the cache where it shares a file system with the environment; a copy
        # elsewhere (uv would warn, then copy, on every install)
        out["UV_LINK_MODE"] = "hardlink" if _same_device(self.cache, venv) else "copy"
        return out

    def create(self, venv: Path, env: Mapping[str, str], *, python: str | None = None) -> Command:
        return Command((self.executable, "venv", "--quiet", "--no-config", "--python", python or sys.executable,
                        str(venv)), self._env(env, venv))

    def install(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str], *,
                index: str | None = None, extra_index: str | None = None) -> Command:
        argv = [self.executable, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
        full = self._env(env, venv)
        if index is None:
            full.update(self.config)
            if extra_index is not None:  # uv asks an extra index before the default one (first-index)
                argv += ["--extra-index-url", extra_index]
        else:
            # one index, nothing configured elsewhere (a rebuilt wheel of the same name is not taken
            # from the cache: uv keys a local file by its sha256 and time, tests/installer prove it)
            argv += ["--no-config", "--index-url", index]
            full.update({k: v for k, v in self.config.items() if k not in _SOURCES})
        return Command((*argv, *requirements), full)


    def install_cached(self, venv: Path, requirements: Sequence[str], env: Mapping[str, str]) -> Command:
        online = self.install(venv, requirements, env)
        argv = list(online.argv)
        argv.insert(argv.index("--python"), "--offline")
        return Command(tuple(argv), online.env)


def _same_device(cache: Path, venv: Path) -> bool:
    def device(path: Path) -> int | None:
        for p in (path, *path.parents):
            try:
                return p.stat().st_dev
            except OSError:
                continue
        return None

    return device(cache) == device(venv.parent)


def _executable() -> str | None:
    try:
        from uv import find_uv_bin  # the uv wheel farm depends on
    except ImportError:
        return shutil.which("uv")
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return shutil.which("uv")


def carried(environ: Mapping[str, str]) -> dict[str, str]:
    """The index configuration uv takes from ``environ``."""
    config = {k: environ[k] for k in _CARRIED if k in environ}
    for pip_name, uv_name in _FROM_PIP.items():
        if pip_name in environ and uv_name not in config:
            value = environ[pip_name]
            # pip separates find-links by spaces, uv by commas
            config[uv_name] = ",".join(value.split()) if uv_name == "UV_FIND_LINKS" else value
    return config


def find(cache: Path, environ: Mapping[str, str]) -> UvInstaller | None:
    exe = _executable()
    if exe is None or not os.access(exe, os.X_OK):
        return None
    return UvInstaller(exe, cache / "uv", carried(environ))
