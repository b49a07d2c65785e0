from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from farm.debian import AptSources, DebianError, derive_source_entries


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
