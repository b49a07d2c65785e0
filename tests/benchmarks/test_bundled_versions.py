"""benchmarks/bundled_versions.py's pure parts: file names to recipes, getters' strings to versions, our newest wheels."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_scripts import load
from packaging.version import Version

bv = load("bundled_versions")


@pytest.mark.parametrize(("filename", "project", "stem", "version"), [
    ("libgdal-c8c9c467.so.36.3.10.3", None, "libgdal", "36.3.10.3"),
    ("libgdal-fiona-e8f6bdb0.so.35.3.9.2", "fiona", "libgdal", "35.3.9.2"),
    ("libpcre2-8-34bef8fb.so.0.15.0", "rasterio", "libpcre2-8", "0.15.0"),
    ("libpcre2-8-fiona-221be7d6.so.0.13.0", "fiona", "libpcre2-8", "0.13.0"),
    ("libjson-c-20af2e5b.so.5.4.0", "rasterio", "libjson-c", "5.4.0"),
    ("libgeos_c-23da760b.so.1.20.5", "rasterio", "libgeos_c", "1.20.5"),
    ("libdeflate-d9fd40d3.so.0", "rasterio", "libdeflate", "0"),
    ("libz.so.1", None, "libz", "1"),
    ("libfoo.so", None, "libfoo", None),
])
def test_stem_of(filename: str, project: str | None, stem: str, version: str | None) -> None:
    assert bv.stem_of(filename, project) == (stem, version)


@pytest.mark.parametrize(("stem", "row"), [
    ("libgdal", "gdal"), ("libproj", "proj"), ("libgeos_c", "geos"), ("libgeos", "geos"),
    ("libtiff", "libtiff"), ("libcurl", "curl"), ("libsqlite3", "sqlite"), ("libz", "zlib"),
    ("libzstd", "zstd"), ("libpng16", "libpng"), ("libjpeg", "libjpeg-turbo"), ("libturbojpeg", "libjpeg-turbo"),
    ("libexpat", "expat"), ("libxml2", "libxml2"), ("liblz4", "lz4"), ("liblzma", "xz"),
    ("libopenjp2", "openjpeg"), ("libwebp", "libwebp"), ("libwebpdemux", "libwebp"), ("libsharpyuv", "libwebp"),
    ("libssl", "openssl"), ("libcrypto", "openssl"), ("libhdf5", "hdf5"), ("libhdf5_hl", "hdf5"),
    ("libnetcdf", "netcdf"), ("libjson-c", "json-c"), ("libpcre2-8", "pcre2"), ("libgeotiff", "libgeotiff"),
    ("libdeflate", "libdeflate"), ("libgif", "giflib"), ("libLerc", "lerc"), ("libblosc", "c-blosc"),
    ("libqhull_r", "qhull"), ("libfreexl", "freexl"), ("libspatialite", "spatialite"),
    ("librttopo", "librttopo"), ("libminizip", "minizip"),
    ("libnghttp2", "libnghttp2"), ("libaec", "libaec"), ("libc", "libc"),  # not farm libraries: their stem
])
def test_row_of(stem: str, row: str) -> None:
    assert bv.row_of(stem) == row
    assert (row in bv.FARM) == (row not in ("libnghttp2", "libaec", "libc"))


@pytest.mark.parametrize(("row", "raw", "text", "version"), [
    ("expat", "expat_2.6.4", "2.6.4", "2.6.4"),
    ("libtiff", "LIBTIFF, Version 4.7.0\nCopyright (c) 1988-1996 Sam Leffler\n", "4.7.0", "4.7.0"),
    ("curl", "libcurl/8.11.1 OpenSSL/3.4.0 zlib/1.3.1", "8.11.1", "8.11.1"),
    ("geos", "3.14.1-CAPI-1.20.5", "3.14.1", "3.14.1"),
    ("openssl", "OpenSSL 3.6.0 1 Oct 2025", "3.6.0", "3.6.0"),
    ("openssl", "OpenSSL 1.1.1w  11 Sep 2023", "1.1.1w", "1.1.1"),
    ("pcre2", "10.47 2025-10-21", "10.47", "10.47"),
    ("netcdf", "4.9.3 of Dec 12 2025 15:12:25 $", "4.9.3", "4.9.3"),
    ("qhull", "2020.2.r 2020/08/31", "2020.2", "2020.2"),
    ("json-c", "0.18", "0.18", "0.18"),
    ("gdal", "3.11.0dev", "3.11.0", "3.11.0"),
    ("libxml2", "21503", "2.15.3", "2.15.3"),
    ("libxml2", "20914-GITv2.9.14", "2.9.14", "2.9.14"),
    ("libwebp", "67072", "1.6.0", "1.6.0"),
])
def test_normalize(row: str, raw: str, text: str, version: str) -> None:
    assert bv.normalize(row, raw) == (text, Version(version))


def test_normalize_without_a_version() -> None:
    assert bv.normalize("sqlite", "unknown") is None
    assert bv.normalize("libwebp", "not a number") is None
    # IJG's libjpeg is shown, never compared with libjpeg-turbo; libjpeg-turbo tells no version of its own
    assert bv.normalize("libjpeg-turbo", "Copyright (C) 2024, Thomas G. Lane, Guido Vollbeding\n9f  14-Jan-2024") \
        == ("IJG 9f", None)
    assert bv.normalize("libjpeg-turbo", "Copyright (C) 1991-2026 The libjpeg-turbo Project\n6b  27-Mar-1998") \
        == ("?", None)


def test_webp_version() -> None:
    assert bv.webp_version(0x010600) == "1.6.0"
    assert bv.webp_version(0x010204) == "1.2.4"
    assert bv.webp_version(0x000A0B) == "0.10.11"


def test_curl_components() -> None:
    assert bv.curl_components("libcurl/8.11.1 OpenSSL/3.4.0 zlib/1.3.1") == \
        {"curl": "8.11.1", "openssl": "3.4.0", "zlib": "1.3.1"}
    assert bv.curl_components("libcurl/8.16.0 OpenSSL/3.6.0 zlib/1.2.13 brotli/1.1.0 nghttp2/1.65.0") == \
        {"curl": "8.16.0", "openssl": "3.6.0", "zlib": "1.2.13", "libnghttp2": "1.65.0"}


def test_build_info_versions() -> None:
    text = ("PAM_ENABLED=YES\nCURL_ENABLED=YES\nCURL_VERSION=8.16.0\nGEOS_VERSION=3.14.1-CAPI-1.20.5\n"
            "PROJ_BUILD_VERSION=9.7.0\nPROJ_RUNTIME_VERSION=9.7.1\nCOMPILER=GCC 14.2.1\n")
    assert bv.build_info_versions(text) == {"proj": "9.7.1", "geos": "3.14.1-CAPI-1.20.5", "curl": "8.16.0"}


def test_file_name_version() -> None:
    assert bv.file_name_version("libgeos", "3.14.1") == "3.14.1"
    assert bv.file_name_version("libgdal", "36.3.10.3") == "3.10.3"
    assert bv.file_name_version("libproj", "25") is None  # the soname's major alone
    assert bv.file_name_version("libgif", "7.2.0") is None  # an ABI version
    assert bv.file_name_version("libgeos", None) is None


def test_pick_prefers_a_getter_then_the_newest() -> None:
    own = bv.Found("1.5.7", Version("1.5.7"), bv.GETTER)
    static = bv.Found("1.5.6", Version("1.5.6"), bv.STATIC)
    unknown = bv.Found("?", None, bv.UNKNOWN, "no getter")
    assert bv.pick([static, unknown, own]) is own
    assert bv.pick([unknown, static]) is static
    assert bv.pick([bv.Found("1.9.4", Version("1.9.4"), bv.STATIC), static]).text == "1.9.4"


def test_verdict() -> None:
    ours = Version("3.6.2")
    newer = bv.Found("3.10.3", Version("3.10.3"), bv.GETTER)
    older = bv.Found("3.5.0", Version("3.5.0"), bv.GETTER)
    unknown = bv.Found("?", None, bv.UNKNOWN)
    system = bv.Found("system", None, bv.SYSTEM)
    assert bv.verdict(ours, [newer, older, None], True) == "no"
    assert bv.verdict(ours, [older, None, None], True) == "yes"
    assert bv.verdict(ours, [older, unknown, None], True) == "yes (1 ?)"
    assert bv.verdict(ours, [unknown, None, None], True) == "?"
    assert bv.verdict(ours, [system, None, None], True) == "-"
    assert bv.verdict(None, [older, None, None], True) == "no wheel"
    assert bv.verdict(None, [older, None, None], False) == "n/a"


def test_newest_ours(tmp_path: Path) -> None:
    for name in ("wheelfarm_gdal-3.6.2-py3-none-manylinux_2_35_x86_64.whl",
                 "wheelfarm_gdal-3.6.2.post2-py3-none-manylinux_2_35_x86_64.whl",
                 "wheelfarm_gdal-3.10.0-py3-none-manylinux_2_35_x86_64.whl",
                 "wheelfarm_gdal-3.9.3.post1-py3-none-manylinux_2_35_x86_64.whl",
                 "wheelfarm_libjpeg_turbo-2.1.5-py3-none-manylinux_2_34_x86_64.whl",
                 "wheelfarm_libtiff-4.5.0.post3-py3-none-manylinux_2_34_x86_64.whl",
                 "wheelfarm_libtiff-4.5.0.post1-py3-none-manylinux_2_34_x86_64.whl",
                 "rasterio-1.4.4+wheelfarm.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
                 "not-a-wheel.whl"):
        (tmp_path / name).write_bytes(b"")
    assert bv.newest_ours(tmp_path) == {"gdal": Version("3.10.0"), "libjpeg-turbo": Version("2.1.5"),
                                        "libtiff": Version("4.5.0")}
    assert str(bv.newest_ours(tmp_path)["libtiff"]) == "4.5.0"  # shown without .postN
    assert bv.newest_ours(tmp_path, "otherfarm") == {}


def test_report_names_the_newer_copies() -> None:
    bundles = [bv.Bundle("rasterio", "1.4.4", {"gdal": bv.Found("3.10.3", Version("3.10.3"), bv.GETTER),
                                                "zlib": bv.Found("system", None, bv.SYSTEM),
                                                "libaec": bv.Found("?", None, bv.UNKNOWN, "libaec.so.0: no getter")}),
               bv.Bundle("pyogrio", "0.13.0", {"proj": bv.Found("9.1.0", Version("9.1.0"), bv.BUILD_INFO)})]
    ours = {"gdal": Version("3.6.2"), "proj": Version("9.1.1"), "zlib": Version("1.2.13")}
    text, newer, notes = bv.report(ours, bundles, markdown=True)
    assert newer == ["gdal (rasterio 3.10.3 > 3.6.2)"]
    assert notes == ["rasterio libaec: libaec.so.0: no getter"]
    lines = text.splitlines()
    assert lines[0] == "| library | ours | rasterio 1.4.4 | pyogrio 0.13.0 | ours ≥ theirs |"
    assert "| gdal | 3.6.2 | 3.10.3 | - | no |" in lines
    assert "| proj | 9.1.1 | - | 9.1.0* | yes |" in lines
    assert "| zlib | 1.2.13 | system | - | - |" in lines
    assert "| libaec | not a farm library | ? | - | n/a |" in lines
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| gdal", "| libaec", "| proj", "| zlib"]


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bv.main(["--wheelhouse", str(tmp_path / "missing")])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        bv.main(["--wheelhouse", str(tmp_path)])  # no wheelfarm wheels: nothing to compare, no download
    assert exc.value.code == 2
    assert "no wheelfarm_* wheels" in capsys.readouterr().err
