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
from farm.cuda import CudaToolkit, DebianCompiler
from farm.recipe.schema import Bool, Int, ListOf, MapOf, Obj, OneOf, Scalar, Str, validate

__all__ = ["ExternalWheel", "PINS_SCHEMA", "Pins", "PinsError", "PlatformPolicy", "load_pins"]


class PinsError(FarmError, ValueError):
    """pins.yaml is malformed."""


_EXTERNAL = Obj(
    {
        "lib_dir": Str("folder of its shared libraries, relative to site-packages"),
        "sonames": ListOf(Str()),
        "max_pin": Str(enum=("x", "x.x", "x.x.x")),
        "min_pin": Str("lower bound dependents get (x.x: at least the build's minor)", enum=("x", "x.x", "x.x.x")),
        "version": Str("version to build against"),
        "include_dir": Str("folder of its headers, relative to site-packages"),
        "wheel": Obj({"file": Str("the wheel's file name on the package index"), "sha256": Str()},
                     required=frozenset({"file", "sha256"}),
                     doc="the wheel installed into build environments (fetched and checked like a source)"),
        "runtime": Bool("a dependency of the wheels built against it (false: headers or tools only)"),
    },
    required=frozenset({"sonames", "version"}),
    doc="a wheel not built by this farm that recipes may link against",
)

_CUDA = Obj(
    {
        "label": Str("suffix of the variants' names and folders (cu12)"),
        "driver": Str("the oldest Linux driver that runs this CUDA major"),
        "components": MapOf(OneOf((Str(), ListOf(Str()))),
                            "component (runtime, nvml, cufft...) -> the external wheel(s) providing it"),
        "compiler": Obj(
            {
                "wheels": ListOf(Str(), "external wheels that make up nvcc, installed into the build only"),
                "debian": Obj({"suite": Str(), "component": Str(), "packages": ListOf(Str()), "version": Str(),
                               "keep": MapOf(ListOf(Str()), "package -> the only members unpacked (tar patterns)")},
                              required=frozenset({"suite", "component", "packages"}),
                              doc="Debian binary packages unpacked into a tool prefix"),
            },
            doc="where nvcc comes from",
        ),
        "sass": ListOf(Str(), "GPU architectures (75, 80...) compiled to real code"),
        "ptx": Str("the architecture also shipped as PTX (the newest)"),
    },
    required=frozenset({"label", "driver", "components"}),
    doc="one CUDA major recipes build variants for",
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
        "cuda": MapOf(_CUDA, "CUDA major -> its toolkit"),
    }
)


@dataclass(frozen=True)
class PlatformPolicy:
    policy: str | None = None
    allowed_libraries: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExternalWheel:
    name: str
    lib_dir: str | None
    sonames: tuple[str, ...]
    version: str
    max_pin: str = "x"
    min_pin: str = "x.x"
    include_dir: str | None = None
    #: (file, sha256) of the wheel build environments unpack; None: known by version only
    wheel: tuple[str, str] | None = None
    #: False for headers and tools: never a Requires-Dist of what is built against it
    runtime: bool = True


@dataclass(frozen=True)
class Pins:
    toolchain: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    platforms: Mapping[str, PlatformPolicy] = field(default_factory=lambda: MappingProxyType({}))
    pins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    external: Mapping[str, ExternalWheel] = field(default_factory=lambda: MappingProxyType({}))
    #: the CPython versions (``"3.11"``) Python-package recipes are built for
    python: tuple[str, ...] = ()
    #: CUDA major (``"12"``) -> its toolkit (see farm.cuda)
    cuda: Mapping[str, CudaToolkit] = field(default_factory=lambda: MappingProxyType({}))
    file: Path | None = None

    def variables(self) -> dict[str, Any]:
        """What recipes see: ``pins.zlib``, ``toolchain.c_compiler`` ..."""
        return {"pins": dict(self.pins), "toolchain": dict(self.toolchain)}


def _toolkit(major: str, v: Mapping[str, Any]) -> CudaToolkit:
    compiler = v.get("compiler") or {}
    deb = compiler.get("debian")
    return CudaToolkit(
        major=major,
        label=str(v["label"]),
        driver=str(v["driver"]),
        components=MappingProxyType({str(c): tuple(str(x) for x in (w if isinstance(w, list) else [w]))
                                     for c, w in v["components"].items()}),
        compiler_wheels=tuple(str(w) for w in compiler.get("wheels", ())),
        compiler_debian=DebianCompiler(
            str(deb["suite"]), str(deb["component"]), tuple(str(p) for p in deb["packages"]),
            str(deb["version"]) if deb.get("version") else None,
            tuple((str(k), tuple(str(x) for x in v)) for k, v in (deb.get("keep") or {}).items())) if deb else None,
        sass=tuple(str(a) for a in v.get("sass", ())),
        ptx=str(v.get("ptx", "")),
    )


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
                    lib_dir=v.get("lib_dir"),
                    sonames=tuple(v["sonames"]),
                    version=str(v["version"]),
                    max_pin=v.get("max_pin", "x"),
                    min_pin=v.get("min_pin", "x.x"),
                    include_dir=v.get("include_dir"),
                    wheel=(v["wheel"]["file"], str(v["wheel"]["sha256"]).lower()) if v.get("wheel") else None,
                    runtime=bool(v.get("runtime", True)),
                )
                for k, v in data.get("external", {}).items()
            }
        ),
        cuda=MappingProxyType({str(k): _toolkit(str(k), v) for k, v in data.get("cuda", {}).items()}),
        python=tuple(str(v) for v in data.get("python", ())),
        file=path,
    )
