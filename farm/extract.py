"""Safe extraction of source archives, and patches.

An archive member with an absolute path, a ``..`` component, a link pointing outside
the tree, or a device file stops extraction before anything is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from farm.errors import FarmError

__all__ = ["ExtractError", "PatchError", "apply_patches", "extract"]


class ExtractError(FarmError, ValueError):
    """An archive is unsafe or unreadable."""


class PatchError(FarmError, RuntimeError):
    """A patch does not apply."""


def _check_name(archive: Path, name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ExtractError(f"{archive.name}: refusing member with an absolute path: {name}")
    if ".." in p.parts:
        raise ExtractError(f"{archive.name}: refusing member that climbs out of the tree: {name}")
    return p


def _check_link(archive: Path, member: PurePosixPath, target: str, hard: bool) -> None:
    if target.startswith("/"):
        raise ExtractError(f"{archive.name}: refusing link {member} -> {target} (absolute target)")
    base = PurePosixPath() if hard else member.parent
    depth = 0
    for part in (base / target).parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            raise ExtractError(f"{archive.name}: refusing link {member} -> {target} (points outside the tree)")


def _tar(archive: Path, dest: Path) -> None:
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        for m in members:
            name = _check_name(archive, m.name)
            if m.issym() or m.islnk():
                _check_link(archive, name, m.linkname, m.islnk())
            elif not (m.isfile() or m.isdir()):
                raise ExtractError(f"{archive.name}: refusing special file {m.name}")
        tf.extractall(dest, members=members, filter="data")


def _zip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            _check_name(archive, info.filename)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ExtractError(f"{archive.name}: refusing symbolic link {info.filename} in a zip")
        zf.extractall(dest)


def extract(archive: Path, dest: Path) -> Path:
    """Extract ``archive`` into ``dest``; returns the single top folder if there is one."""
    dest.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.extract"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if tarfile.is_tarfile(archive):
            _tar(archive, staging)
        elif zipfile.is_zipfile(archive):
            _zip(archive, staging)
        else:
            raise ExtractError(f"{archive.name}: not a tar or zip archive")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExtractError(f"{archive.name}: cannot extract: {exc}") from None
    except ExtractError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    entries = list(staging.iterdir())
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
    for entry in list(root.iterdir()):
        target = dest / entry.name
        if target.is_dir() and entry.is_dir() and not target.is_symlink():
            shutil.copytree(entry, target, symlinks=True, dirs_exist_ok=True)  # a second artifact adds to a folder
        else:
            os.replace(entry, target)
    shutil.rmtree(staging, ignore_errors=True)
    return dest


def apply_patches(tree: Path, patches: list[Path]) -> None:
    for patch in patches:
        result = subprocess.run(
            ["patch", "-p1", "--forward", "--batch", "-i", str(patch)], cwd=tree, capture_output=True, text=True
        )
        if result.returncode != 0:
            detail = (result.stdout + result.stderr).strip().splitlines()[-1:] or [""]
            raise PatchError(f"patch {patch.name} does not apply: {detail[0]}; refresh it against this version")
