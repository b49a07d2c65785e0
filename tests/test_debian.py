from __future__ import annotations

from pathlib import Path

from farm.debian import derive_source_entries


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
