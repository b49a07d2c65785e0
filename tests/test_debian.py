from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from farm.debian import (
    AptArchive,
    AptSources,
    DebianError,
    DebianVersion,
    debian_newer,
    derive_source_entries,
    dsc_files,
    orig_tarball,
    parse_control,
    upstream_version,
)


def test_derives_deb_src_from_both_formats(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb [signed-by=/k.gpg] http://mirror.example/debian bookworm main\n"
                                           "# deb http://commented.example/ x y\n")
    (tmp_path / "sources.list.d" / "d.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
        "Components: main\nSigned-By: /k.gpg\n\nTypes: deb\nURIs: http://off.example\nSuites: x\n"
        "Components: y\nEnabled: no\n")
    text = derive_source_entries(tmp_path)
    assert text.count("Types: deb-src") == 2
    assert "URIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\nSigned-By: /k.gpg" in text
    assert "debian-security" in text and "commented" not in text and "off.example" not in text


def test_another_suite_uses_the_release_entries_mirror_and_key(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
        "Signed-By: /k.gpg\n\nTypes: deb\nURIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\nSigned-By: /k.gpg\n")
    text = derive_source_entries(tmp_path, suite="forky")
    # only the release, not -updates or -security: apt must see no other version of a package
    assert text == ("Types: deb-src\nURIs: http://mirror.example/debian\nSuites: forky\nComponents: main\n"
                    "Signed-By: /k.gpg\n")


