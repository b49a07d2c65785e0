"""The GitHub forge, through github3.py's session.

Every call goes through one bounded retry loop: server errors (5xx) and dropped
connections back off exponentially; rate limits (403/429 with ``Retry-After``, or an
exhausted ``X-RateLimit-Remaining``) wait as long as GitHub asks, up to a cap beyond
which the run stops cleanly and the next scheduled run continues. A retried write first
checks whether the failed attempt took effect (a PR opened, a branch created, a comment
posted), so a 502 after success never duplicates anything. The sleeper is injected.

What a pass costs is what changed. GitHub counts every call against 5,000 an hour, except
a ``304 Not Modified`` answer to a conditional request. The forge keeps a memory in the
state file beside the journal — the bot's PRs, the bot's branches, and the ETag of each
listing it read — and:

- finds its PRs with the issues API filtered by the label :data:`LABEL` (the pulls API
  filters by nothing the bot owns: ``head`` is an exact name, not a prefix), newest update
  first and only those updated since a watermark, with ``If-None-Match``; a pass in which
  no bot PR changed reads them for free. The watermark moves to the newest update seen
  when the answer outgrows a page, so the query keeps its URL (and its ETag) otherwise. A PR it does not know yet costs
  one read, once. Every PR is listed in full (the old way) when the memory is empty or
  older than :data:`FULL_READ_AFTER_S`, so a PR that lost its label is found again;
- lists its branches with ``git/matching-refs/heads/farm-bot`` (conditional), once per pass
  and only when the pass asks about a branch;
- reads a branch outside ``farm-bot/`` (the default branch) conditionally;
- reads a file at a commit that the local ``checkout`` holds from the checkout (a commit id
  names the same bytes everywhere), and any other file at a commit once per pass;
- writes a one-file change on a branch it has just created with one contents-API call, and
  the state file the same way.

``cache=False`` turns the memory, the label and conditional requests off: every pass lists
every PR and asks GitHub about every branch (what the call benchmark measures against).

The token is handed to github3.py and kept nowhere else; no message includes it.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import github3  # type: ignore[import-untyped]
import github3.exceptions as gh_errors  # type: ignore[import-untyped]
import requests

from farm.bot.forge import BOT_PREFIX, FileChange, ForgeError, PullRequest

__all__ = ["FULL_READ_AFTER_S", "LABEL", "GitHubForge", "RetryPolicy", "Sleep", "default_api_url"]

T = TypeVar("T")
Sleep = Callable[[float], None]

STATE_BRANCH = f"{BOT_PREFIX}state"
STATE_FILE = "farm-bot-state.json"
#: the label on every bot PR: how the forge lists its own PRs, and how people filter them
LABEL = "farm-bot"
#: the longest the forge goes on its memory before listing every PR again
FULL_READ_AFTER_S = 7 * 24 * 3600.0
STATE_VERSION = 2

_COMMIT = re.compile(r"[0-9a-f]{40}")
_PAGE = 100


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


def _timestamp(value: object) -> float | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() if value else None


@dataclass(frozen=True)
class _Answer:
    status: int  # 304: unchanged since the ETag sent
    data: Any
    etag: str = ""
    next_url: str = ""


@dataclass
class _Memory:
    """What the forge knows from earlier passes; kept in the state file."""

    #: PR number -> its record (PullRequest's fields, and whether it carries the label)
    prs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the newest ``updated_at`` seen among the bot's PRs; empty: list every PR
    since: str = ""
    full_read_at: float = 0.0
    #: what was read -> [the URL, its ETag]
    etags: dict[str, list[str]] = field(default_factory=dict)
    #: the bot's branches -> commit, as of the ``refs`` ETag plus the forge's own writes
    refs: dict[str, str] = field(default_factory=dict)
    #: other branches -> commit, each as of its ``ref:<branch>`` ETag
    heads: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, data: object) -> _Memory:
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(prs={str(k): dict(v) for k, v in data["prs"].items()}, since=str(data["since"]),
                       full_read_at=float(data["full_read_at"]),
                       etags={str(k): [str(v[0]), str(v[1])] for k, v in data["etags"].items()},
                       refs={str(k): str(v) for k, v in data["refs"].items()},
                       heads={str(k): str(v) for k, v in data["heads"].items()})
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return cls()  # a damaged memory costs one full read, nothing else

    def dump(self) -> dict[str, Any]:
        return {"prs": self.prs, "since": self.since, "full_read_at": self.full_read_at, "etags": self.etags,
                "refs": self.refs, "heads": self.heads}


def _record(pr: Mapping[str, Any]) -> dict[str, Any]:
    """A PR's record from the pulls API's JSON."""
    merged_at = _timestamp(pr.get("merged_at"))
    return {"number": int(pr["number"]), "head": str(pr["head"]["ref"]), "base": str(pr["base"]["ref"]),
            "title": str(pr["title"]), "body": str(pr.get("body") or ""),
            "state": "merged" if merged_at is not None else str(pr["state"]), "url": str(pr["html_url"]),
            "head_sha": str(pr["head"]["sha"]), "merged_at": merged_at,
            "labelled": any(label.get("name") == LABEL for label in pr.get("labels") or ())}


def _pull_request(rec: Mapping[str, Any]) -> PullRequest:
    return PullRequest(number=int(rec["number"]), head=str(rec["head"]), base=str(rec["base"]),
                       title=str(rec["title"]), body=str(rec["body"]), state=str(rec["state"]), url=str(rec["url"]),
                       head_sha=str(rec.get("head_sha", "")), merged_at=rec.get("merged_at"))


class GitHubForge:
    """``owner/name`` on GitHub (or a GitHub Enterprise / test server at ``api_url``).

    ``checkout``: a clone of the repository (CI's checkout); files at the commits it holds are
    read from it. ``cache``: keep a memory between passes and ask conditionally (see above).
    """

    def __init__(self, repo: str, token: str, *, api_url: str | None = None, sleep: Sleep = time.sleep,
                 policy: RetryPolicy = RetryPolicy(), clock: Callable[[], float] = time.time,
                 log: Callable[[str], None] | None = None, checkout: Path | None = None,
                 cache: bool = True, git: str = "git") -> None:
        owner, sep, name = repo.partition("/")
        if not sep or not owner or not name or "/" in name:
            raise ForgeError(f"--repo {repo!r}: write it as owner/name")
        self.owner = owner
        self.sleep = sleep
        self.policy = policy
        self.clock = clock
        self.log = log or (lambda _: None)
        self.checkout = checkout
        self.cache = cache
        self.git = git
        gh = github3.GitHub(token=token)
        if api_url:
            gh.session.base_url = api_url.rstrip("/")
        self._session: Any = gh.session
        self._repo: Any = self._call(f"read repository {repo}", lambda: gh.repository(owner, name))
        if self._repo is None:
            raise ForgeError(f"GitHub: repository {repo} not found, or the token cannot see it")
        self._api = str(self._repo.url)
        self.memory = _Memory()
        self._loaded = False
        self._journal: str | None = None
        self._stored: str | None = None  # the state file's text as last read or written
        self._stored_sha: str | None = None  # its blob
        self._synced = False  # the PR memory was brought up to date in this pass
        self._refs_read = False
        self._created: dict[str, str] = {}  # branches this pass created (or committed to) -> their tip
        self._files: dict[tuple[str, str], tuple[str, str] | None] = {}  # (commit, path) -> (text, blob)
        self._trees: dict[str, str] = {}  # commit -> tree
        self._local: dict[str, bool] = {}  # commit -> the checkout holds it

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

    # -- one request ----------------------------------------------------------------------------
    def _send(self, method: str, url: str, *, params: Mapping[str, str] | None = None, body: Any = None,
              etag: str = "", ok: Iterable[int] = (200,)) -> _Answer:
        """One request through github3.py's session; an error status raises github3.py's error for it."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            resp = self._session.request(method, url, params=params, json=body, headers=headers)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise gh_errors.ConnectionError(exc) from None
        except requests.RequestException as exc:
            raise gh_errors.TransportError(exc) from None
        if resp.status_code == 304 and etag:
            return _Answer(304, None, etag)
        if resp.status_code not in ok:
            raise gh_errors.error_for(resp)
        try:
            data = resp.json() if resp.content else None
        except ValueError:
            raise gh_errors.UnexpectedResponse(resp) from None
        return _Answer(resp.status_code, data, str(resp.headers.get("ETag") or ""),
                       str(resp.links.get("next", {}).get("url", "")))

    def _get(self, what: str, url: str, params: Mapping[str, str] | None = None, key: str = "",
             missing_ok: bool = False) -> _Answer | None:
        """GET, conditional when the memory holds an ETag for this very URL under ``key``.

        None for a 404 when ``missing_ok``. A 200's ETag is remembered under ``key``.
        """
        full = str(requests.Request("GET", url, params=params).prepare().url)
        held = self.memory.etags.get(key) if key and self.cache else None
        etag = held[1] if held and held[0] == full else ""

        def get() -> _Answer | None:
            try:
                return self._send("GET", full, etag=etag)
            except gh_errors.NotFoundError:
                if missing_ok:
                    return None
                raise

        answer = self._call(what, get)
        if key and self.cache:
            if answer is not None and answer.status == 200 and answer.etag:
                self.memory.etags[key] = [full, answer.etag]
            elif answer is None:
                self.memory.etags.pop(key, None)
        return answer

    def _items(self, what: str, url: str, params: Mapping[str, str], key: str = "") -> list[Any] | None:
        """Every item of a listing, page after page; None when its first page is unchanged (304)."""
        first = self._get(what, url, {**params, "per_page": str(_PAGE)}, key)
        assert first is not None
        if first.status == 304:
            return None
        items = list(first.data or [])
        next_url = first.next_url
        while next_url:
            page = self._call(what, lambda: self._send("GET", next_url))
            items.extend(page.data or [])
            next_url = page.next_url
        return items

    # -- the state file and the memory ------------------------------------------------------------
    def _load(self) -> None:
        if self._loaded:
            return
        found = self._read_api(STATE_FILE, STATE_BRANCH)
        self._loaded = True
        if found is None:
            return
        text, self._stored_sha = found
        self._stored = text
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("version") == STATE_VERSION and "journal" in data:
            journal = data["journal"]
            self._journal = journal if isinstance(journal, str) else None
            if self.cache:
                self.memory = _Memory.load(data.get("forge"))
        else:
            self._journal = text  # the journal alone, as the forge kept it before it had a memory

    def load_state(self) -> str | None:
        self._load()
        return self._journal

    def save_state(self, text: str) -> None:
        self._load()
        self._journal = text
        content = json.dumps({"version": STATE_VERSION, "journal": text,
                              "forge": self.memory.dump() if self.cache else None}, indent=1, sort_keys=True)
        if content == self._stored:
            return  # nothing new: no call
        if self._stored_sha is None and self.branch_head(STATE_BRANCH) is None:
            self.create_branch(STATE_BRANCH, self.default_branch)
        url = f"{self._api}/contents/{STATE_FILE}"

        def put() -> _Answer:
            body = {"message": "farm bot: journal", "branch": STATE_BRANCH,
                    "content": base64.b64encode(content.encode()).decode()}
            if self._stored_sha:
                body["sha"] = self._stored_sha
            try:
                return self._send("PUT", url, body=body, ok=(200, 201))
            except gh_errors.ResponseError as exc:
                if exc.code not in (409, 422):
                    raise
                # the file is not the one last read (an earlier attempt may have written it): read it again
                now = self._read_api(STATE_FILE, STATE_BRANCH)
                self._stored_sha = now[1] if now else None
                if now is not None and now[0] == content:
                    return _Answer(200, {"content": {"sha": now[1]}})
                body.pop("sha", None)
                if self._stored_sha:
                    body["sha"] = self._stored_sha
                return self._send("PUT", url, body=body, ok=(200, 201))

        answer = self._call(f"write {STATE_FILE} on {STATE_BRANCH}", put)
        self._stored, self._stored_sha = content, str(answer.data["content"]["sha"])
        commit = (answer.data.get("commit") or {}).get("sha")
        if commit and self.cache:
            self.memory.refs[STATE_BRANCH] = str(commit)

    # -- branches and files -----------------------------------------------------------------------
    @property
    def default_branch(self) -> str:
        return str(self._repo.default_branch)

    def _read_refs(self) -> None:
        """The bot's branches, once per pass (conditional: unchanged costs nothing)."""
        if self._refs_read:
            return
        self._load()
        items = self._items("list the bot's branches", f"{self._api}/git/matching-refs/heads/{BOT_PREFIX.rstrip('/')}",
                            {}, key="refs")
        if items is not None:
            self.memory.refs = {str(r["ref"]).removeprefix("refs/heads/"): str(r["object"]["sha"]) for r in items
                                if str(r["ref"]).startswith(f"refs/heads/{BOT_PREFIX}")}
        self._refs_read = True

    def list_branches(self, prefix: str) -> list[str]:
        if self.cache and prefix.startswith(BOT_PREFIX):
            self._read_refs()
            return sorted(n for n in self.memory.refs if n.startswith(prefix))
        items = self._items("list branches", f"{self._api}/git/matching-refs/heads/{prefix}", {})
        return sorted(n for n in (str(r["ref"]).removeprefix("refs/heads/") for r in items or ()) if n.startswith(prefix))

    def _ref_api(self, branch: str) -> str | None:
        """A branch's commit as GitHub has it now (conditional for branches outside the bot's)."""
        key = f"ref:{branch}" if not branch.startswith(BOT_PREFIX) else ""
        answer = self._get(f"read branch {branch}", f"{self._api}/git/ref/heads/{quote(branch)}", key=key,
                           missing_ok=True)
        if answer is None:
            self.memory.heads.pop(branch, None)
            return None
        if answer.status == 304:
            return self.memory.heads[branch]
        sha = str(answer.data["object"]["sha"])
        if key and self.cache:
            self.memory.heads[branch] = sha
        return sha

    def branch_head(self, branch: str) -> str | None:
        if self.cache and branch.startswith(BOT_PREFIX):
            self._read_refs()
            return self.memory.refs.get(branch)
        if self.cache and f"ref:{branch}" in self.memory.etags and branch not in self.memory.heads:
            self.memory.etags.pop(f"ref:{branch}")  # an ETag without its answer is no use
        return self._ref_api(branch)

    def _moved(self, branch: str, sha: str) -> str:
        if self.cache and branch.startswith(BOT_PREFIX):
            self.memory.refs[branch] = sha
        if branch in self._created:
            self._created[branch] = sha
        return sha

    def create_branch(self, branch: str, from_branch: str) -> str:
        sha = self.branch_head(from_branch)
        if sha is None:
            raise ForgeError(f"GitHub: no branch {from_branch!r}")
        self._call(f"create branch {branch}",
                   lambda: self._send("POST", f"{self._api}/git/refs", body={"ref": f"refs/heads/{branch}", "sha": sha},
                                      ok=(201,)),
                   recover=lambda: self._answer_if(self._ref_api(branch)))
        self._created[branch] = sha
        return self._moved(branch, sha)

    @staticmethod
    def _answer_if(sha: str | None) -> _Answer | None:
        return None if sha is None else _Answer(200, {"object": {"sha": sha}})

    def _holds(self, commit: str) -> bool:
        """Whether the local checkout has this commit."""
        if self.checkout is None or not _COMMIT.fullmatch(commit):
            return False
        if commit not in self._local:
            done = subprocess.run([self.git, "-C", str(self.checkout), "cat-file", "-e", f"{commit}^{{commit}}"],
                                  capture_output=True, check=False)
            self._local[commit] = done.returncode == 0
        return self._local[commit]

    def _read_local(self, path: str, commit: str) -> tuple[str, str] | None:
        done = subprocess.run([self.git, "-C", str(self.checkout), "cat-file", "--batch"],
                              input=f"{commit}:{path}\n".encode(), capture_output=True, check=False)
        header, _, rest = done.stdout.partition(b"\n")
        fields = header.decode().split()
        if done.returncode != 0 or len(fields) != 3 or fields[1] != "blob":
            return None  # the commit is here, so the file is not in it
        return rest[: int(fields[2])].decode("utf-8"), fields[0]

    def _read_api(self, path: str, ref: str) -> tuple[str, str] | None:
        answer = self._get(f"read {path} at {ref}", f"{self._api}/contents/{quote(path)}", {"ref": ref},
                           missing_ok=True)
        if answer is None or not isinstance(answer.data, dict) or answer.data.get("type", "file") != "file":
            return None
        sha = str(answer.data["sha"])
        if answer.data.get("encoding") == "base64":
            raw = base64.b64decode(answer.data.get("content") or "")
        else:  # over 1 MB the contents API leaves the content out; the blob API has it
            blob = self._get(f"read {path} at {ref}", f"{self._api}/git/blobs/{sha}")
            assert blob is not None
            raw = base64.b64decode(blob.data["content"])
        return raw.decode("utf-8"), sha

    def _file(self, path: str, ref: str) -> tuple[str, str] | None:
        """(text, blob) of a file at a branch or commit; a commit's files are read once."""
        if not _COMMIT.fullmatch(ref):
            return self._read_api(path, ref)
        key = (ref, path)
        if key not in self._files:
            self._files[key] = self._read_local(path, ref) if self._holds(ref) else self._read_api(path, ref)
        return self._files[key]

    def read_file(self, path: str, ref: str) -> str | None:
        found = self._file(path, ref)
        return None if found is None else found[0]

    def _tree(self, commit: str) -> str:
        if commit not in self._trees:
            if self._holds(commit):
                done = subprocess.run([self.git, "-C", str(self.checkout), "rev-parse", f"{commit}^{{tree}}"],
                                      capture_output=True, text=True, check=True)
                self._trees[commit] = done.stdout.strip()
            else:
                answer = self._get(f"read commit {commit[:12]}", f"{self._api}/git/commits/{commit}")
                assert answer is not None
                self._trees[commit] = str(answer.data["tree"]["sha"])
        return self._trees[commit]

    def commit_files(self, branch: str, message: str, changes: Sequence[FileChange], parent: str | None = None) -> str:
        base = parent or self.branch_head(branch)
        if base is None:
            raise ForgeError(f"GitHub: no branch {branch!r} to commit to; create it first")
        if len(changes) == 1 and changes[0].content is not None and self._created.get(branch) == base:
            return self._put_file(branch, message, changes[0], base)
        entries: list[dict[str, Any]] = [
            {"path": c.path, "mode": "100644", "type": "blob", "sha": None} if c.content is None
            else {"path": c.path, "mode": "100644", "type": "blob", "content": c.content}
            for c in changes
        ]
        base_tree = self._tree(base)
        tree = self._call("create a tree", lambda: self._send("POST", f"{self._api}/git/trees", ok=(201,),
                                                              body={"tree": entries, "base_tree": base_tree}))
        commit = self._call("create a commit", lambda: self._send(
            "POST", f"{self._api}/git/commits", ok=(201,),
            body={"message": message, "tree": tree.data["sha"], "parents": [base]}))
        sha = str(commit.data["sha"])
        try:
            self._call(f"move branch {branch}", lambda: self._send(
                "PATCH", f"{self._api}/git/refs/heads/{quote(branch)}", body={"sha": sha, "force": True}))
        except ForgeError as exc:
            if "422" in str(exc):
                raise ForgeError(f"GitHub: branch {branch!r} disappeared while committing; the next run retries") from None
            raise
        return self._moved(branch, sha)

    def _put_file(self, branch: str, message: str, change: FileChange, base: str) -> str:
        """One contents-API call: a commit changing one file on top of ``branch``, which is at ``base``."""
        assert change.content is not None
        before = self._file(change.path, base)
        body: dict[str, Any] = {"message": message, "branch": branch,
                                "content": base64.b64encode(change.content.encode()).decode()}
        if before is not None:
            body["sha"] = before[1]

        def landed() -> _Answer | None:
            now = self._ref_api(branch)  # a retry after a write that went through: the branch moved on
            return None if now is None or now == base else _Answer(200, {"commit": {"sha": now}})

        answer = self._call(f"commit {change.path} to {branch}",
                            lambda: self._send("PUT", f"{self._api}/contents/{quote(change.path)}", body=body,
                                               ok=(200, 201)), recover=landed)
        return self._moved(branch, str(answer.data["commit"]["sha"]))

    # -- pull requests ----------------------------------------------------------------------------
    def _remember(self, rec: dict[str, Any]) -> PullRequest:
        old = self.memory.prs.get(str(rec["number"]))
        if old is not None and old.get("labelled") and not rec.get("labelled"):
            rec["labelled"] = True  # a write's answer may predate the label call
        self.memory.prs[str(rec["number"])] = rec
        return _pull_request(rec)

    def _read_all(self) -> None:
        """Every PR of the repository (the bot's kept), newest update first."""
        items = self._items("list pull requests", f"{self._api}/pulls",
                            {"state": "all", "sort": "updated", "direction": "desc"})
        assert items is not None
        self.memory.prs = {str(p["number"]): _record(p) for p in items if str(p["head"]["ref"]).startswith(BOT_PREFIX)}
        self.memory.since = max((str(p["updated_at"]) for p in items), default="1970-01-01T00:00:00Z")
        self.memory.full_read_at = self.clock()
        self.memory.etags.pop("prs", None)

    def _read_changed(self) -> None:
        """The bot's PRs updated since the newest update seen (inclusive), by their label."""
        items = self._items("list the bot's pull requests", f"{self._api}/issues",
                            {"labels": LABEL, "state": "all", "sort": "updated", "direction": "desc",
                             "since": self.memory.since}, key="prs")
        if items is None:
            return  # 304: not one of them changed
        for item in items:
            if "pull_request" not in item:
                continue  # an issue carrying the label
            rec = self.memory.prs.get(str(item["number"]))
            if rec is None:
                answer = self._get(f"read pull request #{item['number']}", f"{self._api}/pulls/{item['number']}")
                assert answer is not None
                rec = _record(answer.data)
            else:
                merged_at = _timestamp(item["pull_request"].get("merged_at"))
                rec.update(title=str(item["title"]), body=str(item.get("body") or ""), merged_at=merged_at,
                           state="merged" if merged_at is not None else str(item["state"]),
                           labelled=any(label.get("name") == LABEL for label in item.get("labels") or ()))
            self.memory.prs[str(rec["number"])] = rec
        if len(items) >= _PAGE:  # moved on only when the answer outgrows a page: the same URL keeps its ETag
            self.memory.since = max([self.memory.since, *(str(i["updated_at"]) for i in items)])

    def _label(self, number: int) -> None:
        self._call(f"label pull request #{number}", lambda: self._send(
            "POST", f"{self._api}/issues/{number}/labels", body={"labels": [LABEL]}))
        rec = self.memory.prs.get(str(number))
        if rec is not None:
            rec["labelled"] = True

    def _sync(self) -> None:
        """Bring the memory of the bot's PRs up to date, once per pass."""
        if self._synced:
            return
        self._load()
        if not self.cache or not self.memory.since or self.clock() - self.memory.full_read_at > FULL_READ_AFTER_S:
            self._read_all()
        else:
            self._read_changed()
        for rec in list(self.memory.prs.values()) if self.cache else ():
            if rec["state"] == "open" and not rec.get("labelled") and str(rec["head"]).startswith(BOT_PREFIX):
                self._label(int(rec["number"]))  # opened before the label existed, or its label call failed
        self._synced = True

    def list_prs(self, head_prefix: str) -> list[PullRequest]:
        if head_prefix.startswith(BOT_PREFIX):
            self._sync()
            found = [_pull_request(r) for r in self.memory.prs.values()]
        else:
            items = self._items("list pull requests", f"{self._api}/pulls", {"state": "all"})
            found = [_pull_request(_record(p)) for p in items or ()]
        return sorted((p for p in found if p.head.startswith(head_prefix)), key=lambda p: p.number)

    def _find_api(self, head: str) -> PullRequest | None:
        items = self._items(f"find the pull request from {head}", f"{self._api}/pulls",
                            {"state": "all", "head": f"{self.owner}:{head}"})
        found = [self._remember(_record(p)) for p in items or () if str(p["head"]["ref"]) == head]
        return max(found, key=lambda p: p.number) if found else None

    def find_pr(self, head: str) -> PullRequest | None:
        if not (self.cache and self._synced and head.startswith(BOT_PREFIX)):
            return self._find_api(head)
        found = [r for r in self.memory.prs.values() if r["head"] == head]
        return _pull_request(max(found, key=lambda r: int(r["number"]))) if found else None

    def _open(self, head: str) -> PullRequest | None:
        pr = self._find_api(head)
        return pr if pr is not None and pr.state == "open" else None

    def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
        def create() -> PullRequest:
            try:
                answer = self._send("POST", f"{self._api}/pulls", ok=(201,),
                                    body={"title": title, "base": base, "head": head, "body": body})
            except gh_errors.UnprocessableEntity:
                existing = self._open(head)  # "a pull request already exists": an earlier attempt got through
                if existing is None:
                    raise
                return existing
            return self._remember(_record(answer.data))

        pr = self._call(f"open a pull request from {head}", create, recover=lambda: self._open(head))
        if self.cache and head.startswith(BOT_PREFIX) and not self.memory.prs.get(str(pr.number), {}).get("labelled"):
            self._label(pr.number)
        return pr

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        answer = self._call(f"update pull request #{number}", lambda: self._send(
            "PATCH", f"{self._api}/pulls/{number}", body={"title": title, "body": body}))
        return self._remember(_record(answer.data))

    def comment_pr(self, number: int, body: str) -> None:
        url = f"{self._api}/issues/{number}/comments"

        def posted() -> bool | None:
            items = self._items(f"read comments of #{number}", url, {})
            return True if any(c.get("body") == body for c in items or ()) else None

        self._call(f"comment on pull request #{number}",
                   lambda: self._send("POST", url, body={"body": body}, ok=(201,)) is not None,
                   recover=lambda: self._call(f"read comments of #{number}", posted))

    def close_pr(self, number: int, comment: str) -> None:
        self.comment_pr(number, comment)
        known = self.memory.prs.get(str(number))
        if known is not None and known["state"] != "open":
            return
        answer = self._call(f"close pull request #{number}", lambda: self._send(
            "PATCH", f"{self._api}/pulls/{number}", body={"state": "closed"}))
        self._remember(_record(answer.data))
