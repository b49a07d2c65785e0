"""The embedded forge: a git repository on this machine.

Branches are real git branches, written with plumbing commands (a private index file,
``commit-tree``, ``update-ref``) so the bot never touches anyone's working tree. Pull
requests are records in ``.git/farm-bot/forge.json``, rewritten atomically (temporary
file, fsync, rename) under a lock. Merging is plain git: a PR whose head commit is
reachable from its base branch is reported as merged.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from farm.bot.forge import FileChange, ForgeError, PullRequest

__all__ = ["LocalForge"]

_IDENTITY = {
    "GIT_AUTHOR_NAME": "wheelfarm-bot",
    "GIT_AUTHOR_EMAIL": "bot@wheelfarm.invalid",
    "GIT_COMMITTER_NAME": "wheelfarm-bot",
    "GIT_COMMITTER_EMAIL": "bot@wheelfarm.invalid",
}


class LocalForge:
    """A forge backed by the git repository at ``repo``."""

    def __init__(self, repo: Path, default_branch: str | None = None, clock: Callable[[], float] = time.time,
                 git: str = "git") -> None:
        self.repo = repo
        self.git_exe = git
        self.clock = clock
        git_dir = Path(self._git("rev-parse", "--absolute-git-dir").strip())
        self.state_dir = git_dir / "farm-bot"
        self.state_file = self.state_dir / "forge.json"
        self._default = default_branch or self._current_branch()

    # -- git ------------------------------------------------------------------------------
    def _run(self, *args: str, input_: str | None = None, env: dict[str, str] | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **_IDENTITY, **(env or {})}
        done = subprocess.run([self.git_exe, "-C", str(self.repo), *args], input=input_, text=True,
                              capture_output=True, env=full_env, check=False)
        if check and done.returncode != 0:
            raise ForgeError(f"git {' '.join(args[:3])} failed in {self.repo}: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def _git(self, *args: str, input_: str | None = None, env: dict[str, str] | None = None) -> str:
        return self._run(*args, input_=input_, env=env).stdout

    def _current_branch(self) -> str:
        done = self._run("symbolic-ref", "--short", "HEAD", check=False)
        return done.stdout.strip() if done.returncode == 0 else "main"

    @property
    def default_branch(self) -> str:
        return self._default

    def list_branches(self, prefix: str) -> list[str]:
        out = self._git("for-each-ref", "--format=%(refname)", "refs/heads/")
        names = (line.removeprefix("refs/heads/") for line in out.splitlines())
        return sorted(name for name in names if name.startswith(prefix))

    def branch_head(self, branch: str) -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
        return done.stdout.strip() if done.returncode == 0 else None

    def create_branch(self, branch: str, from_branch: str) -> str:
        sha = self.branch_head(from_branch)
        if sha is None:
            raise ForgeError(f"no branch {from_branch!r} in {self.repo}")
        self._git("update-ref", f"refs/heads/{branch}", sha, "0" * 40)
        return sha

    def read_file(self, path: str, ref: str) -> str | None:
        done = self._run("cat-file", "blob", f"{ref}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def commit_files(self, branch: str, message: str, changes: Sequence[FileChange], parent: str | None = None) -> str:
        old = self.branch_head(branch)
        base = parent or old
        if base is None:
            raise ForgeError(f"no branch {branch!r} to commit to; create it first")
        with tempfile.TemporaryDirectory(prefix="farm-bot-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git("read-tree", base, env=env)
            for change in changes:
                if change.content is None:
                    self._git("update-index", "--force-remove", "--", change.path, env=env)
                    continue
                blob = self._git("hash-object", "-w", "--stdin", input_=change.content).strip()
                listed = self._git("ls-tree", base, "--", change.path).split()
                mode = listed[0] if listed else "100644"
                self._git("update-index", "--add", "--cacheinfo", f"{mode},{blob},{change.path}", env=env)
            tree = self._git("write-tree", env=env).strip()
        commit = self._git("commit-tree", tree, "-p", base, "-m", message).strip()
        self._git("update-ref", f"refs/heads/{branch}", commit, old or "0" * 40)
        return commit

    # -- pull request records ---------------------------------------------------------------
    @contextlib.contextmanager
    def _records(self) -> Iterator[dict[str, Any]]:
        """The record file, locked for the duration, written back atomically when changed."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                data = {"version": 1, "next": 1, "prs": {}, "journal": None}
            except ValueError as exc:
                raise ForgeError(f"{self.state_file}: not valid JSON ({exc}); restore it or delete it to start over") from None
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.state_dir, prefix=".forge-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _is_merged(self, sha: str, base: str) -> bool:
        if not sha:
            return False
        return self._run("merge-base", "--is-ancestor", sha, f"refs/heads/{base}", check=False).returncode == 0

    def _refresh(self, rec: dict[str, Any]) -> None:
        """Notice a merge done with plain git."""
        if rec["state"] != "open":
            return
        tip = self.branch_head(rec["head"]) or rec.get("head_sha", "")
        rec["head_sha"] = tip
        if self._is_merged(tip, rec["base"]):
            rec["state"] = "merged"
            rec["merged_at"] = self.clock()

    @staticmethod
    def _pr(rec: dict[str, Any]) -> PullRequest:
        return PullRequest(number=rec["number"], head=rec["head"], base=rec["base"], title=rec["title"],
                           body=rec["body"], state=rec["state"], url=f"local:#{rec['number']}",
                           head_sha=rec.get("head_sha", ""), merged_at=rec.get("merged_at"))

    def list_prs(self, head_prefix: str) -> list[PullRequest]:
        with self._records() as data:
            out = []
            for rec in data["prs"].values():
                if rec["head"].startswith(head_prefix):
                    self._refresh(rec)
                    out.append(self._pr(rec))
        return sorted(out, key=lambda p: p.number)

    def find_pr(self, head: str) -> PullRequest | None:
        found = [p for p in self.list_prs(head) if p.head == head]
        return found[-1] if found else None

    def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
        tip = self.branch_head(head)
        if tip is None:
            raise ForgeError(f"cannot open a PR from {head!r}: no such branch")
        with self._records() as data:
            for rec in data["prs"].values():
                if rec["head"] == head and rec["state"] == "open":
                    raise ForgeError(f"a pull request from {head!r} is already open (#{rec['number']})")
            number = data["next"]
            data["next"] = number + 1
            rec = {"number": number, "head": head, "base": base, "title": title, "body": body, "state": "open",
                   "head_sha": tip, "created_at": self.clock(), "merged_at": None, "comments": []}
            data["prs"][str(number)] = rec
            return self._pr(rec)

    def _get(self, data: dict[str, Any], number: int) -> dict[str, Any]:
        try:
            rec: dict[str, Any] = data["prs"][str(number)]
        except KeyError:
            raise ForgeError(f"no pull request #{number} in {self.state_file}") from None
        return rec

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        with self._records() as data:
            rec = self._get(data, number)
            rec.update(title=title, body=body, head_sha=self.branch_head(rec["head"]) or rec["head_sha"])
            return self._pr(rec)

    def comment_pr(self, number: int, body: str) -> None:
        with self._records() as data:
            self._get(data, number)["comments"].append({"body": body, "at": self.clock()})

    def close_pr(self, number: int, comment: str) -> None:
        with self._records() as data:
            rec = self._get(data, number)
            rec["comments"].append({"body": comment, "at": self.clock()})
            if rec["state"] == "open":
                rec["state"] = "closed"

    def comments(self, number: int) -> list[str]:
        """The comments on a PR (for people and tests; not part of the forge protocol)."""
        with self._records() as data:
            return [c["body"] for c in self._get(data, number)["comments"]]

    def load_state(self) -> str | None:
        with self._records() as data:
            journal: str | None = data.get("journal")
            return journal

    def save_state(self, text: str) -> None:
        with self._records() as data:
            data["journal"] = text

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the run lock: two bot runs on one repository never overlap."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "run.lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ForgeError(f"another bot run holds {self.state_dir / 'run.lock'}; wait for it to finish") from None
            yield
