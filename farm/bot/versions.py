"""Upstream version sources: GitHub releases and tags, a PyPI-style JSON API, a listing page.

A recipe's ``updates`` section names one source and an optional ``pattern`` (a regular
expression whose first group captures the version). Only PEP 440 versions newer than the
recipe's count; pre-releases (by the source's own flag or by PEP 440) are ignored unless
``prereleases: true``. HTTP goes through an injectable function, and so does downloading
the new release to hash it, so tests use a local server and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from packaging.version import InvalidVersion, Version

from farm.errors import FarmError
from farm.pypi import pip_index_url

__all__ = [
    "Download",
    "Endpoints",
    "Found",
    "Http",
    "Response",
    "VersionCheckError",
    "http_get",
    "newest_version",
    "pip_index_api",
    "sha256_of",
    "url_download",
]

DEFAULT_TAG_PATTERN = r"^v?(\d+(?:\.\d+)*)$"
MAX_DOWNLOAD = 4 << 30


class VersionCheckError(FarmError, RuntimeError):
    """An upstream source could not be read; the recipe's check is skipped this run."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


#: (url, extra headers) -> response; must not raise for HTTP error statuses
Http = Callable[[str, Mapping[str, str]], Response]
#: url -> the file's bytes, in chunks
Download = Callable[[str], Iterator[bytes]]


@dataclass(frozen=True)
class Endpoints:
    """Where the sources live: GitHub's REST API and a PyPI-style JSON API (…/pypi/<name>/json)."""

    github_api: str | None = None
    pypi_api: str | None = None
    #: sent only to ``github_api`` (a token from the environment; never logged)
    github_headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)


@dataclass(frozen=True)
class Found:
    version: Version
    source: str


def http_get(timeout: float = 30.0) -> Http:
    def get(url: str, headers: Mapping[str, str]) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": "wheelfarm-bot", **headers})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return Response(r.status, r.read(), MappingProxyType(dict(r.headers.items())))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read(), MappingProxyType(dict(exc.headers.items())))
        except (urllib.error.URLError, OSError) as exc:
            raise VersionCheckError(f"{url}: cannot reach it ({exc})") from None

    return get


