"""Real builds from real sources (zlib from Debian's source archive or upstream), end to end,
and the failures that must leave the wheelhouse and the index exactly as they were."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from farm_helpers import farm, snapshot

from farm.elf import read_elf

ROOT = Path(__file__).resolve().parents[2]
#: the zlib recipe's version and every sha256 its sources name (upstream's and Debian's files)
ZLIB = yaml.safe_load((ROOT / "recipes" / "zlib" / "recipe.yaml").read_text(encoding="utf-8"))
ZLIB_VERSION = str(ZLIB["context"]["version"])
ZLIB_SHA256 = set(re.findall(r"\b[0-9a-f]{64}\b", yaml.safe_dump(ZLIB["source"])))
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def farm_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A farm with the real zlib recipe and pins, built once for the module."""
    root = tmp_path_factory.mktemp("farm")
    shutil.copytree(ROOT / "recipes" / "zlib", root / "recipes" / "zlib")
    shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    farm(root, "build", "zlib")
    return root


def test_zlib_wheel_is_published_and_well_formed(farm_root: Path) -> None:
    wheels = list((farm_root / "wheelhouse").glob(f"wheelfarm_zlib-{ZLIB_VERSION}-*.whl"))
    assert len(wheels) == 1
    wheel = wheels[0]
    assert "manylinux" in wheel.name and wheel.name.split("-")[2:4] == ["py3", "none"]
    page = json.loads((farm_root / "index" / "simple" / "wheelfarm-zlib" / "index.json").read_text())
    assert [f["filename"] for f in page["files"]] == [wheel.name]
    assert (farm_root / "index" / "files" / f"{wheel.name}.metadata").is_file()
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "wheelfarm/zlib/lib/libz.so.1" in names
        assert not any(n.endswith((".a", ".la")) or n.endswith(f".so.{ZLIB_VERSION}") for n in names)
        assert "wheelfarm/zlib/__init__.py" in names
        pc = zf.read("wheelfarm/zlib/lib/pkgconfig/zlib.pc").decode()
        assert pc.startswith("prefix=${pcfiledir}/../..")
        provenance = json.loads(zf.read(f"wheelfarm_zlib-{ZLIB_VERSION}.dist-info/provenance.json"))
        assert provenance["sources"][0]["sha256"] in ZLIB_SHA256
        assert f"wheelfarm_zlib-{ZLIB_VERSION}.dist-info/licenses/LICENSE" in names
        zf.extractall(farm_root / "unpacked")
    info = read_elf(farm_root / "unpacked" / "wheelfarm" / "zlib" / "lib" / "libz.so.1")
    assert info is not None and info.soname == "libz.so.1" and info.runpath == ("$ORIGIN",)
    show = subprocess.run([str(Path(sys.executable).parent / "auditwheel"), "show", str(wheel)],
                          capture_output=True, text=True)
    assert "manylinux" in show.stdout


def test_second_build_is_skipped(farm_root: Path) -> None:
    before = snapshot(farm_root / "wheelhouse", farm_root / "index")
    result = farm(farm_root, "build", "--all")
    assert "unchanged" in result.stdout
    assert snapshot(farm_root / "wheelhouse", farm_root / "index") == before


def test_an_unchanged_wheel_the_index_lacks_is_published(farm_root: Path) -> None:
    """As a merged PR's checked wheel, taken into the wheelhouse with its key: what links it
    installs it from the index in its tests, within the same publishing step."""
    index = farm_root / "index"
    kept = farm_root / "index-kept"
    index.rename(kept)
    try:
        result = farm(farm_root, "build", "zlib")
        assert "unchanged" in result.stdout
        page = json.loads((index / "simple" / "wheelfarm-zlib" / "index.json").read_text())
        (wheel,) = (farm_root / "wheelhouse").glob(f"wheelfarm_zlib-{ZLIB_VERSION}-*.whl")
        assert [f["filename"] for f in page["files"]] == [wheel.name]
        assert (index / "files" / wheel.name).read_bytes() == wheel.read_bytes()
    finally:
        shutil.rmtree(index, ignore_errors=True)
        kept.rename(index)


