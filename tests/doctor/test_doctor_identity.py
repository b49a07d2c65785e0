from __future__ import annotations

from pathlib import PurePath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from farm.doctor.identity import (
    is_extension_module,
    is_shared_library,
    library_identity,
    owner_from_path,
    split_library_name,
)


@pytest.mark.parametrize(
    ("filename", "identity", "version_suffix"),
    [
        ("libgdal-1b2c3d4e.so.35.3.6.2", "gdal", "35.3.6.2"),
        ("libscipy_openblas64_-ff651d7f.so", "openblas", None),
        ("libscipy_openblas-6cdc3b4a.so", "openblas", None),
        ("libopenblas64_p-r0-0cf96a72.3.23.dev.so", "openblas", "3.23.dev"),
        ("libopenblas.so.0", "openblas", "0"),
        ("libopenblasp-r0.3.21.so", "openblas", None),
        ("libgfortran-040039e1-0352e75f.so.5.0.0", "gfortran", "5.0.0"),
        ("libjson-c-20af2e5b.so.5.4.0", "json-c", "5.4.0"),
        ("libpcre2-8-34bef8fb.so.0.15.0", "pcre2-8", "0.15.0"),
        ("libz.so.1", "zlib", "1"),
        ("libz-eb09ad1d.so.1.2.13", "zlib", "1.2.13"),
        ("libsqlite3-66256cf9.so.3.50.4", "sqlite", "3.50.4"),
        ("libpng16-75ba44f9.so.16.50.0", "png", "16.50.0"),
        ("libLerc-c957a4c5.so.4", "lerc", "4"),
        ("libgeos_c-23da760b.so.1.20.5", "geos_c", "1.20.5"),
        ("libgdal.35.dylib", "gdal", "35"),
        ("libgfortran.5.dylib", "gfortran", "5"),
        ("libopenblas-57db09cfe174768fb409a6bb5a530d4c.dll", "openblas", None),
        ("libcudart.so.12", "cudart", "12"),
        ("libstdc++.so.6", "stdc++", "6"),
        ("ld-linux-x86-64.so.2", "ld-linux-x86-64", "2"),
    ],
)
def test_identity_of_real_world_names(filename: str, identity: str, version_suffix: str | None) -> None:
    name = split_library_name(filename)
    assert name.identity == identity
    assert name.version_suffix == version_suffix


def test_owner_tag_is_stripped_only_for_its_owner() -> None:
    assert split_library_name("libgdal-fiona-e8f6bdb0.so.35.3.9.2", owner="fiona").identity == "gdal"
    assert split_library_name("libpcre2-8-fiona-221be7d6.so.0.13.0", owner="fiona").identity == "pcre2-8"
    assert split_library_name("libjson-c-20af2e5b.so.5.4.0", owner="c").identity == "json"  # the rule is literal
    assert split_library_name("libgdal-fiona-e8f6bdb0.so.35.3.9.2").identity == "gdal-fiona"


def test_identity_from_a_path_uses_the_libs_folder() -> None:
    path = PurePath("/env/site-packages/fiona.libs/libgdal-fiona-e8f6bdb0.so.35.3.9.2")
    assert owner_from_path(path) == "fiona"
    assert library_identity(path) == "gdal"
    assert owner_from_path(PurePath("/env/site-packages/pkg/.dylibs/libz.1.dylib")) == "pkg"
    assert owner_from_path(PurePath("/usr/lib/libz.so.1")) is None


def test_mangling_is_detected() -> None:
    assert split_library_name("libgdal-1b2c3d4e.so.35").mangled
    assert not split_library_name("libgdal.so.35").mangled
    # eight letters without a digit are a name, not a hash
    assert split_library_name("libfoo-deadbeef.so").identity == "foo-deadbeef"


@pytest.mark.parametrize(
    ("filename", "shared", "extension"),
    [
        ("libz.so.1", True, False),
        ("libopenblas64_p-r0-0cf96a72.3.23.dev.so", True, False),
        ("libfoo.dylib", True, False),
        ("foo.dll", True, False),
        ("_multiarray_umath.cpython-311-x86_64-linux-gnu.so", False, True),
        ("_speedups.abi3.so", False, True),
        ("module.cp311-win_amd64.pyd", False, True),
        ("libfoo.a", False, False),
        ("foo.pc", False, False),
        ("libsoap.txt", False, False),
    ],
)
def test_shared_library_names(filename: str, shared: bool, extension: bool) -> None:
    assert is_shared_library(filename) is shared
    assert is_extension_module(filename) is extension


_stems = st.from_regex(r"[a-z][a-z0-9_]{1,12}", fullmatch=True).filter(lambda s: not s.startswith("lib"))
_hashes = st.from_regex(r"[0-9a-f]{8}", fullmatch=True).filter(lambda h: any(c.isdigit() for c in h))
_versions = st.lists(st.integers(0, 400), min_size=0, max_size=4).map(lambda xs: ".".join(map(str, xs)))


@given(stem=_stems, digest=_hashes, version=_versions)
def test_an_auditwheel_hash_never_changes_the_identity(stem: str, digest: str, version: str) -> None:
    plain = f"lib{stem}.so" + (f".{version}" if version else "")
    mangled = f"lib{stem}-{digest}.so" + (f".{version}" if version else "")
    assert split_library_name(mangled).identity == split_library_name(plain).identity
    assert split_library_name(mangled).version_suffix == split_library_name(plain).version_suffix
