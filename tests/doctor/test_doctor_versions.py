from __future__ import annotations

from pathlib import Path

import pytest

from farm.doctor.elf import read_rodata
from farm.doctor.identity import split_library_name
from farm.doctor.versions import VersionSource, embedded_version, file_name_version, library_version

from doctor_helpers import CompileSo


@pytest.mark.parametrize(
    ("identity", "data", "version"),
    [
        ("openblas", b"\0OpenBLAS 0.3.30 DYNAMIC_ARCH NO_AFFINITY Haswell\0", "0.3.30"),
        ("openblas", b"\0OpenBLAS 0.3.31.188.0  USE64BITINT DYNAMIC_ARCH\0", "0.3.31.188.0"),
        ("openblas", b"OpenBLAS : munmap failed\0OpenBLAS 0.3.27.dev\0", "0.3.27.dev"),
        ("gdal", b"handled in GDAL 4.0\0with GDAL 3.6.0) of table\0GDAL 3.12.4\0", "3.12.4"),
        ("proj", b"\0Rel. 9.7.1, December 1st, 2025\0", "9.7.1"),
        ("geos_c", b"\x003.14.1-CAPI-1.20\0", "3.14.1"),
        (
            "sqlite",
            b"\x013.50.4\0\0\0\0\0\0\0\x002025-07-30 19:33:53 4d8adfb30e03f9cf27f800a2c1ba3c48fb4ca1b0",
            "3.50.4",
        ),
        ("zlib", b" deflate 1.2.13 Copyright 1995-2022 Jean-loup Gailly and Mark Adler ", "1.2.13"),
        ("zlib", b" inflate 1.3.1 Copyright 1995-2024 Mark Adler ", "1.3.1"),
        ("png", b" libpng version 1.6.50\0", "1.6.50"),
        ("tiff", b"LIBTIFF, Version 4.7.1\nCopyright", "4.7.1"),
        ("crypto", b"OpenSSL 3.0.13 30 Jan 2024\0", "3.0.13"),
        ("crypto", b"OpenSSL 1.1.1w  11 Sep 2023\0", "1.1.1w"),
        ("hdf5", b"HDF5 library version: 1.14.6\0", "1.14.6"),
        ("curl", b"libcurl/8.16.0\0", "8.16.0"),
    ],
)
def test_embedded_versions(identity: str, data: bytes, version: str) -> None:
    assert embedded_version(identity, data) == version


def test_unknown_identity_or_no_match_gives_none() -> None:
    assert embedded_version("somethingelse", b"OpenBLAS 0.3.30") is None
    assert embedded_version("gdal", b"deprecated since GDAL 3.12 and will") is None


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("libgdal-c8c9c467.so.36.3.10.3", "3.10.3"),
        ("libproj-4d6f3841.so.25.9.7.1", "9.7.1"),
        ("libgeos-1269e1bd.so.3.14.1", "3.14.1"),
        ("libzstd-00c5c26d.so.1.5.7", "1.5.7"),
        ("libz.so.1.2.13", "1.2.13"),
        ("libsqlite3-66256cf9.so.3.50.4", "3.50.4"),
        ("libsqlite3-fiona-83998bda.so.0.8.6", None),  # libtool numbering, not the release
        ("libgdal.so.36", None),
        ("libpng16.so.16.50.0", None),
    ],
)
def test_file_name_versions(filename: str, version: str | None) -> None:
    assert file_name_version(split_library_name(filename)) == version


def test_version_from_a_real_library(tmp_path: Path, compile_so: CompileSo) -> None:
    lib = compile_so(
        tmp_path / "libgdal.so.36.3.10.3",
        source='const char *v(void) { return "GDAL 3.10.9"; }\n',
        soname="libgdal.so.36",
    )
    found = library_version(split_library_name(lib.name), read_rodata(lib))
    assert found is not None and (found.value, found.source) == ("3.10.9", VersionSource.EMBEDDED)
    plain = compile_so(tmp_path / "libgdal-1b2c3d4e.so.36.3.10.3", soname="libgdal-1b2c3d4e.so.36.3.10.3")
    found = library_version(split_library_name(plain.name), read_rodata(plain))
    assert found is not None and (found.value, found.source) == ("3.10.3", VersionSource.FILE_NAME)