def test_an_unreadable_build_key_means_building_again(farm_root: Path) -> None:
    (key,) = farm_root.rglob("keys/zlib-*.json")
    known = json.loads(key.read_text())
    key.write_text("")  # as a writer killed half way would have left it, before keys were swapped in
    result = farm(farm_root, "build", "zlib")
    assert "unchanged" not in result.stdout
    assert json.loads(key.read_text()) == known, "the same inputs, the same key and the same (reproducible) wheel"


def _broken_recipe(root: Path, name: str, *, sha256: str, url: str, script: str) -> None:
    folder = root / "recipes" / name
    folder.mkdir(parents=True)
    (folder / "recipe.yaml").write_text(f"""\
package: {{name: {name}, version: "1.0"}}
source:
  - url: {url}
    sha256: "{sha256}"
build: {{number: 0, script: ["{script}"]}}
about: {{license: MIT, license_file: LICENSE, summary: A recipe that must fail, homepage: https://example.org}}
test: {{commands: ["true"]}}
maintainers: [wheelfarm/core]
""")


def _tarball(path: Path, members: list[tarfile.TarInfo]) -> str:
    with tarfile.open(path, "w:gz") as tf:
        for m in members:
            tf.addfile(m, io.BytesIO(b"x" * m.size) if m.isfile() else None)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file(name: str, size: int = 4) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


@pytest.mark.parametrize("case", ["sha256-mismatch", "failing-script", "absolute-path", "dotdot", "escaping-link"])
def test_failures_leave_wheelhouse_and_index_identical(farm_root: Path, tmp_path: Path, case: str) -> None:
    good = tmp_path / "good.tar.gz"
    sha = _tarball(good, [_file("pkg/LICENSE"), _file("pkg/configure")])
    url, script = good.as_uri(), "mkdir -p $PREFIX/lib && echo built"
    if case == "sha256-mismatch":
        sha = "0" * 64
    elif case == "failing-script":
        script = "echo compiling; exit 3"
    else:
        members = {
            "absolute-path": [_file("/etc/farm-evil")],
            "dotdot": [_file("pkg/../../farm-evil")],
            "escaping-link": [_file("pkg/LICENSE"), _link("pkg/evil", "../../../etc/passwd")],
        }[case]
        bad = tmp_path / "bad.tar.gz"
        sha = _tarball(bad, members)
        url = bad.as_uri()
    name = f"broken-{case}"
    _broken_recipe(farm_root, name, sha256=sha, url=url, script=script)
    try:
        before = snapshot(farm_root / "wheelhouse", farm_root / "index")
        result = farm(farm_root, "build", name, check=False)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        message = result.stderr.strip().splitlines()
        expected = {
            "sha256-mismatch": "sha256 mismatch",
            "failing-script": "build script failed (exit 3)",
            "absolute-path": "absolute path",
            "dotdot": "climbs out of the tree",
            "escaping-link": "points outside the tree",
        }[case]
        assert any(expected in line for line in message), result.stderr
        assert snapshot(farm_root / "wheelhouse", farm_root / "index") == before
        assert not (Path("/etc/farm-evil")).exists()
    finally:
        shutil.rmtree(farm_root / "recipes" / name)


def test_pep517_backend_builds_through_pip(farm_root: Path, tmp_path: Path) -> None:
    project = farm_root / ".farm" / "cibw" / "zlib"
    farm(farm_root, "cibw", "zlib", "--output-dir", str(project))
    out = tmp_path / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(project)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = out.glob("*.whl")
    assert wheel.name == f"wheelfarm_zlib-{ZLIB_VERSION}-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(wheel) as zf:
        assert "wheelfarm/zlib/lib/libz.so.1" in zf.namelist()
