"""The git side of a CI plan: which files a ``BASE..HEAD`` range changes, and the recipes
folder as it is at a revision (exported, so the plan never depends on the work tree).

This is the only module of ``farm.ci`` that runs git; :mod:`farm.ci.plan` decides from
what it returns.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from farm.errors import FarmError

__all__ = ["GitError", "Revisions", "changed_paths", "export_folder", "parse_range", "resolve"]

_NULL = re.compile(r"^0{40}$")


class GitError(FarmError, RuntimeError):
    """A git command failed or a revision does not exist."""


@dataclass(frozen=True)
class Revisions:
    """A resolved range: ``base`` is None when there is none (a branch's first push)."""

    base: str | None
    head: str
    #: where HEAD's history meets BASE's: the changes are those since this commit
    merge_base: str | None


def parse_range(text: str) -> tuple[str, str]:
    """``BASE..HEAD`` (or ``BASE...HEAD``) -> (BASE, HEAD)."""
    base, sep, head = text.partition("...")
    if not sep:
        base, sep, head = text.partition("..")
    if not sep or not base or not head:
        raise GitError(f"{text!r} is not a revision range; write BASE..HEAD, e.g. origin/main..HEAD")
    return base, head


def _git(root: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}; install git") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:3])} failed in {root}: {detail[-1] if detail else 'no message'}")
    return done.stdout


def _commit(root: Path, rev: str) -> str:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"no commit {rev!r} in {root}; fetch it (git fetch) or name another revision") from None


def resolve(root: Path, base: str, head: str) -> Revisions:
    """Both ends as commits; an all-zero BASE (what a first push reports) means no base."""
    head_sha = _commit(root, head)
    if _NULL.match(base):
        return Revisions(None, head_sha, None)
    base_sha = _commit(root, base)
    merge = _git(root, "merge-base", base_sha, head_sha).decode().strip() or None
    return Revisions(base_sha, head_sha, merge)


def changed_paths(root: Path, revisions: Revisions) -> tuple[str, ...]:
    """Every path added, changed or removed since the merge base (renames as both names)."""
    if revisions.merge_base is None:
        out = _git(root, "ls-tree", "-r", "-z", "--name-only", revisions.head)
    else:
        out = _git(root, "diff", "--name-only", "-z", "--no-renames", revisions.merge_base, revisions.head)
    return tuple(sorted(p for p in out.decode().split("\0") if p))


def export_folder(root: Path, rev: str, folder: str, dest: Path) -> Path:
    """``folder`` as it is at ``rev``, written below ``dest``; an empty folder when it is absent there."""
    target = dest / folder
    target.mkdir(parents=True, exist_ok=True)
    listing = _git(root, "ls-tree", "--name-only", rev, "--", folder).decode().strip()
    if not listing:
        return target
    data = _git(root, "archive", "--format=tar", rev, "--", folder)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        tf.extractall(dest, filter="data")
    return target
