from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from farm.doctor.loader import (
    CacheEntry,
    LdCacheError,
    LoaderConfig,
    Via,
    expand_origin,
    loader_config,
    parse_ld_cache,
    resolve,
    resolve_needed,
)

X86_64_LIBC6 = 0x0303
AARCH64_LIBC6 = 0x0A03


def new_cache(entries: list[tuple[int, str, str]], old_prefix: bool = False) -> bytes:
    """An ld.so.cache in glibc's 1.1 format, optionally behind an (empty) old-format header."""
    header_size = 48
    table = b""
    strings = b""
    base = header_size + 24 * len(entries)
    for flags, key, value in entries:
        key_off = base + len(strings)
        strings += key.encode() + b"\0"
        value_off = base + len(strings)
        strings += value.encode() + b"\0"
        table += struct.pack("<iIIIQ", flags, key_off, value_off, 0, 0)
    header = struct.pack("<17s3sIIB3sI12s", b"glibc-ld.so.cache", b"1.1", len(entries), len(strings), 0, b"", 0, b"")
    blob = header + table + strings
    if old_prefix:
        old = b"ld.so-1.7.0" + struct.pack("<I", 0)
        old += b"\0" * (((len(old) + 7) & ~7) - len(old))
        blob = old + blob
    return blob


def test_parses_the_new_format() -> None:
    blob = new_cache(
        [
            (X86_64_LIBC6, "libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"),
            (AARCH64_LIBC6, "libm.so.6", "/lib/aarch64/libm.so.6"),
        ]
    )
    entries = parse_ld_cache(blob)
    assert entries == (
        CacheEntry("libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", X86_64_LIBC6, 0),
        CacheEntry("libm.so.6", "/lib/aarch64/libm.so.6", AARCH64_LIBC6, 0),
    )
    assert [e.label for e in entries] == ["libc6,x86-64", "libc6,AArch64"]


def test_parses_the_new_format_behind_the_old_one() -> None:
    blob = new_cache([(X86_64_LIBC6, "libz.so.1", "/usr/lib/libz.so.1")], old_prefix=True)
    assert parse_ld_cache(blob)[0].path == "/usr/lib/libz.so.1"


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"not a cache at all", "bad magic"),
        (b"glibc-ld.so.cache1.1", "truncated header"),
        (new_cache([])[:17] + b"2.0" + new_cache([])[20:], "unknown cache version"),
        (new_cache([(X86_64_LIBC6, "a", "b")])[:60], "truncated"),
        (b"ld.so-1.7.0" + struct.pack("<I", 0) + b"\0" * 16, "old libc5 cache format"),
    ],
)
def test_rejects_what_it_cannot_read(blob: bytes, message: str) -> None:
    with pytest.raises(LdCacheError, match=message):
        parse_ld_cache(blob)


@pytest.mark.skipif(not Path("/etc/ld.so.cache").is_file() or shutil.which("ldconfig") is None, reason="needs glibc")
def test_agrees_with_ldconfig_on_this_machine() -> None:
    printed = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    expected = []
    for line in printed.splitlines()[1:]:
        if " => " not in line:
            continue
        left, path = line.strip().rsplit(" => ", 1)
        soname, label = left.split(" (", 1)
        expected.append((soname, label.rstrip(")"), path))
    ours = [(e.soname, e.label, e.path) for e in parse_ld_cache(Path("/etc/ld.so.cache").read_bytes())]
    assert ours == expected


def _config(tmp: Path, **kw: object) -> LoaderConfig:
    cache = tmp / "ld.so.cache"
    entries = kw.pop("cache_entries", [])
    assert isinstance(entries, list)
    cache.write_bytes(new_cache(entries))
    environ = kw.pop("environ", {})
    assert isinstance(environ, dict)
    return loader_config(environ, cache_file=cache, machine="x86_64")


def _lib(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"\x7fELF")
    return path


