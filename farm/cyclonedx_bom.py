"""The CycloneDX document of a wheel's SBOM (see :mod:`farm.sbom`), built with cyclonedx-python-lib.

Its own module so that only packing imports the library: planning and checking build keys
(``farm build`` with nothing to do) never pay for it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

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

from farm.sbom import _PROPERTY, PatchFile, SbomError, SbomInputs, Source

__all__ = ["document"]


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


def document(inputs: SbomInputs) -> str:
    """The CycloneDX 1.6 JSON document describing the wheel."""
    bom = _bom(inputs)
    with warnings.catch_warnings():
        # a wheel of no source and no linked wheel (a test's) has an empty graph, truly
        warnings.filterwarnings("ignore", message=".*Dependency Graph is incomplete", category=UserWarning)
        text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    return text + "\n"


