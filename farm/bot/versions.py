"""Upstream version sources: GitHub releases and tags, a PyPI-style JSON API, a listing page,
Debian's source archive.

A recipe's ``updates`` section names one source and an optional ``pattern`` (a regular
expression whose first group captures the version). Only PEP 440 versions newer than the
recipe's count; pre-releases (by the source's own flag or by PEP 440) are ignored unless
``prereleases: true``. HTTP goes through an injectable function, and so does downloading
the new release to hash it, so tests use a local server and nothing else.

``debian: <source package>`` with ``suites: [bookworm, trixie, forky]`` reads each suite's
source index through a :class:`farm.debian.SourceArchive` (the machine's own apt
configuration; tests pass a fake). Each Debian version becomes upstream's (epoch, revision
and repack suffix dropped, ``~rc`` a pre-release); the newest across the suites wins, the
earlier suite on a tie. There ``pattern`` is a filter: the upstream version must match it
(``^3\\.0\\.`` holds a recipe to OpenSSL's 3.0 series). :func:`debian_orig` then downloads
the winner's ``.dsc`` and orig tarball and checks the tarball against the ``.dsc``'s sha256.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.version import InvalidVersion, Version

from farm.debian import (
    DebianError,
    DebianVersion,
    SourceArchive,
    debian_newer,
    dsc_files,
    orig_tarball,
    upstream_version,
)
from farm.errors import FarmError
from farm.pypi import pip_index_url

__all__ = [
    "DebianOrig",
    "DebianRelease",
    "Download",
    "Endpoints",
    "Found",
    "Http",
    "Response",
    "VersionCheckError",
    "debian_orig",
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
class DebianRelease:
    """The Debian source package version a ``debian`` source found, and the suite that has it."""

    package: str
    suite: str
    version: DebianVersion


@dataclass(frozen=True)
class Found:
    version: Version
    source: str
    #: set by the ``debian`` source: where the bump takes its orig tarball from
    debian: DebianRelease | None = None
    #: every Debian release newer than the recipe, best first (``debian`` is the first)
    candidates: tuple[DebianRelease, ...] = ()
    #: set by the ``pypi`` source: the release's Requires-Python (its sdist's, else any file's)
    requires_python: str | None = None


@dataclass(frozen=True)
class DebianOrig:
    """A Debian release's orig tarball, its sha256 from the ``.dsc``, checked by hashing the download."""

    package: str
    suite: str
    debian_version: str
    file: str
    sha256: str
    #: Debian repacked upstream's release (``+dfsg``): upstream's tarball is another file
    repacked: bool
    #: upstream's version of this release (PEP 440)
    upstream: str
    #: newer releases passed over because the mirror lacks their files, each with why
    skipped: tuple[str, ...] = ()


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


def _requires_python(files: list[Any]) -> str | None:
    """A release's Requires-Python from its files' records: the sdist's, else the first file's that has one."""
    records = [f for f in files if isinstance(f, dict) and not f.get("yanked")]
    for f in sorted(records, key=lambda f: f.get("packagetype") != "sdist"):
        value = f.get("requires_python")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _pypi(project: str, pattern: str | None, prereleases: bool, http: Http,
          endpoints: Endpoints) -> tuple[list[Version], str, dict[Version, str]]:
    """The project's live releases, where they were found, and each one's Requires-Python."""
    if not endpoints.pypi_api:
        raise VersionCheckError("no package index JSON API configured; pass --pypi-api or configure pip's index-url")
    url = f"{endpoints.pypi_api.rstrip('/')}/pypi/{project}/json"
    data = _get_json(http, url, {"Accept": "application/json"})
    releases = data.get("releases", {}) if isinstance(data, dict) else {}
    live = {v: files for v, files in releases.items()
            if isinstance(files, list) and files and not all(f.get("yanked") for f in files if isinstance(f, dict))}
    found = _versions(((v, False) for v in live), pattern, prereleases)
    requires: dict[Version, str] = {}
    for text, files in live.items():
        value = _requires_python(files)
        try:
            if value is not None:
                requires[Version(text)] = value
        except InvalidVersion:
            continue
    return found, f"{project} on the package index", requires


def _listing(url: str, pattern: str | None, prereleases: bool, http: Http) -> tuple[list[Version], str]:
    if not pattern:
        raise VersionCheckError(f"updates.url {url} needs a pattern whose first group captures the version")
    r = http(url, {})
    if r.status != 200:
        raise VersionCheckError(f"{url}: answered {r.status}; the next run tries again")
    text = r.body.decode("utf-8", "replace")
    rx = re.compile(pattern)
    return _versions(((m.group(0), False) for m in rx.finditer(text)), pattern, prereleases), url


def _debian(package: str, suites: list[str], pattern: str | None, prereleases: bool,
            archive: SourceArchive | None) -> tuple[list[tuple[Version, DebianRelease]], str]:
    if archive is None:
        raise VersionCheckError("no Debian source archive configured for the bot")
    if not suites:
        raise VersionCheckError(f"updates.debian {package} needs suites: the Debian releases to read, in order")
    rx = re.compile(pattern) if pattern else None
    found: list[tuple[Version, DebianRelease]] = []
    failures: list[str] = []
    seen = False
    for suite in suites:
        try:
            listed = archive.versions(package, suite)
        except DebianError as exc:
            failures.append(f"{suite}: {exc}")
            continue
        seen = seen or bool(listed)
        best: dict[Version, DebianRelease] = {}
        for text in listed:
            dv = upstream_version(text)
            if (dv.prerelease and not prereleases) or (rx is not None and not rx.search(dv.upstream)):
                continue
            try:
                v = Version(dv.upstream)
            except InvalidVersion:
                continue
            if (v.is_prerelease or v.is_devrelease) and not prereleases:
                continue
            if v not in best or debian_newer(text, best[v].version.debian):
                best[v] = DebianRelease(package, suite, dv)
        found.extend(best.items())
    if failures and len(failures) == len(suites):
        raise VersionCheckError(f"Debian source package {package}: no suite answered ({'; '.join(failures)})")
    if not seen and not failures:
        raise VersionCheckError(f"no suite of {', '.join(suites)} has a source package {package!r}; check "
                                "updates.debian (the source package's name, not a binary package's)")
    return found, f"Debian source package {package} ({', '.join(suites)})"