@pytest.mark.skipif(shutil.which("apt-get") is None, reason="AptSources needs apt-get")
def test_another_suite_needs_a_release_entry(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb http://mirror.example/debian-security bookworm-security main\n")
    assert derive_source_entries(tmp_path, suite="forky") == ""
    with pytest.raises(DebianError, match="release entries .* to derive 'forky' from"):
        AptSources(tmp_path / "apt", apt_dir=tmp_path, suite="forky").prepare()


def test_download_falls_back_to_another_version_when_the_newest_cannot_be_had(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the newest revision sits in a pool the mirror lacks; an older one shares the orig tarball
    calls: list[list[str]] = []

    def run(cmd: list[str], cwd: str | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        if cmd[0] == "apt-cache":
            return subprocess.CompletedProcess(cmd, 0, "Package: zlib\nVersion: 1:1.2.13.dfsg-1\n\n"
                                                       "Package: zlib\nVersion: 1:1.2.13.dfsg-1+deb12u1\n", "")
        if cmd[-1] == "zlib=1:1.2.13.dfsg-1":
            (Path(str(cwd)) / "zlib_1.2.13.dfsg.orig.tar.bz2").write_bytes(b"orig")
            return subprocess.CompletedProcess(cmd, 0, "", "")
        return subprocess.CompletedProcess(cmd, 100, "", "E: Failed to fetch some archives.")

    monkeypatch.setattr(AptSources, "prepare", lambda self, refresh=False: None)
    monkeypatch.setattr("farm.debian.subprocess.run", run)
    got = AptSources(tmp_path).download("zlib", "zlib_1.2.13.dfsg.orig.tar.bz2", tmp_path / "out" / "z.tar.bz2")
    assert got.read_bytes() == b"orig"
    assert [c[-1] for c in calls if c[0] == "apt-get"] == ["zlib", "zlib=1:1.2.13.dfsg-1"]
    with pytest.raises(DebianError, match="apt-get source zlib did not provide"):
        AptSources(tmp_path).download("zlib", "zlib_9.orig.tar.bz2", tmp_path / "out" / "y")


@pytest.mark.parametrize(("debian", "upstream", "written", "repacked", "pre"), [
    ("1:1.2.13.dfsg-1+deb12u1", "1.2.13", "1.2.13.dfsg", True, False),
    ("3.0.0~rc1-1", "3.0.0rc1", "3.0.0~rc1", False, True),
    ("2.6.0+ds-2", "2.6.0", "2.6.0+ds", True, False),
    ("9.4.0+repack1-1~bpo12+1", "9.4.0", "9.4.0+repack1", True, False),
    ("4.7.0-2", "4.7.0", "4.7.0", False, False),
    ("1.6.44", "1.6.44", "1.6.44", False, False),  # a native version has no revision
    ("3.9.0~beta2+dfsg-1", "3.9.0beta2", "3.9.0~beta2+dfsg", True, True),
    ("1:1.3.dfsg+really1.3.1-1+deb13u1", "1.3.1", "1.3.dfsg+really1.3.1", True, False),
    ("2.0+really1.9.4-1", "1.9.4", "2.0+really1.9.4", False, False),
])
def test_upstream_version(debian: str, upstream: str, written: str, repacked: bool, pre: bool) -> None:
    assert upstream_version(debian) == DebianVersion(debian, written, upstream, repacked, pre)


DSC = """-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (quilt)
Source: zlib
Version: 1:1.3.1.dfsg-1
Files:
 0123 10 zlib_1.3.1.dfsg.orig.tar.bz2
Checksums-Sha256:
 {a} 10 zlib_1.3.1.dfsg.orig.tar.bz2
 {b} 20 zlib_1.3.1.dfsg.orig.tar.bz2.asc
 {c} 30 zlib_1.3.1.dfsg-1.debian.tar.xz

-----BEGIN PGP SIGNATURE-----

iQIzBAEBCgAdFiEE
-----END PGP SIGNATURE-----
""".format(a="a" * 64, b="b" * 64, c="c" * 64)


def test_dsc_files_and_the_orig_tarball() -> None:
    files = dsc_files(DSC)
    assert files == {"zlib_1.3.1.dfsg.orig.tar.bz2": "a" * 64, "zlib_1.3.1.dfsg.orig.tar.bz2.asc": "b" * 64,
                     "zlib_1.3.1.dfsg-1.debian.tar.xz": "c" * 64}
    assert orig_tarball(files) == "zlib_1.3.1.dfsg.orig.tar.bz2"
    assert orig_tarball({"x_1.0.tar.xz": "d" * 64}) is None
    assert parse_control(DSC)[0]["version"] == "1:1.3.1.dfsg-1"
    with pytest.raises(DebianError, match="no Checksums-Sha256"):
        dsc_files("Source: x\nVersion: 1\n")


def test_apt_archive_keeps_one_private_state_per_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[list[str], str | None]] = []
    prepared: list[Path] = []

    def run(cmd: list[str], cwd: str | Path | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append((cmd, str(cwd) if cwd else None))
        if cmd[0] == "apt-cache":
            return subprocess.CompletedProcess(cmd, 0, "Package: zlib\nVersion: 1:1.3.1.dfsg-1\nChecksums-Sha256:\n"
                                                       f" {'a' * 64} 10 zlib_1.3.1.dfsg.orig.tar.bz2\n\n"
                                                       "Package: zlib\nVersion: 1:1.2.13.dfsg-1\n", "")
        (Path(str(cwd)) / "zlib_1.3.1.dfsg-1.dsc").write_text(DSC)
        # the mirror lacks the tarballs: apt fails, and what came is handed back
        return subprocess.CompletedProcess(cmd, 100, "", "E: Failed to fetch some archives.")

    monkeypatch.setattr(AptSources, "prepare", lambda self, refresh=False: prepared.append(self.root))
    monkeypatch.setattr("farm.debian.subprocess.run", run)
    archive = AptArchive(tmp_path / "cache")
    assert archive.versions("zlib", "trixie") == ("1:1.3.1.dfsg-1", "1:1.2.13.dfsg-1")
    got = archive.fetch("zlib", "1:1.3.1.dfsg-1", "forky", tmp_path / "dl")
    assert got == (tmp_path / "dl" / "zlib_1.3.1.dfsg-1.dsc",)
    # the fetcher's layout (SourceCache keeps apt-<suite> in the cache too), one state per suite
    assert prepared == [tmp_path / "cache" / "apt-trixie", tmp_path / "cache" / "apt-forky"]
    assert calls[-1][0][-3:] == ["source", "--download-only", "zlib=1:1.3.1.dfsg-1"]
    assert f"Dir::State={tmp_path / 'cache' / 'apt-forky' / 'state'}" in calls[-1][0]
    assert dsc_files(archive.record("zlib", "1:1.3.1.dfsg-1", "trixie")) == {"zlib_1.3.1.dfsg.orig.tar.bz2": "a" * 64}
    with pytest.raises(DebianError, match="the source index lists no zlib 9"):
        archive.record("zlib", "9", "trixie")
    monkeypatch.setattr("farm.debian.subprocess.run", lambda cmd, cwd=None, **kw: subprocess.CompletedProcess(
        cmd, 100, "", "E: Failed to fetch some archives."))
    with pytest.raises(DebianError, match="provided nothing"):
        archive.fetch("zlib", "1:1.3.1.dfsg-1", "forky", tmp_path / "dl2")


@pytest.mark.integration
def test_the_real_archive_through_the_machines_apt(tmp_path: Path) -> None:
    """Reads bookworm's zlib through the machine's own apt configuration; skipped where apt cannot reach it."""
    if shutil.which("apt-get") is None or not derive_source_entries(suite="bookworm"):
        pytest.skip("no Debian apt configuration on this machine")
    from farm.bot.versions import Endpoints, debian_orig, http_get, newest_version

    archive = AptArchive(tmp_path / "cache")
    try:
        versions = archive.versions("zlib", "bookworm")
    except DebianError as exc:
        pytest.skip(f"apt cannot reach the archive: {exc}")
    assert versions and all(upstream_version(v).repacked for v in versions)
    found = newest_version({"debian": "zlib", "suites": ["bookworm"]}, "1.2", http_get(5), Endpoints(), archive)
    assert found is not None and found.debian is not None
    orig = debian_orig(found.candidates, archive)
    assert orig.file.startswith("zlib_") and orig.file.endswith(".orig.tar.bz2") and len(orig.sha256) == 64


@pytest.mark.parametrize(("newer", "older"), [
    ("1.0-2", "1.0-1"),
    ("1.0-1", "1.0~rc1-1"),  # ~ sorts before anything, even the end
    ("1:0.1-1", "9.9-1"),  # the epoch first
    ("3.0.11-1~deb12u10", "3.0.11-1~deb12u9"),  # numbers as numbers
    ("1.0a-1", "1.0-1"),
    ("1.0+b1-1", "1.0-1"),
    ("1.0.1-1", "1.0-1"),
    ("1:1.3.dfsg+really1.3.1-1+deb13u1", "1:1.3.dfsg+really1.3.1-1"),
    ("1:1.3.dfsg+really1.3.1-1", "1:1.3.1.dfsg-1"),  # letters sort after the end
])
def test_debian_newer_is_dpkgs_order(newer: str, older: str) -> None:
    assert debian_newer(newer, older) and not debian_newer(older, newer)
    assert not debian_newer(newer, newer)
