"""Farm settings: one cascade (defaults -> farm.toml -> FARM_* environment) into a frozen value.

Nothing else in farm reads the environment for options; commands receive a
:class:`Settings` and pass what they need on.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from farm.errors import FarmError

__all__ = ["Settings", "SettingsError", "find_root", "load_settings"]

CONFIG_FILE = "farm.toml"


class SettingsError(FarmError, ValueError):
    """farm.toml or a FARM_* variable is invalid."""


@dataclass(frozen=True)
class Settings:
    root: Path
    namespace: str
    recipes: Path
    cache: Path
    work: Path
    wheelhouse: Path
    index: Path
    source_order: tuple[str, ...]
    download_timeout: float
    #: what makes the test environments: "auto" (uv where installed, else pip), "uv" or "pip"
    installer: str = "auto"

    @property
    def pins_file(self) -> Path:
        return self.recipes / "pins.yaml"

    @property
    def migrations(self) -> Path:
        return self.recipes / "migrations"

    def dist_name(self, recipe: str) -> str:
        return f"{self.namespace}-{recipe}"


def _defaults() -> dict[str, Any]:
    text = resources.files("farm").joinpath("resources/defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` with a farm.toml or a recipes/pins.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / "recipes" / "pins.yaml").is_file():
            return folder
    return start


def load_settings(root: Path | None = None, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    root = find_root(root or Path.cwd())
    environ = os.environ if environ is None else environ
    values = _defaults()
    config = root / CONFIG_FILE
    if config.is_file():
        try:
            loaded = tomllib.loads(config.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{config}: {exc}; fix the TOML syntax") from None
        for key in loaded:
            if key not in values:
                raise SettingsError(f"{config}: unknown setting {key!r}; known: {', '.join(sorted(values))}")
        values.update(loaded)
    for key in list(values):
        env = environ.get(f"FARM_{key.upper()}")
        if env is not None:
            values[key] = env.split(",") if isinstance(values[key], list) else env
    values.update(overrides or {})

    def path(key: str) -> Path:
        p = Path(os.path.expanduser(str(values[key])))
        return p if p.is_absolute() else root / p

    namespace = str(values["namespace"])
    if not namespace.isidentifier() or namespace.lower() != namespace:
        raise SettingsError(f"namespace {namespace!r} must be a lower-case Python identifier")
    order = tuple(str(x) for x in values["source_order"])
    if not set(order) <= {"url", "pypi", "debian"}:
        raise SettingsError(f"source_order {order!r} may only name 'url', 'pypi' and 'debian'")
    try:
        timeout = float(values["download_timeout"])
    except ValueError:
        raise SettingsError(f"download_timeout {values['download_timeout']!r} must be a number of seconds") from None
    if str(values["installer"]) not in ("auto", "uv", "pip"):
        raise SettingsError(f"installer {values['installer']!r} may only be 'auto', 'uv' or 'pip'")
    return Settings(
        root=root,
        namespace=namespace,
        recipes=path("recipes"),
        cache=path("cache"),
        work=path("work"),
        wheelhouse=path("wheelhouse"),
        index=path("index"),
        source_order=order,
        download_timeout=timeout,
        installer=str(values["installer"]),
    )
