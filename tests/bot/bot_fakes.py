"""Helpers for the bot's tests: a temporary farm repository, publishing to a local index,
and a fake GitHub REST API on 127.0.0.1 (the fixtures in conftest.py use them)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

REPO = Path(__file__).resolve().parents[2]
#: zlib 1.2.13, SQLite 3.40.1 and libtiff 4.5.0's recipes, fixed for these tests (see its README)
RECIPES = REPO / "tests" / "data" / "bot-farm"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}


def git(repo: Path, *args: str) -> str:
    import os

    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return done.stdout


def synthetic_recipe(name: str, host: list[str], version: str = "1.0.0", number: int = 0,
                     maintainers: tuple[str, ...] = ("wheelfarm/core",), extra: str = "") -> str:
    hosts = "".join(f"\n    - {h}" for h in host)
    return f"""# a synthetic recipe for the bot's tests
schema_version: 1
context:
  version: "{version}"

package:
  name: {name}
  version: ${{{{ version }}}}

source:
  - url: http://127.0.0.1:9/{name}-${{{{ version }}}}.tar.gz
    sha256: "{"0" * 64}"

build:
  number: {number}  # machine-managed
  script: build.sh

requirements:
  build:
    - c-compiler
  host:{hosts if hosts else " []"}

test:
  commands:
    - "true"