def url_download(timeout: float = 60.0) -> Download:
    def download(url: str) -> Iterator[bytes]:
        request = urllib.request.Request(url, headers={"User-Agent": "wheelfarm-bot"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                while block := r.read(1 << 20):
                    yield block
        except (urllib.error.URLError, OSError) as exc:
            raise VersionCheckError(f"{url}: cannot download it ({exc})") from None

    return download


def sha256_of(url: str, download: Download) -> str:
    h = hashlib.sha256()
    size = 0
    for block in download(url):
        size += len(block)
        if size > MAX_DOWNLOAD:
            raise VersionCheckError(f"{url}: larger than {MAX_DOWNLOAD >> 30} GiB; hash it by hand")
        h.update(block)
    if size == 0:
        raise VersionCheckError(f"{url}: the download is empty")
    return h.hexdigest()


def pip_index_api(run: Callable[[list[str]], str] | None = None) -> str | None:
    """The JSON API base of the index pip is configured to use (``…/simple`` -> ``…``), if any."""
    out = pip_index_url(run)
    return re.sub(r"/simple/?$", "", out.rstrip("/")) if out else None


def _get_json(http: Http, url: str, headers: Mapping[str, str]) -> Any:
    r = http(url, headers)
    if r.status == 404:
        raise VersionCheckError(f"{url}: not found (404); check the recipe's updates section")
    if r.status != 200:
        raise VersionCheckError(f"{url}: answered {r.status}; the next run tries again")
    try:
        return json.loads(r.body)
    except ValueError:
        raise VersionCheckError(f"{url}: the answer is not JSON") from None


def _versions(candidates: Iterable[tuple[str, bool]], pattern: str | None, prereleases: bool) -> list[Version]:
    """PEP 440 versions from ``(text, flagged_prerelease)``; ``pattern`` picks and captures."""
    rx = re.compile(pattern) if pattern else None
    out = []
    for text, flagged in candidates:
        if rx is not None:
            m = rx.search(text)
            if not m:
                continue
            text = m.group(1) if m.groups() else m.group(0)
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if (flagged or v.is_prerelease or v.is_devrelease) and not prereleases:
            continue
        out.append(v)
    return out


def _github(repo: str, pattern: str | None, prereleases: bool, http: Http, endpoints: Endpoints) -> tuple[list[Version], str]:
    if not endpoints.github_api:
        raise VersionCheckError("no GitHub API URL configured; pass --github-api or set GITHUB_API_URL")
    base = f"{endpoints.github_api.rstrip('/')}/repos/{repo}"
    headers = {"Accept": "application/vnd.github+json", **endpoints.github_headers}
    releases = _get_json(http, f"{base}/releases?per_page=100", headers)
    found = _versions(((str(r.get("tag_name", "")), bool(r.get("prerelease")))
                       for r in releases if isinstance(r, dict) and not r.get("draft")),
                      pattern or DEFAULT_TAG_PATTERN, prereleases)
    if found:
        return found, f"GitHub releases of {repo}"
    tags = _get_json(http, f"{base}/tags?per_page=100", headers)
    found = _versions(((str(t.get("name", "")), False) for t in tags if isinstance(t, dict)),
                      pattern or DEFAULT_TAG_PATTERN, prereleases)
    return found, f"GitHub tags of {repo}"


def _pypi(project: str, pattern: str | None, prereleases: bool, http: Http, endpoints: Endpoints) -> tuple[list[Version], str]:
    if not endpoints.pypi_api:
        raise VersionCheckError("no package index JSON API configured; pass --pypi-api or configure pip's index-url")
    url = f"{endpoints.pypi_api.rstrip('/')}/pypi/{project}/json"
    data = _get_json(http, url, {"Accept": "application/json"})
    releases = data.get("releases", {}) if isinstance(data, dict) else {}
    live = ((v, False) for v, files in releases.items()
            if isinstance(files, list) and files and not all(f.get("yanked") for f in files if isinstance(f, dict)))
    return _versions(live, pattern, prereleases), f"{project} on the package index"


def _listing(url: str, pattern: str | None, prereleases: bool, http: Http) -> tuple[list[Version], str]:
    if not pattern:
        raise VersionCheckError(f"updates.url {url} needs a pattern whose first group captures the version")
    r = http(url, {})
    if r.status != 200:
        raise VersionCheckError(f"{url}: answered {r.status}; the next run tries again")
    text = r.body.decode("utf-8", "replace")
    rx = re.compile(pattern)
    return _versions(((m.group(0), False) for m in rx.finditer(text)), pattern, prereleases), url


def newest_version(updates: Mapping[str, Any], current: str, http: Http, endpoints: Endpoints) -> Found | None:
    """The newest upstream version above ``current``, or None when the recipe is up to date."""
    pattern = updates.get("pattern")
    pre = bool(updates.get("prereleases", False))
    try:
        re.compile(pattern or "")
    except re.error as exc:
        raise VersionCheckError(f"updates.pattern {pattern!r} is not a regular expression ({exc})") from None
    if updates.get("github"):
        found, where = _github(str(updates["github"]), pattern, pre, http, endpoints)
    elif updates.get("pypi"):
        found, where = _pypi(str(updates["pypi"]), pattern, pre, http, endpoints)
    elif updates.get("url"):
        found, where = _listing(str(updates["url"]), pattern, pre, http)
    else:
        raise VersionCheckError("the updates section names no source: add github, pypi or url")
    try:
        have = Version(current)
    except InvalidVersion:
        raise VersionCheckError(f"the recipe's version {current!r} is not a PEP 440 version") from None
    newer = [v for v in found if v > have]
    return Found(max(newer), where) if newer else None