def _orig_of(release: DebianRelease, archive: SourceArchive) -> DebianOrig:
    spec = f"{release.package} {release.version.debian} ({release.suite})"
    try:
        files = dsc_files(archive.record(release.package, release.version.debian, release.suite))
    except DebianError as exc:
        raise VersionCheckError(f"{spec}: {exc}") from None
    orig = orig_tarball(files)
    if orig is None:
        raise VersionCheckError(f"{spec}: its .dsc lists no orig tarball (a native package?)")
    with tempfile.TemporaryDirectory(prefix="farm-bot-dsc-") as tmp:
        try:
            got = {p.name: p for p in archive.fetch(release.package, release.version.debian, release.suite, Path(tmp))}
        except DebianError as exc:
            raise VersionCheckError(f"{spec}: {exc}") from None
        dsc = next((p for name, p in got.items() if name.endswith(".dsc")), None)
        if dsc is not None:  # the .dsc, where the mirror has it, must say what the index says
            said = dsc_files(dsc.read_text(encoding="utf-8", errors="replace")).get(orig)
            if said != files[orig]:
                raise VersionCheckError(f"{spec}: its .dsc gives {orig} the sha256 {said}, the source index "
                                        f"{files[orig]}")
        if orig not in got:
            raise VersionCheckError(f"{spec}: the mirror does not have {orig}")
        digest = sha256_of(got[orig].as_uri(), lambda _: _chunks(got[orig]))
        if digest != files[orig]:
            raise VersionCheckError(f"{spec}: {orig} hashes to {digest}, but its .dsc says {files[orig]}")
    return DebianOrig(release.package, release.suite, release.version.debian, orig, digest,
                      release.version.repacked, release.version.upstream)


def debian_orig(releases: Sequence[DebianRelease], archive: SourceArchive) -> DebianOrig:
    """The orig tarball of the first of ``releases`` (best first) whose files the mirror has.

    Its name and sha256 come from the ``.dsc`` as the suite's signed source index lists it
    (checked against the ``.dsc`` itself where the mirror has that), and the tarball is
    downloaded and hashed. Each release skipped on the way is named in ``skipped``.
    """
    skipped: list[str] = []
    for release in releases:
        try:
            found = _orig_of(release, archive)
        except VersionCheckError as exc:
            skipped.append(str(exc))
            continue
        return replace(found, skipped=tuple(skipped))
    raise VersionCheckError("; ".join(skipped) or "no Debian release to take the orig tarball from")


def _rank(v: Version, all_: Sequence[tuple[Version, DebianRelease]]) -> int:
    """``v``'s place among the versions of ``all_``, ascending (for a descending sort key)."""
    return sorted({x for x, _ in all_}).index(v)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            yield block


def newest_version(updates: Mapping[str, Any], current: str, http: Http, endpoints: Endpoints,
                   archive: SourceArchive | None = None) -> Found | None:
    """The newest upstream version above ``current``, or None when the recipe is up to date."""
    pattern = updates.get("pattern")
    pre = bool(updates.get("prereleases", False))
    try:
        re.compile(pattern or "")
    except re.error as exc:
        raise VersionCheckError(f"updates.pattern {pattern!r} is not a regular expression ({exc})") from None
    requires: dict[Version, str] = {}
    if updates.get("github"):
        found, where = _github(str(updates["github"]), pattern, pre, http, endpoints)
    elif updates.get("pypi"):
        found, where, requires = _pypi(str(updates["pypi"]), pattern, pre, http, endpoints)
    elif updates.get("url"):
        found, where = _listing(str(updates["url"]), pattern, pre, http)
    elif updates.get("debian"):
        releases, where = _debian(str(updates["debian"]), [str(x) for x in updates.get("suites") or []], pattern,
                                  pre, archive)
        try:
            have_d = Version(current)
        except InvalidVersion:
            raise VersionCheckError(f"the recipe's version {current!r} is not a PEP 440 version") from None
        newer_d = [(v, r) for v, r in releases if v > have_d]
        if not newer_d:
            return None
        order = {suite: i for i, suite in enumerate(str(x) for x in updates.get("suites") or [])}
        ranked = tuple(r for _, r in sorted(newer_d, key=lambda vr: (-_rank(vr[0], newer_d), order[vr[1].suite])))
        return Found(Version(ranked[0].version.upstream), f"{where}, in {ranked[0].suite}", ranked[0], ranked)
    else:
        raise VersionCheckError("the updates section names no source: add github, pypi, url or debian")
    try:
        have = Version(current)
    except InvalidVersion:
        raise VersionCheckError(f"the recipe's version {current!r} is not a PEP 440 version") from None
    newer = [v for v in found if v > have]
    if not newer:
        return None
    return Found(max(newer), where, requires_python=requires.get(max(newer)))
