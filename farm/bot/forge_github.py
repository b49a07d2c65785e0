"""The GitHub forge, through github3.py.

Every call goes through one bounded retry loop: server errors (5xx) and dropped
connections back off exponentially; rate limits (403/429 with ``Retry-After``, or an
exhausted ``X-RateLimit-Remaining``) wait as long as GitHub asks, up to a cap beyond
which the run stops cleanly and the next scheduled run continues. A retried write first
checks whether the failed attempt took effect (a PR opened, a branch created, a comment
posted), so a 502 after success never duplicates anything. The sleeper is injected.

The token is handed to github3.py and kept nowhere else; no message includes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import github3  # type: ignore[import-untyped]
import github3.exceptions as gh_errors  # type: ignore[import-untyped]

from farm.bot.forge import BOT_PREFIX, FileChange, ForgeError, PullRequest

__all__ = ["GitHubForge", "RetryPolicy", "Sleep", "default_api_url"]

T = TypeVar("T")
Sleep = Callable[[float], None]

STATE_BRANCH = f"{BOT_PREFIX}state"
STATE_FILE = "farm-bot-state.json"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 60.0
    #: the longest single wait the bot accepts from a rate limit before giving up the run
    max_wait: float = 300.0


def default_api_url() -> str:
    """github3.py's own API address (so none is written here)."""
    return str(github3.GitHub().session.base_url)


def _message(exc: BaseException) -> str:
    if isinstance(exc, gh_errors.ResponseError):
        return f"{exc.code} {exc.msg}"
    return type(exc).__name__


