from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from farm.linkcheck import check_wheel

pytestmark = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")


def make_wheel(tmp_path: Path, *, rpath: str) -> Path:
    (tmp_path / "foo.c").write_text("int foo(void) { return 1; }\n")
    (tmp_path / "bar.c").write_text("int foo(void); int bar(void) { return foo(); }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", tmp_path / "libfoo.so.1", "-Wl,-soname,libfoo.so.1",
                    tmp_path / "foo.c"], check=True)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", tmp_path / "libbar.so.1", "-Wl,-soname,libbar.so.1",
                    tmp_path / "bar.c", tmp_path / "libfoo.so.1", f"-Wl,-rpath,{rpath}"], check=True)
    wheel = tmp_path / "wheelfarm_bar-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(tmp_path / "libbar.so.1", "wheelfarm/bar/lib/libbar.so.1")
        zf.writestr("wheelfarm/bar/share/bar.conf", "data=/build/tree/prefix/share\n")
    return wheel


def test_undeclared_library_names_the_recipe_line(tmp_path: Path) -> None:
    report = check_wheel(make_wheel(tmp_path, rpath="$ORIGIN"), tmp_path / "work", recipe="bar",
                         recipe_file=Path("recipes/bar/recipe.yaml"), host_line="12", providers={},
                         allowed=["libc.so.6"], forbidden=["/build/tree"])
    text = "\n".join(report.errors)
    assert "needs libfoo.so.1, which no declared dependency provides" in text
    assert "recipes/bar/recipe.yaml:12" in text
    assert "bar.conf contains the build path /build/tree" in text


def test_declared_dependency_and_absolute_runpath(tmp_path: Path) -> None:
    report = check_wheel(make_wheel(tmp_path, rpath="/usr/local/lib64"), tmp_path / "work", recipe="bar",
                         recipe_file=Path("r.yaml"), host_line="1", providers={"foo": ["libfoo.so.1"], "baz": ["libbaz.so.2"]},
                         allowed=["libc.so.6"], forbidden=[])
    assert report.errors == ("wheelfarm/bar/lib/libbar.so.1 has RUNPATH entry '/usr/local/lib64', outside the wheel",)
    assert report.hints == ("bar: host dependency 'baz' is declared but nothing in the wheel links it",)


def test_a_library_grafted_from_the_build_machine_fails(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, rpath="$ORIGIN")
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.write(tmp_path / "libfoo.so.1", "wheelfarm_bar.libs/libtinfo-5c197479.so.6.4")
    report = check_wheel(wheel, tmp_path / "work", recipe="bar", recipe_file=Path("recipes/bar/recipe.yaml"),
                         host_line="12", providers={"foo": ["libfoo.so.1"]}, allowed=["libc.so.6"], forbidden=[])
    assert any(e.startswith("wheelfarm_bar.libs/libtinfo-5c197479.so.6.4 was grafted by auditwheel") and
               "recipes/bar/recipe.yaml:12" in e for e in report.errors), report.errors


def test_a_declared_graft_passes_and_only_that_one(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, rpath="$ORIGIN")
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.write(tmp_path / "libfoo.so.1", "wheelfarm_bar.libs/libgfortran-040039e1.so.5.0.0")
        zf.write(tmp_path / "libfoo.so.1", "wheelfarm_bar.libs/libtinfo-5c197479.so.6.4")
    report = check_wheel(wheel, tmp_path / "work", recipe="bar", recipe_file=Path("recipes/bar/recipe.yaml"),
                         host_line="12", providers={"foo": ["libfoo.so.1"]}, allowed=["libc.so.6"], forbidden=[],
                         grafts=["libgfortran.so.5"], build_line="20")
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith("wheelfarm_bar.libs/libtinfo-5c197479.so.6.4 was grafted")
    assert "build.grafts (recipes/bar/recipe.yaml:20)" in report.errors[0]


def test_a_path_in_the_home_folder_is_caught_and_a_word_that_contains_it_is_not(tmp_path: Path) -> None:
    def errors(text: bytes) -> tuple[str, ...]:
        wheel = tmp_path / "wheelfarm_bar-1.0-py3-none-linux_x86_64.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("wheelfarm/bar/lib/strings.txt", text)
        return check_wheel(wheel, tmp_path / "work", recipe="bar", recipe_file=Path("r.yaml"), host_line="1",
                           providers={}, allowed=[], forbidden=[], home="/home/ci/").errors

    assert errors(b"usage: %s{/path/to/home/ci/dir}[/optional_key]\0") == ()  # a help text, as GDAL's
    assert errors(b"\0/home/ci/project/share\0") != ()
    assert errors(b"-I/home/ci/.pyenv/versions/3.11/include") != ()
    assert errors(b"x/home/ci/.cache/y") == ("wheelfarm/bar/lib/strings.txt contains a path in the builder's home "
                                          "folder /home/ci/; the file is not relocatable",)
