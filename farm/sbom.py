"""Software bills of materials (PEP 770): ``.dist-info/sboms/<name>.cdx.json``, CycloneDX 1.6.

A wheel's SBOM names what went into it: the source archives (sha256 and where each came
from), the patches applied to them, the toolchain that compiled them, and the farm wheels
it links. It is made by cyclonedx-python-lib from plain frozen values, so every recipe kind
(a library recipe, a Python package built from its sdist) describes its wheel the same way:
build an :class:`SbomInputs` and call :func:`write`.

The document is a function of its inputs alone: the timestamp is the build's
SOURCE_DATE_EPOCH, the serial number and every bom-ref are derived from the inputs, so the
same build writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import parse_wheel_filename

from farm.errors import FarmError

__all__ = ["SBOM_DIR", "LinkedWheel", "PatchFile", "SbomError", "SbomInputs", "Source", "Tool", "from_provenance",
           "render", "write"]

#: the folder PEP 770 reserves inside ``.dist-info``
SBOM_DIR = "sboms"
_PROPERTY = "wheelfarm"


class SbomError(FarmError, ValueError):
    """The inputs cannot describe a wheel (a field is missing or malformed)."""


@dataclass(frozen=True)
class Source:
    """One source archive as fetched: its file name, sha256 and origin."""

    file: str
    sha256: str
    #: the origin kind (``url``, ``debian``, ``pypi``)
    origin: str
    #: where it came from: the URL, or ``debian:<package>/<file>``
    location: str


@dataclass(frozen=True)
class PatchFile:
    """A patch applied to the source archive ``source`` (its file name)."""

    path: str  # relative to the recipe folder
    sha256: str
    source: str


@dataclass(frozen=True)
class Tool:
    """A tool of the toolchain: not shipped, but what made the shipped files."""

    name: str
    version: str
    #: what the tool says of itself (``gcc --version``'s first line)
    identity: str = ""


@dataclass(frozen=True)
class LinkedWheel:
    """A wheel the described wheel links at run time (a host dependency)."""

    dist: str
    version: str
    #: sha256 of the wheel file built against (None for an external wheel known by version)
    sha256: str | None = None


@dataclass(frozen=True)
class SbomInputs:
    dist: str
    version: str
    summary: str
    #: SPDX license expression
    license: str
    homepage: str | None
    sources: tuple[Source, ...]
    patches: tuple[PatchFile, ...]
    toolchain: tuple[Tool, ...]
    linked: tuple[LinkedWheel, ...]
    #: the build's SOURCE_DATE_EPOCH: the document's timestamp
    epoch: int
    #: the tool that built the wheel, as ``name version`` (``farm 0.1.0``)
    builder: str

    @property
    def file_name(self) -> str:
        return f"{self.dist}.cdx.json"


def render(inputs: SbomInputs) -> str:
    """The CycloneDX 1.6 JSON document describing the wheel."""
    from farm.cyclonedx_bom import document  # cyclonedx-python-lib: only when a wheel is packed

    return document(inputs)


def write(dist_info_dir: Path, inputs: SbomInputs) -> Path:
    """Write ``<dist_info_dir>/sboms/<dist>.cdx.json``; the document is made before anything is written."""
    text = render(inputs)
    out = dist_info_dir / SBOM_DIR / inputs.file_name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def from_provenance(provenance: Mapping[str, Any], *, dist: str, summary: str, license: str,
                    homepage: str | None, patches: Sequence[PatchFile], epoch: int) -> SbomInputs:
    """The inputs for a wheel whose build wrote the provenance record ``farm build`` keeps
    (sources, dependencies, toolchain, compilers, builder)."""
    try:
        sources = tuple(Source(s["file"], s["sha256"], s["origin"], s["from"]) for s in provenance["sources"])
        compilers: Mapping[str, str] = provenance.get("compilers", {})
        toolchain_pins: Mapping[str, str] = provenance.get("toolchain", {})
        tools = []
        for role, identity in sorted(compilers.items()):
            key = role.replace("-compiler", "_compiler")  # c-compiler -> c_compiler
            name = str(toolchain_pins.get(key, role))
            # what the compiler says it is (12.2.0), else the pinned major version
            said = identity.split()[-1] if identity.split() else ""
            version = said if said[:1].isdigit() else str(toolchain_pins.get(f"{key}_version", ""))
            tools.append(Tool(name, version, identity))
        linked = []
        for name, d in sorted(provenance.get("dependencies", {}).items()):
            wheel = d.get("wheel")
            # a recipe's wheel names its distribution; an external wheel is known by its name
            linked_dist = str(parse_wheel_filename(wheel)[0]) if wheel else str(name)
            linked.append(LinkedWheel(linked_dist, str(d["version"]), d.get("sha256") if wheel else None))
        return SbomInputs(dist=dist, version=str(provenance["version"]), summary=summary, license=license,
                          homepage=homepage, sources=sources, patches=tuple(patches), toolchain=tuple(tools),
                          linked=tuple(linked), epoch=epoch, builder=str(provenance.get("builder", "farm")))
    except (KeyError, TypeError, ValueError) as exc:
        raise SbomError(f"the provenance record lacks {exc} for an SBOM of {dist}") from None