def test_search_order(tmp_path: Path) -> None:
    cached = _lib(tmp_path / "cache", "libfoo.so.1")
    via_env = _lib(tmp_path / "env", "libfoo.so.1")
    via_runpath = _lib(tmp_path / "wheel", "libfoo.so.1")
    via_rpath = _lib(tmp_path / "old", "libfoo.so.1")
    entries = [(X86_64_LIBC6, "libfoo.so.1", str(cached))]

    bare = _config(tmp_path, cache_entries=entries)
    assert resolve(bare, "libfoo.so.1").path == cached
    assert resolve(bare, "libfoo.so.1").via is Via.CACHE
    assert resolve(bare, "libfoo.so.1", runpath=[str(tmp_path / "wheel")]).via is Via.RUNPATH

    with_env = _config(tmp_path, cache_entries=entries, environ={"LD_LIBRARY_PATH": str(tmp_path / "env")})
    # LD_LIBRARY_PATH beats DT_RUNPATH ...
    picked = resolve(with_env, "libfoo.so.1", runpath=[str(tmp_path / "wheel")])
    assert (picked.path, picked.via) == (via_env, Via.LIBRARY_PATH)
    # ... but not DT_RPATH, which is only used when there is no DT_RUNPATH
    picked = resolve(with_env, "libfoo.so.1", rpath=[str(tmp_path / "old")])
    assert (picked.path, picked.via) == (via_rpath, Via.RPATH)
    picked = resolve(with_env, "libfoo.so.1", rpath=[str(tmp_path / "old")], runpath=[str(tmp_path / "wheel")])
    assert picked.via is Via.LIBRARY_PATH
    assert via_runpath.exists()


def test_preload_wins_by_soname(tmp_path: Path) -> None:
    preloaded = _lib(tmp_path / "pre", "libfoo-custom.so")
    config = loader_config(
        {"LD_PRELOAD": f"{preloaded} other.so"},
        cache_file=tmp_path / "absent",
        machine="x86_64",
        soname_of=lambda p: "libfoo.so.1" if p == preloaded else None,
    )
    assert config.preload == (preloaded, Path("other.so"))
    picked = resolve(config, "libfoo.so.1", runpath=[str(tmp_path)])
    assert (picked.path, picked.via) == (preloaded, Via.PRELOAD)


def test_origin_expansion_and_not_found(tmp_path: Path) -> None:
    wheel_lib = tmp_path / "site" / "wheelfarm" / "bar" / "lib"
    wheel_lib.mkdir(parents=True)
    dep = _lib(tmp_path / "site" / "wheelfarm" / "foo" / "lib", "libfoo.so.1")
    config = _config(tmp_path)
    picked = resolve(config, "libfoo.so.1", origin=wheel_lib, runpath=["$ORIGIN", "$ORIGIN/../../foo/lib"])
    assert picked.via is Via.RUNPATH and picked.path is not None and picked.path.resolve() == dep.resolve()
    assert resolve(config, "libnothing.so.9").path is None
    assert expand_origin("${ORIGIN}/x", Path("/a")) == "/a/x"
    assert expand_origin("$ORIGIN/x", None) is None
    assert expand_origin("/abs", None) == "/abs"


def test_default_directories_after_the_cache(tmp_path: Path) -> None:
    config = _config(tmp_path)
    found = {Path("/lib/x86_64-linux-gnu/libdemo.so.1")}
    picked = resolve(config, "libdemo.so.1", exists=lambda p: p in found)
    assert (picked.path, picked.via) == (Path("/lib/x86_64-linux-gnu/libdemo.so.1"), Via.DEFAULT)


def test_unreadable_cache_counts_as_empty(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.write_bytes(b"garbage")
    assert loader_config({}, cache_file=broken).cache == {}


def test_resolve_needed_reports_what_the_own_runpath_gives(tmp_path: Path) -> None:
    own = _lib(tmp_path / "wheel", "libfoo.so.1")
    other = _lib(tmp_path / "env", "libfoo.so.1")
    config = _config(tmp_path, environ={"LD_LIBRARY_PATH": str(tmp_path / "env")})
    pick = resolve_needed(config, tmp_path / "wheel" / "libbar.so.1", "libfoo.so.1", runpath=["$ORIGIN"])
    assert pick.resolution.path == other
    assert pick.own is not None and pick.own.resolve() == own.resolve()
