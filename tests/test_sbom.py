from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from farm import sbom

PROVENANCE = {
    "recipe": "libtiff",
    "version": "4.5.0.post1",
    "sources": [{"file": "tiff_4.5.0.orig.tar.bz2", "sha256": "63" * 32, "origin": "debian",
                 "from": "debian:tiff/tiff_4.5.0.orig.tar.bz2"},
                {"file": "extra-1.0.tar.gz", "sha256": "ab" * 32, "origin": "url",
                 "from": "https://example.org/extra-1.0.tar.gz"}],
    "dependencies": {"zlib": {"wheel": "wheelfarm_zlib-1.2.13-py3-none-manylinux_2_17_x86_64.whl",
                              "sha256": "cd" * 32, "version": "1.2.13"},
                     "nvidia-cuda-runtime-cu12": {"wheel": None, "sha256": "12.9.79", "version": "12.9.79"}},
    "toolchain": {"c_compiler": "gcc", "c_compiler_version": "12"},
    "compilers": {"c-compiler": "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"},
    "builder": "farm 0.1.0",
}


def inputs(**changes: object) -> sbom.SbomInputs:
    made = sbom.from_provenance(PROVENANCE, dist="wheelfarm-libtiff", summary="TIFF library", license="libtiff",
                                homepage="https://libtiff.gitlab.io/libtiff/", epoch=1795531354,
                                patches=[sbom.PatchFile("patches/fix.patch", "ef" * 32, "tiff_4.5.0.orig.tar.bz2")])
    return sbom.SbomInputs(**{**made.__dict__, **changes})  # type: ignore[arg-type]


def test_the_document_is_valid_cyclonedx() -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom.render(inputs()))
    assert error is None, error


def test_it_names_sources_patches_toolchain_and_linked_wheels(tmp_path: Path) -> None:
    written = sbom.write(tmp_path / "wheelfarm_libtiff-4.5.0.post1.dist-info", inputs())
    assert written == tmp_path / "wheelfarm_libtiff-4.5.0.post1.dist-info" / "sboms" / "wheelfarm-libtiff.cdx.json"
    doc = json.loads(written.read_text())
    assert doc["metadata"]["component"]["purl"] == "pkg:pypi/wheelfarm-libtiff@4.5.0.post1"
    assert doc["metadata"]["timestamp"].startswith("2026-11-")
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    tiff = by_ref["source:tiff_4.5.0.orig.tar.bz2"]
    assert tiff["hashes"] == [{"alg": "SHA-256", "content": "63" * 32}]
    assert tiff["purl"] == "pkg:deb/debian/tiff?arch=source"
    assert tiff["pedigree"]["patches"] == [{"type": "unofficial", "diff": {"url": "patches/fix.patch"}}]
    assert by_ref["patch:patches/fix.patch"]["hashes"][0]["content"] == "ef" * 32
    extra = by_ref["source:extra-1.0.tar.gz"]
    assert extra["externalReferences"] == [{"type": "distribution", "url": "https://example.org/extra-1.0.tar.gz"}]
    gcc = by_ref["toolchain:gcc"]
    assert (gcc["version"], gcc["scope"]) == ("12.2.0", "excluded")
    zlib = by_ref["wheel:wheelfarm-zlib"]
    assert (zlib["version"], zlib["hashes"][0]["content"]) == ("1.2.13", "cd" * 32)
    assert "hashes" not in by_ref["wheel:nvidia-cuda-runtime-cu12"]
    root = next(d for d in doc["dependencies"] if d["ref"] == "wheel:wheelfarm-libtiff")
    assert sorted(root["dependsOn"]) == ["source:extra-1.0.tar.gz", "source:tiff_4.5.0.orig.tar.bz2",
                                         "wheel:nvidia-cuda-runtime-cu12", "wheel:wheelfarm-zlib"]


def test_same_inputs_same_bytes_and_the_serial_follows_the_inputs() -> None:
    assert sbom.render(inputs()) == sbom.render(inputs())
    serial = json.loads(sbom.render(inputs()))["serialNumber"]
    assert json.loads(sbom.render(inputs(version="4.5.0.post2")))["serialNumber"] != serial


def test_a_patch_of_an_unknown_source_is_refused(tmp_path: Path) -> None:
    bad = inputs(patches=(sbom.PatchFile("patches/x.patch", "00" * 32, "nope.tar.gz"),))
    with pytest.raises(sbom.SbomError, match="patch patches/x.patch names source 'nope.tar.gz'"):
        sbom.write(tmp_path, bad)
    assert not (tmp_path / "sboms").exists()


def test_a_provenance_record_without_sources_is_refused() -> None:
    with pytest.raises(sbom.SbomError, match="lacks 'sources'"):
        sbom.from_provenance({"version": "1"}, dist="d", summary="", license="MIT", homepage=None, patches=[],
                             epoch=0)
