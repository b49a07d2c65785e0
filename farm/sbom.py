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

import hashlib
import json
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import (
    Component,
    ComponentScope,
    ComponentType,
    Diff,
    Patch,
    PatchClassification,
    Pedigree,
)
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL
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


def _purl(dist: str, version: str) -> PackageURL:
    return PackageURL(type="pypi", name=dist.lower().replace("_", "-"), version=version)


def _source_component(source: Source, patches: Sequence[PatchFile]) -> Component:
    refs = []
    if "://" in source.location:
        refs.append(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(source.location)))
    purl = None
    if source.origin == "debian" and source.location.startswith("debian:"):
        package = source.location.removeprefix("debian:").split("/", 1)[0].split("=", 1)[0].split("@", 1)[0]
        purl = PackageURL(type="deb", namespace="debian", name=package, qualifiers={"arch": "source"})
    pedigree = None
    if patches:
        pedigree = Pedigree(patches=[Patch(type=PatchClassification.UNOFFICIAL, diff=Diff(url=XsUri(p.path)))
                                     for p in patches])
    return Component(
        type=ComponentType.FILE, name=source.file, bom_ref=f"source:{source.file}", scope=ComponentScope.REQUIRED,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=source.sha256)], external_references=refs, purl=purl,
        pedigree=pedigree,
        properties=[Property(name=f"{_PROPERTY}:origin", value=source.origin),
                    Property(name=f"{_PROPERTY}:from", value=source.location)],
    )


def _bom(inputs: SbomInputs) -> Bom:
    if not inputs.dist or not inputs.version:
        raise SbomError("an SBOM needs the distribution's name and version")
    files = {s.file for s in inputs.sources}
    for patch in inputs.patches:
        if patch.source not in files:
            raise SbomError(f"patch {patch.path} names source {patch.source!r}, which is not among the sources")
    root = Component(
        type=ComponentType.LIBRARY, name=inputs.dist, version=inputs.version, bom_ref=f"wheel:{inputs.dist}",
        description=inputs.summary or None, purl=_purl(inputs.dist, inputs.version),
        licenses=[LicenseExpression(inputs.license)] if inputs.license else [],
        external_references=([ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(inputs.homepage))]
                             if inputs.homepage else []),
    )
    name, _, version = inputs.builder.partition(" ")
    builder = Component(type=ComponentType.APPLICATION, name=name, version=version or None,
                        bom_ref=f"tool:{name}")
    sources = [_source_component(s, [p for p in inputs.patches if p.source == s.file]) for s in inputs.sources]
    patches = [Component(type=ComponentType.FILE, name=p.path, bom_ref=f"patch:{p.path}",
                         scope=ComponentScope.REQUIRED, hashes=[HashType(alg=HashAlgorithm.SHA_256, content=p.sha256)],
                         properties=[Property(name=f"{_PROPERTY}:patches", value=p.source)])
               for p in inputs.patches]
    tools = [Component(type=ComponentType.APPLICATION, name=t.name, version=t.version, bom_ref=f"toolchain:{t.name}",
                       scope=ComponentScope.EXCLUDED, description=t.identity or None,
                       properties=[Property(name=f"{_PROPERTY}:role", value="toolchain")])
             for t in inputs.toolchain]
    linked = [Component(type=ComponentType.LIBRARY, name=w.dist, version=w.version, bom_ref=f"wheel:{w.dist}",
                        scope=ComponentScope.REQUIRED, purl=_purl(w.dist, w.version),
                        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=w.sha256)] if w.sha256 else [],
                        properties=[Property(name=f"{_PROPERTY}:role", value="linked wheel")])
              for w in inputs.linked]
    digest = hashlib.sha256(json.dumps(asdict(inputs), sort_keys=True).encode()).hexdigest()
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"{_purl(inputs.dist, inputs.version)}#{digest}"),
        metadata=BomMetaData(component=root, timestamp=datetime.fromtimestamp(inputs.epoch, UTC), tools=[]),
        components=[*sources, *patches, *tools, *linked],
    )
    bom.metadata.tools.components.add(builder)
    # the wheel is made of its sources and needs its linked wheels at run time
    bom.register_dependency(root, [*sources, *linked])
    for component in [*sources, *linked]:
        bom.register_dependency(component, [])
    return bom


def render(inputs: SbomInputs) -> str:
    """The CycloneDX 1.6 JSON document describing the wheel."""
    bom = _bom(inputs)
    with warnings.catch_warnings():
        # a wheel of no source and no linked wheel (a test's) has an empty graph, truly
        warnings.filterwarnings("ignore", message=".*Dependency Graph is incomplete", category=UserWarning)
        text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return text + "\n"


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
