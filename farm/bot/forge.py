"""The forge interface: where the bot keeps branches and pull requests.

Two implementations satisfy it: :class:`~farm.bot.forge_local.LocalForge` (a git
repository on this machine, PR records in a JSON file inside ``.git/``) and
:class:`~farm.bot.forge_github.GitHubForge`. The runner sees only this protocol, so a
dry run or a test swaps the forge, never the runner.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from farm.errors import FarmError

__all__ = ["BOT_PREFIX", "DryRunForge", "FileChange", "Forge", "ForgeError", "PullRequest", "read_meta", "write_meta"]

#: every branch the bot creates starts with this
BOT_PREFIX = "farm-bot/"

_META = re.compile(r"<!-- farm-bot: (\{.*?\}) -->")


class ForgeError(FarmError, RuntimeError):
    """The forge refused or failed an operation; the message names it."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    head: str
    base: str
    title: str
    body: str
    state: str  # open | closed | merged
    url: str
    head_sha: str = ""
    merged_at: float | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return read_meta(self.body)


@dataclass(frozen=True)
class FileChange:
    """Write ``content`` to ``path``; ``None`` deletes it."""

    path: str
    content: str | None


def write_meta(meta: dict[str, Any]) -> str:
    """The machine-readable line the bot puts at the end of every PR body."""
    return f"<!-- farm-bot: {json.dumps(meta, sort_keys=True)} -->"


def read_meta(body: str) -> dict[str, Any]:
    m = _META.search(body or "")
    if not m:
        return {}
    try:
        found = json.loads(m.group(1))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class Forge(Protocol):
    """Branches, commits and pull requests of one repository."""

    @property
    def default_branch(self) -> str: ...

    def list_branches(self, prefix: str) -> list[str]:
        """Branch names starting with ``prefix``."""
        ...

    def branch_head(self, branch: str) -> str | None:
        """The commit a branch points at, or None when it does not exist."""
        ...

    def create_branch(self, branch: str, from_branch: str) -> str:
        """Create ``branch`` at ``from_branch``'s tip; returns the commit."""
        ...

    def read_file(self, path: str, ref: str) -> str | None:
        """A file's text at a branch or commit, None when absent."""
        ...

    def commit_files(self, branch: str, message: str, changes: Sequence[FileChange], parent: str | None = None) -> str:
        """One commit with ``changes`` on top of ``parent`` (default: the branch tip); moves the branch to it."""
        ...

    def list_prs(self, head_prefix: str) -> list[PullRequest]:
        """Every PR (open, closed, merged) whose head branch starts with ``head_prefix``."""
        ...

    def find_pr(self, head: str) -> PullRequest | None:
        """The newest PR from ``head``, in any state."""
        ...

    def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest: ...

    def update_pr(self, number: int, title: str, body: str) -> PullRequest: ...

    def comment_pr(self, number: int, body: str) -> None: ...

    def close_pr(self, number: int, comment: str) -> None:
        """Comment (saying why), then close."""
        ...

    def load_state(self) -> str | None:
        """The bot's journal as last saved, None before the first save."""
        ...

    def save_state(self, text: str) -> None:
        """Replace the journal, atomically."""
        ...


class DryRunForge:
    """Reads from ``inner``; every write is only noted in ``writes`` (a dry run of the bot)."""

    def __init__(self, inner: Forge) -> None:
        self.inner = inner
        self.writes: list[str] = []

    @property
    def default_branch(self) -> str:
        return self.inner.default_branch

    def list_branches(self, prefix: str) -> list[str]:
        return self.inner.list_branches(prefix)

    def branch_head(self, branch: str) -> str | None:
        return self.inner.branch_head(branch)

    def create_branch(self, branch: str, from_branch: str) -> str:
        self.writes.append(f"create branch {branch} from {from_branch}")
        return self.inner.branch_head(from_branch) or ""

    def read_file(self, path: str, ref: str) -> str | None:
        return self.inner.read_file(path, ref)

    def commit_files(self, branch: str, message: str, changes: Sequence[FileChange], parent: str | None = None) -> str:
        self.writes.append(f"commit to {branch}: {', '.join(c.path for c in changes)}")
        return parent or ""

    def list_prs(self, head_prefix: str) -> list[PullRequest]:
        return self.inner.list_prs(head_prefix)

    def find_pr(self, head: str) -> PullRequest | None:
        return self.inner.find_pr(head)

    def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
        self.writes.append(f"open a PR from {head}: {title}")
        return PullRequest(0, head, base, title, body, "open", "")

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        self.writes.append(f"update PR #{number}: {title}")
        return PullRequest(number, "", "", title, body, "open", "")

    def comment_pr(self, number: int, body: str) -> None:
        self.writes.append(f"comment on PR #{number}")

    def close_pr(self, number: int, comment: str) -> None:
        self.writes.append(f"close PR #{number}: {comment}")

    def load_state(self) -> str | None:
        return self.inner.load_state()

    def save_state(self, text: str) -> None:
        return None
