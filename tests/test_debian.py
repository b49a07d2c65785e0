from __future__ import annotations

import shutil
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