about:
  license: MIT
  license_file: LICENSE
  summary: synthetic {name}
{extra}
maintainers:
{"".join(f"  - {m}{chr(10)}" for m in maintainers)}"""


def add_recipe(root: Path, name: str, text: str) -> None:
    folder = root / "recipes" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recipe.yaml").write_text(text, encoding="utf-8")
    (folder / "build.sh").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")


def make_farm(tmp: Path, deeper: bool = True) -> Path:
    """The real recipes (zlib, sqlite, libtiff) in a fresh git repository, the zlib pin one
    release behind its recipe, plus synthetic recipes for a deeper graph:
    tiffutil (zlib, libtiff) -> tiffview (tiffutil only) -> tiffconv (tiffview, zlib)."""
    root = tmp / "farm"
    for name in ("zlib", "sqlite", "libtiff"):
        shutil.copytree(RECIPES / name, root / "recipes" / name)
    shutil.copy2(REPO / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    pins = root / "recipes" / "pins.yaml"
    pins.write_text(re.sub(r'(?m)^  zlib: "[^"]*"$', '  zlib: "1.2.12"', pins.read_text()))
    # zlib follows GitHub releases here (the tests' fake upstream), not Debian's archive
    zlib = root / "recipes" / "zlib" / "recipe.yaml"
    github = 'updates:\n  github: madler/zlib\n  pattern: "^v(\\\\d+\\\\.\\\\d+(?:\\\\.\\\\d+)*)$"\n'
    zlib.write_text(re.sub(r"(?m)^updates:\n(?:  .*\n)+", lambda _: github, zlib.read_text()))
    if deeper:
        add_recipe(root, "tiffutil", synthetic_recipe("tiffutil", ["zlib", "libtiff"]))
        add_recipe(root, "tiffview", synthetic_recipe("tiffview", ["tiffutil"]))
        add_recipe(root, "tiffconv", synthetic_recipe("tiffconv", ["tiffview", "zlib"], maintainers=("alice-gh", "bob-gh")))
    (root / ".gitignore").write_text(".farm/\nindex/\nwheelhouse/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "farm")
    return root


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def publish(index: Path, dist: str, *versions: str, yanked: tuple[str, ...] = ()) -> None:
    """Write a PEP 691 project page the way the index contract describes it."""
    norm = re.sub(r"[-_.]+", "-", dist).lower()
    page = index / "simple" / norm / "index.json"
    files: list[dict[str, Any]] = []
    if page.exists():
        files = json.loads(page.read_text())["files"]
    under = norm.replace("-", "_")
    for v in versions:
        entry: dict[str, Any] = {"filename": f"{under}-{v}-py3-none-manylinux_2_17_x86_64.whl",
                                 "url": f"../../files/{under}-{v}-py3-none-manylinux_2_17_x86_64.whl",
                                 "hashes": {"sha256": hashlib.sha256(v.encode()).hexdigest()}}
        if v in yanked:
            entry["yanked"] = "broken"
        files.append(entry)
    page.parent.mkdir(parents=True, exist_ok=True)
    vs = sorted({f["filename"].split("-")[1] for f in files})
    page.write_text(json.dumps({"meta": {"api-version": "1.1"}, "name": norm, "files": files, "versions": vs}))


# --- a static HTTP server ------------------------------------------------------------------


@dataclass
class Static:
    """Routes path -> (status, headers, body); ``hits`` counts requests per path."""

    url: str = ""
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    seen_headers: list[dict[str, str]] = field(default_factory=list)

    def add(self, path: str, body: bytes | str | Any, status: int = 200, headers: dict[str, str] | None = None) -> str:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        self.routes[path] = (status, headers or {}, body.encode() if isinstance(body, str) else body)
        return self.url + path


# --- a fake GitHub REST API ----------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def blob_sha(text: str) -> str:
    """Git's id of a file's bytes, as GitHub reports it."""
    raw = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


@dataclass
class Fault:
    """Answer the next matching request with ``status``; ``after``: only once the request took effect."""

    method: str
    path: str  # a regular expression on the path
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    after: bool = False
    times: int = 1


class FakeGitHub:
    """Enough of GitHub's REST API for the bot, answering with the documented shapes:
    repository, branches, git refs (matching-refs too), commits and trees, contents (read and
    write), pulls, issues (the listing, labels) and issue comments. Git objects live in
    memory; a tree is a flat path -> text mapping.

    Rate limits are counted as GitHub counts them: every answer counts against the hour's
    5,000 except a 304 to a conditional request (``If-None-Match`` naming the answer's
    ETag). ``counted()`` gives the number; each answer carries ``X-RateLimit-Remaining``."""

    def __init__(self, owner: str = "wheelfarm", name: str = "farm", token: str = "s3cret-token", page_size: int = 2):
        self.owner, self.name, self.token, self.page_size = owner, name, token, page_size
        self.url = ""
        self.trees: dict[str, dict[str, str]] = {}
        self.commits: dict[str, dict[str, Any]] = {}
        self.refs: dict[str, str] = {}
        self.pulls: list[dict[str, Any]] = []
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self.limit = 5000
        #: above this size the contents API leaves a file's content out (GitHub: 1 MB); the blob API has it
        self.contents_limit = 1024 * 1024
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- setup and test helpers ----------------------------------------------------------------
    def seed(self, files: dict[str, str], branch: str = "main", commit: str | None = None) -> str:
        """``files`` as the one commit of ``branch``; ``commit``: its id (a real git commit's, say)."""
        tree = _sha(files)
        self.trees[tree] = dict(files)
        commit = commit or _sha({"tree": tree, "parents": [], "message": "seed"})
        self.commits[commit] = {"tree": tree, "parents": [], "message": "seed"}
        self.refs[f"heads/{branch}"] = commit
        return commit

    def files(self, ref: str) -> dict[str, str]:
        return dict(self.trees[self.commits[self.refs[f"heads/{ref}"]]["tree"]])

    def merge(self, number: int) -> dict[str, str]:
        """Merge PR ``number`` into its base (the head's files win); returns the base's new files."""
        pr = self.pulls[number - 1]
        head = self.files(pr["head"]["ref"])
        base_ref = f"heads/{pr['base']['ref']}"
        tree = _sha(head)
        self.trees[tree] = head
        commit = _sha({"tree": tree, "parents": [self.refs[base_ref]], "message": f"merge #{number}"})
        self.commits[commit] = {"tree": tree, "parents": [self.refs[base_ref], pr["head"]["sha"]],
                                "message": f"merge #{number}"}
        self.refs[base_ref] = commit
        pr.update(state="closed", merged_at=_now(), closed_at=_now(), merge_commit_sha=commit, updated_at=_now())
        return head

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p, _ in self.log if m == method and re.fullmatch(pattern, p))

    def counted(self) -> int:
        """Calls that count against the rate limit: every answer but a 304."""
        return sum(1 for _, _, status in self.log if status != 304)

    # -- shapes ----------------------------------------------------------------------------------
    def _api(self, *parts: object) -> str:
        return "/".join([self.url, *(str(p) for p in parts)])

    def user(self, login: str = "wheelfarm-bot") -> dict[str, Any]:
        base = self._api("users", login)
        return {"login": login, "id": 1, "node_id": "U_1", "avatar_url": "", "gravatar_id": "", "url": base,
                "html_url": f"{self.url}/{login}", "followers_url": f"{base}/followers",
                "following_url": f"{base}/following{{/other_user}}", "gists_url": f"{base}/gists{{/gist_id}}",
                "starred_url": f"{base}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{base}/subscriptions",
                "organizations_url": f"{base}/orgs", "repos_url": f"{base}/repos",
                "events_url": f"{base}/events{{/privacy}}", "received_events_url": f"{base}/received_events",
                "type": "User", "site_admin": False}

    def repo_json(self, full: bool = True) -> dict[str, Any]:
        r = self._api("repos", self.owner, self.name)
        out: dict[str, Any] = {
            "id": 42, "node_id": "R_42", "name": self.name, "full_name": f"{self.owner}/{self.name}",
            "owner": self.user(self.owner), "private": False, "html_url": f"{self.url}/{self.owner}/{self.name}",
            "description": "recipes", "fork": False, "url": r,
            "archive_url": f"{r}/{{archive_format}}{{/ref}}", "assignees_url": f"{r}/assignees{{/user}}",
            "blobs_url": f"{r}/git/blobs{{/sha}}", "branches_url": f"{r}/branches{{/branch}}",
            "collaborators_url": f"{r}/collaborators{{/collaborator}}", "comments_url": f"{r}/comments{{/number}}",
            "commits_url": f"{r}/commits{{/sha}}", "compare_url": f"{r}/compare/{{base}}...{{head}}",
            "contents_url": f"{r}/contents/{{+path}}", "contributors_url": f"{r}/contributors",
            "deployments_url": f"{r}/deployments", "downloads_url": f"{r}/downloads", "events_url": f"{r}/events",
            "forks_url": f"{r}/forks", "git_commits_url": f"{r}/git/commits{{/sha}}",
            "git_refs_url": f"{r}/git/refs{{/sha}}", "git_tags_url": f"{r}/git/tags{{/sha}}",
            "hooks_url": f"{r}/hooks", "issue_comment_url": f"{r}/issues/comments{{/number}}",
            "issue_events_url": f"{r}/issues/events{{/number}}", "issues_url": f"{r}/issues{{/number}}",
            "keys_url": f"{r}/keys{{/key_id}}", "labels_url": f"{r}/labels{{/name}}",
            "languages_url": f"{r}/languages", "merges_url": f"{r}/merges",
            "milestones_url": f"{r}/milestones{{/number}}",
            "notifications_url": f"{r}/notifications{{?since,all,participating}}", "pulls_url": f"{r}/pulls{{/number}}",
            "releases_url": f"{r}/releases{{/id}}", "stargazers_url": f"{r}/stargazers",
            "statuses_url": f"{r}/statuses/{{sha}}", "subscribers_url": f"{r}/subscribers",
            "subscription_url": f"{r}/subscription", "tags_url": f"{r}/tags", "teams_url": f"{r}/teams",
            "trees_url": f"{r}/git/trees{{/sha}}",
        }
        if full:
            out.update({
                "archived": False, "clone_url": f"{self.url}/{self.owner}/{self.name}.git", "created_at": "2026-01-01T00:00:00Z",
                "default_branch": "main", "forks_count": 0, "git_url": f"git://example.invalid/{self.owner}/{self.name}.git",
                "has_downloads": True, "has_issues": True, "has_pages": False, "has_projects": True, "has_wiki": False,
                "homepage": None, "language": "Python", "mirror_url": None, "network_count": 0, "open_issues_count": 0,
                "pushed_at": "2026-01-01T00:00:00Z", "size": 1, "ssh_url": f"git@example.invalid:{self.owner}/{self.name}.git",
                "stargazers_count": 0, "subscribers_count": 0, "svn_url": f"{self.url}/{self.owner}/{self.name}",
                "updated_at": "2026-01-01T00:00:00Z", "watchers_count": 0, "visibility": "public",
                "permissions": {"admin": False, "push": True, "pull": True},
            })
        return out

    def ref_json(self, ref: str) -> dict[str, Any]:
        sha = self.refs[ref]
        return {"ref": f"refs/{ref}", "node_id": "REF_1", "url": self._api("repos", self.owner, self.name, "git", "refs", ref),
                "object": {"type": "commit", "sha": sha, "url": self._api("repos", self.owner, self.name, "git", "commits", sha)}}

    def commit_json(self, sha: str) -> dict[str, Any]:
        c = self.commits[sha]
        who = {"name": "wheelfarm-bot", "email": "bot@wheelfarm.invalid", "date": "2026-01-01T00:00:00Z"}
        r = self._api("repos", self.owner, self.name, "git")
        return {"sha": sha, "node_id": "C_1", "url": f"{r}/commits/{sha}", "html_url": f"{self.url}/commit/{sha}",
                "author": who, "committer": who, "message": c["message"],
                "tree": {"sha": c["tree"], "url": f"{r}/trees/{c['tree']}"},
                "parents": [{"sha": p, "url": f"{r}/commits/{p}", "html_url": f"{self.url}/commit/{p}"} for p in c["parents"]],
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None}}

    def tree_json(self, sha: str) -> dict[str, Any]:
        r = self._api("repos", self.owner, self.name, "git")
        return {"sha": sha, "url": f"{r}/trees/{sha}", "truncated": False,
                "tree": [{"path": p, "mode": "100644", "type": "blob", "sha": hashlib.sha1(t.encode()).hexdigest(),
                          "size": len(t), "url": f"{r}/blobs/x"} for p, t in sorted(self.trees[sha].items())]}

    def pr_json(self, pr: dict[str, Any], full: bool = False) -> dict[str, Any]:
        n = pr["number"]
        r = self._api("repos", self.owner, self.name)
        side = lambda d: {"label": f"{self.owner}:{d['ref']}", "ref": d["ref"], "sha": d["sha"],  # noqa: E731
                          "user": self.user(self.owner), "repo": self.repo_json(full=False)}
        out = {
            "url": f"{r}/pulls/{n}", "id": 1000 + n, "node_id": f"PR_{n}", "html_url": f"{self.url}/{self.owner}/{self.name}/pull/{n}",
            "diff_url": f"{self.url}/pull/{n}.diff", "patch_url": f"{self.url}/pull/{n}.patch", "issue_url": f"{r}/issues/{n}",
            "commits_url": f"{r}/pulls/{n}/commits", "review_comments_url": f"{r}/pulls/{n}/comments",
            "review_comment_url": f"{r}/pulls/comments{{/number}}", "comments_url": f"{r}/issues/{n}/comments",
            "statuses_url": f"{r}/statuses/{pr['head']['sha']}", "number": n, "state": pr["state"], "locked": False,
            "title": pr["title"], "user": self.user(), "body": pr["body"], "body_html": None, "body_text": None,
            "labels": [self.label_json(x) for x in pr.get("labels", [])], "milestone": None, "active_lock_reason": None, "created_at": pr["created_at"],
            "updated_at": pr["updated_at"], "closed_at": pr["closed_at"], "merged_at": pr["merged_at"],
            "merge_commit_sha": pr["merge_commit_sha"], "assignee": None, "assignees": [], "requested_reviewers": [],
            "requested_teams": [], "head": side(pr["head"]), "base": side(pr["base"]),
            "_links": {"self": {"href": f"{r}/pulls/{n}"}, "html": {"href": f"{self.url}/pull/{n}"},
                       "issue": {"href": f"{r}/issues/{n}"}, "comments": {"href": f"{r}/issues/{n}/comments"},
                       "review_comments": {"href": f"{r}/pulls/{n}/comments"},
                       "review_comment": {"href": f"{r}/pulls/comments{{/number}}"},
                       "commits": {"href": f"{r}/pulls/{n}/commits"}, "statuses": {"href": f"{r}/statuses/x"}},
            "author_association": "NONE", "auto_merge": None, "draft": False,
        }
        if full:
            out.update({"merged": pr["merged_at"] is not None, "mergeable": True, "rebaseable": True,
                        "mergeable_state": "clean", "merged_by": None, "comments": len(self.comments.get(n, [])),
                        "review_comments": 0, "maintainer_can_modify": False, "commits": 1, "additions": 1,
                        "deletions": 1, "changed_files": 1})
        return out

    def label_json(self, name: str) -> dict[str, Any]:
        return {"id": 7, "node_id": "LA_7", "url": self._api("repos", self.owner, self.name, "labels", name),
                "name": name, "color": "ededed", "default": False, "description": None}

    def issue_json(self, pr: dict[str, Any]) -> dict[str, Any]:
        """A PR as the issues API lists it: no head or base, a ``pull_request`` link with ``merged_at``."""
        n = pr["number"]
        r = self._api("repos", self.owner, self.name)
        return {"url": f"{r}/issues/{n}", "repository_url": r, "labels_url": f"{r}/issues/{n}/labels{{/name}}",
                "comments_url": f"{r}/issues/{n}/comments", "events_url": f"{r}/issues/{n}/events",
                "html_url": f"{self.url}/{self.owner}/{self.name}/pull/{n}", "id": 1000 + n, "node_id": f"I_{n}",
                "number": n, "title": pr["title"], "user": self.user(),
                "labels": [self.label_json(x) for x in pr.get("labels", [])], "state": pr["state"], "locked": False,
                "assignee": None, "assignees": [], "milestone": None, "comments": len(self.comments.get(n, [])),
                "created_at": pr["created_at"], "updated_at": pr["updated_at"], "closed_at": pr["closed_at"],
                "author_association": "NONE", "active_lock_reason": None, "body": pr["body"],
                "pull_request": {"url": f"{r}/pulls/{n}", "html_url": f"{self.url}/{self.owner}/{self.name}/pull/{n}",
                                 "diff_url": f"{self.url}/pull/{n}.diff", "patch_url": f"{self.url}/pull/{n}.patch",
                                 "merged_at": pr["merged_at"]}}

    def comment_json(self, number: int, c: dict[str, Any]) -> dict[str, Any]:
        r = self._api("repos", self.owner, self.name, "issues")
        return {"id": c["id"], "node_id": f"IC_{c['id']}", "url": f"{r}/comments/{c['id']}",
                "html_url": f"{self.url}/pull/{number}#issuecomment-{c['id']}", "body": c["body"], "body_html": None,
                "body_text": None, "user": self.user(), "created_at": c["at"], "updated_at": c["at"],
                "issue_url": f"{r}/{number}", "author_association": "NONE"}

    # -- dispatch -----------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, body: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        split = urlsplit(raw_path)
        path, query = unquote(split.path), {k: v[0] for k, v in parse_qs(split.query).items()}
        if headers.get("authorization", "") not in (f"token {self.token}", f"Bearer {self.token}"):
            return 401, {}, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path) and not fault.after:
                fault.times -= 1
                return fault.status, fault.headers, {"message": fault.message}
        status, out_headers, out = self.route(method, path, query, body)
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path) and fault.after:
                fault.times -= 1
                return fault.status, fault.headers, {"message": fault.message}
        return status, out_headers, out

    def _page(self, path: str, query: dict[str, str], items: list[Any],
              shape: Callable[[Any], Any] | None = None) -> tuple[int, dict[str, str], Any]:
        per_page = min(int(query.get("per_page", "30")), self.page_size)
        page = int(query.get("page", "1"))
        chunk = [shape(x) if shape else x for x in items[(page - 1) * per_page: page * per_page]]
        links = []
        last = max(1, -(-len(items) // per_page))
        params = {k: v for k, v in query.items() if k != "page"}
        def link(p: int, rel: str) -> str:
            q = "&".join(f"{k}={v}" for k, v in {**params, "page": str(p)}.items())
            return f'<{self.url}{path}?{q}>; rel="{rel}"'
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return 200, ({"Link": ", ".join(links)} if links else {}), chunk

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        prefix = f"/repos/{self.owner}/{self.name}"
        not_found = (404, {}, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        if not path.startswith(prefix):
            return not_found
        rest = path[len(prefix):]
        with self.lock:
            if method == "GET" and rest == "":
                return 200, {}, self.repo_json()
            if method == "GET" and rest == "/branches":
                items = [{"name": ref[6:], "commit": {"sha": sha, "url": self._api("repos", self.owner, self.name, "commits", sha)},
                          "protected": False} for ref, sha in sorted(self.refs.items())]
                return self._page(path, query, items)
            if m := re.fullmatch(r"/git/ref/(heads/.+)", rest):
                return (200, {}, self.ref_json(m.group(1))) if method == "GET" and m.group(1) in self.refs else not_found
            if method == "POST" and rest == "/git/refs":
                ref = body["ref"].removeprefix("refs/")
                if ref in self.refs:
                    return 422, {}, {"message": "Reference already exists"}
                self.refs[ref] = body["sha"]
                return 201, {}, self.ref_json(ref)
            if method == "PATCH" and (m := re.fullmatch(r"/git/refs/(heads/.+)", rest)):
                self.refs[m.group(1)] = body["sha"]
                return 200, {}, self.ref_json(m.group(1))
            if method == "GET" and (m := re.fullmatch(r"/git/commits/([0-9a-f]+)", rest)):
                return (200, {}, self.commit_json(m.group(1))) if m.group(1) in self.commits else not_found
            if method == "POST" and rest == "/git/trees":
                files = dict(self.trees[body["base_tree"]]) if body.get("base_tree") else {}
                for entry in body["tree"]:
                    if "content" in entry:
                        files[entry["path"]] = entry["content"]
                    elif entry.get("sha") is None:
                        files.pop(entry["path"], None)
                sha = _sha(files)
                self.trees[sha] = files
                return 201, {}, self.tree_json(sha)
            if method == "POST" and rest == "/git/commits":
                c = {"tree": body["tree"], "parents": body["parents"], "message": body["message"]}
                sha = _sha(c)
                self.commits[sha] = c
                return 201, {}, self.commit_json(sha)
            if method == "GET" and (m := re.fullmatch(r"/contents/(.+)", rest)):
                ref = query.get("ref", "main")
                commit = self.refs.get(f"heads/{ref}", ref)
                files = self.trees[self.commits[commit]["tree"]] if commit in self.commits else {}
                text = files.get(m.group(1))
                if text is None:
                    return not_found
                raw = text.encode()
                r = self._api("repos", self.owner, self.name, "contents", m.group(1))
                big = len(raw) > self.contents_limit
                return 200, {}, {"type": "file", "encoding": "none" if big else "base64", "size": len(raw),
                                 "name": m.group(1).rsplit("/", 1)[-1], "path": m.group(1),
                                 "content": "" if big else base64.b64encode(raw).decode(), "sha": blob_sha(text),
                                 "url": r, "git_url": r, "html_url": r, "download_url": r,
                                 "_links": {"self": r, "git": r, "html": r}}
            if method == "GET" and rest == "/pulls":
                items = list(reversed(self.pulls))  # newest first, as GitHub sorts
                if query.get("sort") == "updated":
                    items.sort(key=lambda p: p["updated_at"], reverse=query.get("direction", "desc") == "desc")
                if query.get("state", "open") != "all":
                    items = [p for p in items if p["state"] == query.get("state", "open")]
                if "head" in query:
                    items = [p for p in items if f"{self.owner}:{p['head']['ref']}" == query["head"]]
                return self._page(path, query, items, self.pr_json)
            if method == "POST" and rest == "/pulls":
                if not any(r == f"heads/{body['head']}" for r in self.refs):
                    return 422, {}, {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]}
                if any(p["head"]["ref"] == body["head"] and p["state"] == "open" for p in self.pulls):
                    return 422, {}, {"message": "Validation Failed",
                                     "errors": [{"message": f"A pull request already exists for {self.owner}:{body['head']}."}]}
                n = len(self.pulls) + 1
                pr = {"number": n, "title": body["title"], "body": body.get("body"), "state": "open",
                      "head": {"ref": body["head"], "sha": self.refs[f"heads/{body['head']}"]},
                      "base": {"ref": body["base"], "sha": self.refs[f"heads/{body['base']}"]},
                      "created_at": _now(), "updated_at": _now(), "closed_at": None, "merged_at": None,
                      "merge_commit_sha": None, "labels": []}
                self.pulls.append(pr)
                return 201, {}, self.pr_json(pr)
            if m := re.fullmatch(r"/pulls/(\d+)", rest):
                n = int(m.group(1))
                if n > len(self.pulls):
                    return not_found
                pr = self.pulls[n - 1]
                if method == "PATCH":
                    for key in ("title", "body", "state"):
                        if key in body:
                            pr[key] = body[key]
                    if body.get("state") == "closed":
                        pr["closed_at"] = _now()
                    pr["head"]["sha"] = self.refs.get(f"heads/{pr['head']['ref']}", pr["head"]["sha"])
                    pr["updated_at"] = _now()
                return 200, {}, self.pr_json(pr, full=True)
            if method == "GET" and rest == "/issues":
                items = [p for p in self.pulls if query.get("state", "open") in ("all", p["state"])]
                wanted = {x for x in query.get("labels", "").split(",") if x}
                items = [p for p in items if wanted <= set(p.get("labels", []))]
                if "since" in query and query["since"]:
                    items = [p for p in items if p["updated_at"] >= query["since"]]
                key = "updated_at" if query.get("sort") == "updated" else "created_at"
                items.sort(key=lambda p: (p[key], p["number"]), reverse=query.get("direction", "desc") == "desc")
                return self._page(path, query, items, self.issue_json)
            if method == "POST" and (m := re.fullmatch(r"/issues/(\d+)/labels", rest)):
                n = int(m.group(1))
                if n > len(self.pulls):
                    return not_found
                pr = self.pulls[n - 1]
                for name in body["labels"]:
                    if name not in pr["labels"]:
                        pr["labels"].append(name)
                        pr["updated_at"] = _now()
                return 200, {}, [self.label_json(x) for x in pr["labels"]]
            if method == "GET" and (m := re.fullmatch(r"/git/blobs/([0-9a-f]{40})", rest)):
                for files in self.trees.values():
                    for text in files.values():
                        if blob_sha(text) == m.group(1):
                            return 200, {}, {"sha": m.group(1), "size": len(text.encode()), "encoding": "base64",
                                             "content": base64.b64encode(text.encode()).decode(), "node_id": "B_1",
                                             "url": self._api("repos", self.owner, self.name, "git", "blobs", m.group(1))}
                return not_found
            if method == "GET" and (m := re.fullmatch(r"/git/matching-refs/(.+)", rest)):
                return 200, {}, [self.ref_json(r) for r in sorted(self.refs) if r.startswith(m.group(1))]
            if method == "PUT" and (m := re.fullmatch(r"/contents/(.+)", rest)):
                return self._put_contents(m.group(1), body)
            if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
                n = int(m.group(1))
                found = self.comments.setdefault(n, [])
                if method == "POST":
                    c = {"id": 5000 + sum(len(v) for v in self.comments.values()), "body": body["body"], "at": _now()}
                    found.append(c)
                    if n <= len(self.pulls):
                        self.pulls[n - 1]["updated_at"] = _now()
                    return 201, {}, self.comment_json(n, c)
                return self._page(path, query, [self.comment_json(n, c) for c in found])
        return not_found

    def _put_contents(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """Create or update one file with a commit on ``branch``, as GitHub's contents API does."""
        ref = f"heads/{body.get('branch') or 'main'}"
        if ref not in self.refs:
            return 404, {}, {"message": f"Branch {body.get('branch')} not found"}
        parent = self.refs[ref]
        files = dict(self.trees[self.commits[parent]["tree"]])
        if path in files and body.get("sha") != blob_sha(files[path]):
            if "sha" not in body:
                return 422, {}, {"message": "Invalid request.\n\n\"sha\" wasn't supplied."}
            return 409, {}, {"message": f"{path} does not match {body.get('sha')}"}
        text = base64.b64decode(body["content"]).decode()
        files[path] = text
        tree = _sha(files)
        self.trees[tree] = files
        c = {"tree": tree, "parents": [parent], "message": body["message"]}
        commit = _sha(c)
        self.commits[commit] = c
        self.refs[ref] = commit
        r = self._api("repos", self.owner, self.name, "contents", path)
        return 201 if path not in self.trees[self.commits[parent]["tree"]] else 200, {}, {
            "content": {"name": path.rsplit("/", 1)[-1], "path": path, "sha": blob_sha(text), "size": len(text.encode()),
                        "url": r, "html_url": r, "git_url": r, "download_url": r, "type": "file",
                        "_links": {"self": r, "git": r, "html": r}},
            "commit": self.commit_json(commit)}

    # -- the server ----------------------------------------------------------------------------------
    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                asked = {k.lower(): v for k, v in self.headers.items()}
                status, headers, out = fake.handle(method, self.path, body, asked)
                data = json.dumps(out).encode()
                if method == "GET" and status == 200:
                    etag = f'W/"{hashlib.sha1(data).hexdigest()}"'
                    headers = {**headers, "ETag": etag}
                    if asked.get("if-none-match") == etag:
                        status, data = 304, b""
                with fake.lock:
                    fake.log.append((method, urlsplit(self.path).path, status))
                    remaining = fake.limit - fake.counted()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("X-RateLimit-Limit", str(fake.limit))
                if "X-RateLimit-Remaining" not in headers:
                    self.send_header("X-RateLimit-Remaining", str(max(0, remaining)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def do_PATCH(self) -> None:  # noqa: N802
                self._serve("PATCH")

            def do_PUT(self) -> None:  # noqa: N802
                self._serve("PUT")

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# --- a fake Debian source archive ----------------------------------------------------------


@dataclass
class FakeArchive:
    """Debian's source archive as :class:`farm.debian.SourceArchive` sees it: per suite, each
    source package's versions; per version the files its ``.dsc`` lists, and which of them
    the mirror lacks."""

    listed: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    #: (package, version) whose index names a sha256 its orig tarball does not have
    corrupt: set[tuple[str, str]] = field(default_factory=set)
    #: file names the mirror does not have (listed in the index, 404 in the pool)
    missing: set[str] = field(default_factory=set)
    unreachable: set[str] = field(default_factory=set)
    fetched: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, suite: str, package: str, version: str, files: dict[str, bytes] | None = None) -> None:
        self.listed.setdefault((suite, package), []).append(version)
        if files is not None:
            self.files[(package, version)] = files

    def versions(self, package: str, suite: str) -> tuple[str, ...]:
        from farm.debian import DebianError

        if suite in self.unreachable:
            raise DebianError(f"apt-get update for source packages failed: {suite} is not on the mirror")
        return tuple(self.listed.get((suite, package), []))

    def _dsc(self, package: str, version: str) -> tuple[str, str]:
        files = self.files.get((package, version), {})
        lines = []
        for name, data in files.items():
            digest = hashlib.sha256(b"tampered" if (package, version) in self.corrupt else data).hexdigest()
            lines.append(f" {digest} {len(data)} {name}")
        upstream = version.split(":", 1)[-1].rsplit("-", 1)[0]
        text = (f"Format: 3.0 (quilt)\nSource: {package}\nVersion: {version}\nChecksums-Sha256:\n"
                + "\n".join(lines) + "\n")
        return f"{package}_{upstream}-1.dsc", text

    def record(self, package: str, version: str, suite: str) -> str:
        from farm.debian import DebianError

        if (package, version) not in self.files or version not in self.listed.get((suite, package), []):
            raise DebianError(f"the source index lists no {package} {version}")
        name, text = self._dsc(package, version)
        digest = hashlib.sha256(text.encode()).hexdigest()
        return text.replace("Checksums-Sha256:\n", f"Checksums-Sha256:\n {digest} {len(text)} {name}\n")

    def fetch(self, package: str, version: str, suite: str, dest: Path) -> tuple[Path, ...]:
        from farm.debian import DebianError

        self.fetched.append((package, version, suite))
        name, text = self._dsc(package, version)
        files = {name: ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + text +
                        "\n-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n").encode(),
                 **self.files.get((package, version), {})}
        dest.mkdir(parents=True, exist_ok=True)
        got = []
        for file, data in files.items():
            if file not in self.missing:
                (dest / file).write_bytes(data)
                got.append(dest / file)
        if not got:
            raise DebianError(f"apt-get source {package}={version} provided nothing (E: Failed to fetch some archives.)")
        return tuple(got)
