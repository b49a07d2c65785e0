"""``recipes/pins.yaml``: the toolchain, platform policies, ABI-relevant library versions
and the external wheels (NVIDIA's, RAPIDS's) recipes may link against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.errors import FarmError
from farm.locate import YamlError, load_yaml
from farm.recipe.schema import Int, ListOf, MapOf, Obj, Scalar, Str, validate

__all__ = ["ExternalWheel", "PINS_SCHEMA", "Pins", "PinsError", "PlatformPolicy", "load_pins"]


class PinsError(FarmError, ValueError):
    """pins.yaml is malformed."""


_EXTERNAL = Obj(
    {
        "lib_dir": Str("folder of its shared libraries, relative to site-packages"),
        "sonames": ListOf(Str()),
        "max_pin": Str(enum=("x", "x.x", "x.x.x")),
        "version": Str("version to build against"),
        "include_dir": Str("folder of its headers, relative to site-packages"),
    },
    required=frozenset({"lib_dir", "sonames", "version"}),
    doc="a wheel not built by this farm that recipes may link against",
)

PINS_SCHEMA = Obj(
    {
        "schema_version": Int(minimum=1),
        "toolchain": MapOf(Scalar(), "compilers and their versions"),
        "platforms": MapOf(
            Obj(
                {
                    "policy": Str("the platform tag wheels must satisfy, e.g. manylinux_2_28"),
                    "allowed_libraries": ListOf(Str(), "sonames the platform provides beyond its policy"),
                }
            )
        ),
        "pins": MapOf(Scalar(), "recipe name -> the version dependents build against"),
        "python": ListOf(Str(), "the CPython versions the farm builds Python packages for"),
        "external": MapOf(_EXTERNAL),
    }
)


@dataclass(frozen=True)
class PlatformPolicy:
    policy: str | None = None
    allowed_libraries: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExternalWheel:
    name: str
    lib_dir: str
    sonames: tuple[str, ...]
    version: str
    max_pin: str = "x"
    include_dir: str | None = None


@dataclass(frozen=True)
class Pins:
    toolchain: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    platforms: Mapping[str, PlatformPolicy] = field(default_factory=lambda: MappingProxyType({}))
    pins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    external: Mapping[str, ExternalWheel] = field(default_factory=lambda: MappingProxyType({}))
    #: the CPython versions (``"3.11"``) Python-package recipes are built for
    python: tuple[str, ...] = ()
    file: Path | None = None

    def variables(self) -> dict[str, Any]:
        """What recipes see: ``pins.zlib``, ``toolchain.c_compiler`` ..."""
        return {"pins": dict(self.pins), "toolchain": dict(self.toolchain)}


def load_pins(path: Path) -> Pins:
    """Load and strictly validate a pins file; a missing file is an empty one."""
    if not path.exists():
        return Pins(file=path)
    try:
        located = load_yaml(path.read_text(encoding="utf-8"), path)
    except YamlError as exc:
        raise PinsError(f"{path}:{exc.position.line}:{exc.position.col}: {exc}") from None
    data = located.data if located.data is not None else {}
    problems = list(validate(PINS_SCHEMA, data))
    if problems:
        p = problems[0]
        pos = located.locations.key(p.path) if p.at_key else located.locations.of(p.path)
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise PinsError(f"{path}:{pos.line}:{pos.col}: {p.message}{more}; fix the pins file")
    return Pins(
        toolchain=MappingProxyType(dict(data.get("toolchain", {}))),
        platforms=MappingProxyType(
            {
                k: PlatformPolicy(v.get("policy"), tuple(v.get("allowed_libraries", ())))
                for k, v in data.get("platforms", {}).items()
            }
        ),
        pins=MappingProxyType({k: str(v) for k, v in data.get("pins", {}).items()}),
        external=MappingProxyType(
            {
                k: ExternalWheel(
                    name=k,
                    lib_dir=v["lib_dir"],
                    sonames=tuple(v["sonames"]),
                    version=str(v["version"]),
                    max_pin=v.get("max_pin", "x"),
                    include_dir=v.get("include_dir"),
                )
                for k, v in data.get("external", {}).items()
            }
        ),
        python=tuple(str(v) for v in data.get("python", ())),
        file=path,
    )
