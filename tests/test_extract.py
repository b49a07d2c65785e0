from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from farm.extract import ExtractError, PatchError, apply_patches, extract


def tar(path: Path, *members: tarfile.TarInfo) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for m in members:
            tf.addfile(m, io.BytesIO(b"x" * m.size) if m.isfile() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = 1 if kind == tarfile.REGTYPE else 0
    return info


def test_single_top_folder_is_stripped(tmp_path: Path) -> None:
    out = extract(tar(tmp_path / "a.tgz", member("pkg-1.0/src/a.c"), member("pkg-1.0/README")), tmp_path / "src")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["README", "src", "src/a.c"]


@pytest.mark.parametrize(("bad", "message"), [
    (member("/etc/evil"), "absolute path"),
    (member("pkg/../../evil"), "climbs out"),
    (member("pkg/link", tarfile.SYMTYPE, "../../outside"), "points outside"),
    (member("pkg/abs", tarfile.SYMTYPE, "/etc/passwd"), "absolute target"),
    (member("pkg/hard", tarfile.LNKTYPE, "../x"), "points outside"),
    (member("pkg/dev", tarfile.CHRTYPE), "special file"),
])
def test_unsafe_members_stop_before_writing(tmp_path: Path, bad: tarfile.TarInfo, message: str) -> None:
    archive = tar(tmp_path / "bad.tgz", member("pkg/ok"), bad)
    with pytest.raises(ExtractError, match=message):
        extract(archive, tmp_path / "src")
    assert not any((tmp_path / "src").rglob("*"))


def test_inner_links_are_fine(tmp_path: Path) -> None:
    archive = tar(tmp_path / "a.tgz", member("pkg/lib/a"), member("pkg/lib/b", tarfile.SYMTYPE, "a"))
    out = extract(archive, tmp_path / "src")
    assert (out / "lib" / "b").is_symlink()


def test_zip_with_dotdot(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("../evil", "x")
    with pytest.raises(ExtractError, match="climbs out"):
        extract(tmp_path / "a.zip", tmp_path / "src")


def test_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "x.tgz").write_text("hello")
    with pytest.raises(ExtractError, match="not a tar or zip"):
        extract(tmp_path / "x.tgz", tmp_path / "src")


def test_patches(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n")
    good = tmp_path / "good.patch"
    good.write_text("--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two\n")
    apply_patches(tmp_path, [good])
    assert (tmp_path / "a.txt").read_text() == "two\n"
    with pytest.raises(PatchError, match="good.patch does not apply"):
        apply_patches(tmp_path, [good])


def test_second_artifact_adds_to_an_existing_folder(tmp_path: Path) -> None:
    extract(tar(tmp_path / "a.tgz", member("a-1/lapack/old.f"), member("a-1/x.c")), tmp_path / "src")
    extract(tar(tmp_path / "b.tgz", member("b-1/new.f")), tmp_path / "src" / "lapack")
    assert sorted(p.name for p in (tmp_path / "src" / "lapack").iterdir()) == ["new.f", "old.f"]