class GitHubForge:
    """``owner/name`` on GitHub (or a GitHub Enterprise / test server at ``api_url``)."""

    def __init__(self, repo: str, token: str, *, api_url: str | None = None, sleep: Sleep = time.sleep,
                 policy: RetryPolicy = RetryPolicy(), clock: Callable[[], float] = time.time,
                 log: Callable[[str], None] | None = None) -> None:
        owner, sep, name = repo.partition("/")
        if not sep or not owner or not name or "/" in name:
            raise ForgeError(f"--repo {repo!r}: write it as owner/name")
        self.owner = owner
        self.sleep = sleep
        self.policy = policy
        self.clock = clock
        self.log = log or (lambda _: None)
        gh = github3.GitHub(token=token)
        if api_url:
            gh.session.base_url = api_url.rstrip("/")
        self._gh = gh
        self._repo: Any = self._call(f"read repository {repo}", lambda: gh.repository(owner, name))
        if self._repo is None:
            raise ForgeError(f"GitHub: repository {repo} not found, or the token cannot see it")

    # -- the retry loop -------------------------------------------------------------------------
    def _wait_for(self, exc: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when retrying cannot help."""
        backoff: float = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        if isinstance(exc, gh_errors.TransportError):
            return backoff
        if not isinstance(exc, gh_errors.ResponseError):
            return None
        code = int(exc.code)
        if code >= 500:
            return backoff
        if code not in (403, 429):
            return None
        headers: dict[str, str] = dict(exc.response.headers)
        headers = {k.lower(): v for k, v in headers.items()}
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return backoff
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                return max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1.0
            except ValueError:
                return backoff
        if "rate limit" in str(exc.msg).lower():
            return max(60.0, backoff)  # GitHub: wait at least a minute when it names no time
        return None

    def _call(self, what: str, fn: Callable[[], T], recover: Callable[[], T | None] | None = None) -> T:
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return fn()
            except gh_errors.GitHubException as exc:
                wait = self._wait_for(exc, attempt)
                if wait is None:
                    raise ForgeError(f"GitHub: {what}: {_message(exc)}") from None
                if attempt == self.policy.attempts:
                    raise ForgeError(f"GitHub: {what}: still failing after {attempt} attempts "
                                     f"({_message(exc)}); the next run tries again") from None
                if wait > self.policy.max_wait:
                    raise ForgeError(f"GitHub: {what}: rate limited for {wait:.0f} s; stopping this run, "
                                     "the next scheduled run continues") from None
                self.log(f"GitHub: {what}: {_message(exc)}; retrying in {wait:.0f} s")
                self.sleep(wait)
                if recover is not None:
                    done = recover()
                    if done is not None:
                        return done
        raise AssertionError("unreachable")  # pragma: no cover

    # -- branches and files -----------------------------------------------------------------------
    @property
    def default_branch(self) -> str:
        return str(self._repo.default_branch)

    def list_branches(self, prefix: str) -> list[str]:
        names = self._call("list branches", lambda: [b.name for b in self._repo.branches()])
        return sorted(n for n in names if n.startswith(prefix))

    def _ref(self, branch: str) -> Any:
        def get() -> Any:
            try:
                return self._repo.ref(f"heads/{branch}")
            except gh_errors.NotFoundError:
                return None

        return self._call(f"read branch {branch}", get)

    def branch_head(self, branch: str) -> str | None:
        ref = self._ref(branch)
        return None if ref is None else str(ref.object.sha)

    def create_branch(self, branch: str, from_branch: str) -> str:
        sha = self.branch_head(from_branch)
        if sha is None:
            raise ForgeError(f"GitHub: no branch {from_branch!r}")
        self._call(f"create branch {branch}", lambda: self._repo.create_ref(f"refs/heads/{branch}", sha),
                   recover=lambda: self._ref(branch))
        return sha

    def read_file(self, path: str, ref: str) -> str | None:
        def get() -> str | None:
            try:
                found = self._repo.file_contents(path, ref=ref)
            except gh_errors.NotFoundError:
                return None
            return None if found is None else bytes(found.decoded).decode("utf-8")

        return self._call(f"read {path} at {ref}", get)

    def commit_files(self, branch: str, message: str, changes: Sequence[FileChange], parent: str | None = None) -> str:
        base = parent or self.branch_head(branch)
        if base is None:
            raise ForgeError(f"GitHub: no branch {branch!r} to commit to; create it first")
        base_tree = self._call(f"read commit {base[:12]}", lambda: self._repo.git_commit(base)).tree.sha
        entries: list[dict[str, Any]] = [
            {"path": c.path, "mode": "100644", "type": "blob", "sha": None} if c.content is None
            else {"path": c.path, "mode": "100644", "type": "blob", "content": c.content}
            for c in changes
        ]
        tree = self._call("create a tree", lambda: self._repo.create_tree(entries, base_tree))
        commit = self._call("create a commit", lambda: self._repo.create_commit(message, tree.sha, [base]))
        ref = self._ref(branch)
        if ref is None:
            raise ForgeError(f"GitHub: branch {branch!r} disappeared while committing; the next run retries")
        self._call(f"move branch {branch}", lambda: ref.update(commit.sha, force=True))
        return str(commit.sha)

    # -- pull requests ----------------------------------------------------------------------------
    def _convert(self, pr: Any) -> PullRequest:
        merged_at = pr.merged_at.timestamp() if pr.merged_at is not None else None
        state = "merged" if merged_at is not None else str(pr.state)
        return PullRequest(number=int(pr.number), head=str(pr.head.ref), base=str(pr.base.ref), title=str(pr.title),
                           body=str(pr.body or ""), state=state, url=str(pr.html_url), head_sha=str(pr.head.sha),
                           merged_at=merged_at)

    def list_prs(self, head_prefix: str) -> list[PullRequest]:
        found = self._call("list pull requests", lambda: [self._convert(p) for p in
                                                           self._repo.pull_requests(state="all")])
        return sorted((p for p in found if p.head.startswith(head_prefix)), key=lambda p: p.number)

    def find_pr(self, head: str) -> PullRequest | None:
        found = self._call(f"find the pull request from {head}", lambda: [
            self._convert(p) for p in self._repo.pull_requests(state="all", head=f"{self.owner}:{head}")])
        found = [p for p in found if p.head == head]
        return max(found, key=lambda p: p.number) if found else None

    def _open(self, head: str) -> PullRequest | None:
        pr = self.find_pr(head)
        return pr if pr is not None and pr.state == "open" else None

    def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
        def create() -> PullRequest:
            try:
                return self._convert(self._repo.create_pull(title, base, head, body))
            except gh_errors.UnprocessableEntity:
                existing = self._open(head)  # "a pull request already exists": an earlier attempt got through
                if existing is None:
                    raise
                return existing

        return self._call(f"open a pull request from {head}", create, recover=lambda: self._open(head))

    def _pull(self, number: int) -> Any:
        return self._call(f"read pull request #{number}", lambda: self._repo.pull_request(number))

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        pr = self._pull(number)
        self._call(f"update pull request #{number}", lambda: pr.update(title=title, body=body))
        return self._convert(self._pull(number))

    def comment_pr(self, number: int, body: str) -> None:
        pr = self._pull(number)

        def posted() -> bool | None:
            return True if any(c.body == body for c in pr.issue_comments()) else None

        self._call(f"comment on pull request #{number}", lambda: pr.create_comment(body) is not None,
                   recover=lambda: self._call(f"read comments of #{number}", posted))

    def close_pr(self, number: int, comment: str) -> None:
        self.comment_pr(number, comment)
        pr = self._pull(number)
        if pr.state != "closed":
            self._call(f"close pull request #{number}", lambda: pr.close())

    # -- the journal --------------------------------------------------------------------------------
    def load_state(self) -> str | None:
        if self.branch_head(STATE_BRANCH) is None:
            return None
        return self.read_file(STATE_FILE, STATE_BRANCH)

    def save_state(self, text: str) -> None:
        if self.branch_head(STATE_BRANCH) is None:
            self.create_branch(STATE_BRANCH, self.default_branch)
        self.commit_files(STATE_BRANCH, "farm bot: journal", [FileChange(STATE_FILE, text)])
