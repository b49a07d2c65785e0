from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from farm.debian import derive_source_entries
from farm.debtools import (
    MANIFEST,
    DebianTools,
    DebtoolsError,
    include_dir,
    nvcc_path,
    nvcc_profile,
    tool_prefix,
)

pytestmark = pytest.mark.skipif(shutil.which("apt-get") is None, reason="the private apt state needs apt-get")

SPEC = DebianTools(
    suite="trixie", component="non-free",
    packages=("nvidia-cuda-toolkit", "nvidia-cuda-dev", "libcudart12"),
    version="12.4.131~12.4.1-2",
    keep=(("nvidia-cuda-dev", ("./usr/include/*", "./usr/lib/*-linux-gnu/libcudart.so")),),
)
DEBS = {"nvidia-cuda-toolkit": b"toolkit deb", "nvidia-cuda-dev": b"dev deb", "libcudart12": b"cudart deb"}
VERSIONS = {"nvidia-cuda-toolkit": "12.4.131~12.4.1-2", "nvidia-cuda-dev": "12.4.127~12.4.1-2",
            "libcudart12": "12.4.127~12.4.1-2"}
DEPENDS = {"nvidia-cuda-toolkit": "nvidia-profiler (= 12.4.127~12.4.1-2), nvidia-cuda-dev (= 12.4.127~12.4.1-2), "
                                  "g++-13 | g++-12 | clang (<< 1:18~), libc6 (>= 2.34)",
           "nvidia-cuda-dev": "libcudart12 (= 12.4.127~12.4.1-2), libcublas12 (= 12.4.5.8~12.4.1-2)",
           "libcudart12": "libc6 (>= 2.34)"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stanza(package: str, version: str) -> str:
    return (f"Package: {package}\nVersion: {version}\nDepends: {DEPENDS[package]}\n"
            f"Filename: pool/non-free/n/x/{package}_{version}_amd64.deb\nSize: {len(DEBS[package])}\n"
            f"SHA256: {sha(DEBS[package])}\n\n")


def unpack(package: str, dest: Path) -> None:
    """What dpkg-deb would write: the packages' own layout, with Debian's absolute paths."""
    if package == "nvidia-cuda-toolkit":
        bin_dir = dest / "usr/lib/nvidia-cuda-toolkit/bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "nvcc").write_text("ELF")
        (bin_dir / "nvcc.profile").symlink_to("/etc/nvcc.profile")
        (dest / "usr/bin").mkdir(parents=True)
        (dest / "usr/bin/nvcc").write_text('#!/bin/sh\nexec /usr/lib/nvidia-cuda-toolkit/bin/nvcc "$@"\n')
        (dest / "usr/bin/ptxas").write_text("ELF")
        (dest / "usr/lib/nvidia-cuda-toolkit/libdevice").mkdir()
        (dest / "etc").mkdir()
        (dest / "etc/nvcc.profile").write_text("PATH += /usr/lib/nvidia-cuda-toolkit/bin:\n")
    elif package == "nvidia-cuda-dev":
        (dest / "usr/include/crt").mkdir(parents=True)
        (dest / "usr/include/cuda_runtime.h").write_text("/* cuda */")
        (dest / "usr/lib/x86_64-linux-gnu/stubs").mkdir(parents=True)
        (dest / "usr/lib/x86_64-linux-gnu/libcudart.so").symlink_to("libcudart.so.12")
    else:
        (dest / "usr/lib/x86_64-linux-gnu").mkdir(parents=True, exist_ok=True)
        (dest / "usr/lib/x86_64-linux-gnu/libcudart.so.12").write_text("ELF")


class FakeApt:
    """apt-get, apt-cache and dpkg-deb as tool_prefix runs them, recorded."""

    def __init__(self, fail_unpack: str | None = None, corrupt: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_unpack = fail_unpack
        self.corrupt = corrupt

    def tools(self) -> list[str]:
        return [c[0] if c[0] != "bash" else "dpkg-deb" for c in self.calls]

    def __call__(self, cmd: list[str], cwd: str | Path | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(cmd)
        ok = subprocess.CompletedProcess(cmd, 0, "", "")
        if cmd[0] == "apt-get" and cmd[-1] == "update":
            return ok
        if cmd[0] == "apt-cache":
            package, _, version = cmd[-1].partition("=")
            if version and version != VERSIONS[package]:
                return subprocess.CompletedProcess(cmd, 100, "", f"E: Version '{version}' for '{package}' was not found")
            return subprocess.CompletedProcess(cmd, 0, stanza(package, VERSIONS[package]), "")
        if cmd[0] == "apt-get" and cmd[-2] == "download":
            package, _, version = cmd[-1].partition("=")
            data = b"tampered" if package == self.corrupt else DEBS[package]
            (Path(str(cwd)) / f"{package}_{version}_amd64.deb").write_bytes(data)
            return ok
        # dpkg-deb -x DEB DEST, or bash -c 'dpkg-deb --fsys-tarfile "$0" | tar -x -C "$1" ...' DEB DEST PATTERNS
        deb, dest = (cmd[3], cmd[4]) if cmd[0] == "bash" else (cmd[2], cmd[3])
        package = Path(deb).name.split("_")[0]
        if package == self.fail_unpack:
            (Path(dest) / "usr/include").mkdir(parents=True)  # half-written, then the archive breaks
            return subprocess.CompletedProcess(cmd, 2, "", "tar: Unexpected EOF in archive")
        assert (cmd[0] == "bash") == (package == "nvidia-cuda-dev"), "only kept packages go through tar"
        unpack(package, Path(dest))
        return ok


@pytest.fixture
def apt_dir(tmp_path: Path) -> Path:
    d = tmp_path / "etc-apt"
    (d / "sources.list.d").mkdir(parents=True)
    (d / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
        "Signed-By: /k.gpg\n\nTypes: deb\nURIs: http://mirror.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\nSigned-By: /k.gpg\n")
    return d


def test_binary_entries_for_another_suite_and_component(apt_dir: Path) -> None:
    text = derive_source_entries(apt_dir, "trixie", kind="deb", components="non-free")
    assert text == ("Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: non-free\n"
                    "Signed-By: /k.gpg\n")
    # the source entries stay as they were
    assert derive_source_entries(apt_dir, "trixie").startswith("Types: deb-src\n")


def test_the_prefix_is_made_once_and_a_second_call_makes_no_apt_call(tmp_path: Path, apt_dir: Path) -> None:
    cache = tmp_path / "cache"
    apt = FakeApt()
    prefix = tool_prefix(SPEC, cache, run=apt, apt_dir=apt_dir)
    assert prefix.parent == cache / "tools" and re.fullmatch(r"[0-9a-f]{24}", prefix.name)
    assert apt.tools() == ["apt-get", "apt-cache", "apt-get", "apt-cache", "apt-get", "apt-cache", "apt-get",
                           "dpkg-deb", "dpkg-deb", "dpkg-deb"]
    # a private binary state for the suite's component, derived from the machine's entries
    state = cache / "apt-trixie-deb-non-free"
    assert (state / "sources.list.d" / "farm-deb.sources").read_text().startswith(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie\nComponents: non-free\n")
    assert all(f"Dir::State={state / 'state'}" in c for c in apt.calls if c[0].startswith("apt"))
    # the main package at the spec's version, the others at the versions its Depends pin
    shown = [c[-1] for c in apt.calls if c[0] == "apt-cache"]
    assert shown == ["nvidia-cuda-toolkit=12.4.131~12.4.1-2", "nvidia-cuda-dev=12.4.127~12.4.1-2",
                     "libcudart12=12.4.127~12.4.1-2"]
    # the .debs sit in the content-addressed cache, the manifest records their sha256
    for package, data in DEBS.items():
        assert (cache / "sha256" / sha(data)[:2] / sha(data) / f"{package}_{VERSIONS[package]}_amd64.deb").read_bytes() == data
    manifest = json.loads((prefix / MANIFEST).read_text())
    assert [(p["package"], p["version"], p["sha256"]) for p in manifest["packages"]] == [
        (p, VERSIONS[p], sha(DEBS[p])) for p in SPEC.packages]
    assert nvcc_path(prefix).is_file() and (include_dir(prefix) / "cuda_runtime.h").is_file()
    assert not [p for p in (cache / "tools").iterdir() if p.name.startswith(".")]

    def no_apt(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise AssertionError(f"ran {cmd[0]} for a cached prefix")

    assert tool_prefix(SPEC, cache, run=no_apt, apt_dir=apt_dir) == prefix
    # another version is another prefix
    with pytest.raises(DebtoolsError, match="has no nvidia-cuda-toolkit 12.4.99"):
        tool_prefix(DebianTools(SPEC.suite, SPEC.component, SPEC.packages, "12.4.99", SPEC.keep), cache,
                    run=FakeApt(), apt_dir=apt_dir)


def test_a_failed_unpack_leaves_no_final_folder(tmp_path: Path, apt_dir: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(DebtoolsError, match="unpacking nvidia-cuda-dev_12.4.127~12.4.1-2_amd64.deb failed .*EOF"):
        tool_prefix(SPEC, cache, run=FakeApt(fail_unpack="nvidia-cuda-dev"), apt_dir=apt_dir)
    assert sorted(p.name for p in (cache / "tools").iterdir()) == []  # no prefix, no half-written folder, no pointer
    # the downloads were good and stay cached: the next try only unpacks
    apt = FakeApt()
    prefix = tool_prefix(SPEC, cache, run=apt, apt_dir=apt_dir)
    assert (prefix / MANIFEST).is_file()
    assert not [c for c in apt.calls if c[0] == "apt-get" and "download" in c]


def test_a_download_not_matching_the_index_is_neither_cached_nor_unpacked(tmp_path: Path, apt_dir: Path) -> None:
    cache = tmp_path / "cache"
    apt = FakeApt(corrupt="nvidia-cuda-dev")
    wrong, right = sha(b"tampered"), sha(DEBS["nvidia-cuda-dev"])
    with pytest.raises(DebtoolsError, match=f"sha256 {wrong}, the index says {right}"):
        tool_prefix(SPEC, cache, run=apt, apt_dir=apt_dir)
    assert not (cache / "tools").exists()
    assert not (cache / "sha256" / sha(b"tampered")[:2]).exists()
    assert "dpkg-deb" not in apt.tools()


def _profile_paths(prefix: Path) -> list[Path]:
    """Every path the rewritten profile names, with nvcc's $(_HERE_) expanded."""
    text = (nvcc_path(prefix).parent / "nvcc.profile").read_text()
    here = str(nvcc_path(prefix).parent)
    paths = []
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        value = line.split("=", 1)[1].replace("$(_HERE_)", here).replace("$(_SPACE_)", " ")
        for word in re.split(r"[\s:]+", value):
            word = word.strip('"')
            word = word[2:] if word.startswith(("-I", "-L")) else word
            if word and word != "+":  # "=+": append
                assert word.startswith("/"), f"{word!r} in {line!r} is not a path from $(_HERE_)"
                paths.append(Path(word))
    return paths


def test_the_profile_rewrite_points_only_inside_the_prefix(tmp_path: Path, apt_dir: Path) -> None:
    prefix = tool_prefix(SPEC, tmp_path / "cache", run=FakeApt(), apt_dir=apt_dir)
    profile = nvcc_path(prefix).parent / "nvcc.profile"
    assert profile.is_file() and not profile.is_symlink()  # Debian's is a symlink to /etc/nvcc.profile
    text = profile.read_text()
    assert "/usr/" not in text.replace("$(_HERE_)/../../../", "") and "/etc" not in text
    paths = _profile_paths(prefix)
    resolved = {p.resolve() for p in paths}
    root = prefix.resolve()
    assert paths and all(p.is_relative_to(root) for p in resolved), resolved
    assert {root / "usr/include", root / "usr/lib/x86_64-linux-gnu", root / "usr/lib/x86_64-linux-gnu/stubs",
            root / "usr/lib/nvidia-cuda-toolkit/bin", root / "usr/bin",
            root / "usr/lib/nvidia-cuda-toolkit/libdevice"} <= resolved
    # the tools' PATH puts the prefix's bin folders first, before anything of the machine's
    path_line = next(line for line in text.splitlines() if line.startswith("PATH"))
    assert re.fullmatch(r"PATH\s+\+= \$\(_HERE_\):\$\(_HERE_\)/\.\./\.\./\.\./bin:", path_line)
    # no symlink leaves the prefix, and Debian's /usr/bin/nvcc wrapper runs the prefix's nvcc
    for dirpath, dirnames, filenames in os.walk(prefix):
        for name in dirnames + filenames:
            link = Path(dirpath) / name
            if link.is_symlink():
                assert not os.readlink(link).startswith("/") and link.resolve().is_relative_to(root), link
    wrapper = (prefix / "usr/bin/nvcc").read_text()
    assert "/usr/lib" not in wrapper and '"$(dirname "$0")/../lib/nvidia-cuda-toolkit/bin/nvcc"' in wrapper
    # relocatable: the profile names no absolute path, the same text serves a moved prefix
    moved = tmp_path / "moved"
    shutil.copytree(prefix, moved, symlinks=True)
    assert nvcc_profile(moved) == text
    assert all(p.resolve().is_relative_to(moved.resolve()) for p in _profile_paths(moved))
