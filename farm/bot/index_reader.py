"""What the package index has published: the only evidence that a rebuild is done.

Reads the index's PEP 691 JSON pages (``<index>/simple/<normalized name>/index.json``)
from a folder or over HTTP. A version counts as published when a wheel file of it is
listed and not yanked; the ``versions`` list alone proves nothing.

A build that failed leaves a record beside the pages, ``<index>/failures/<normalized
name>/<version>.log`` (the build's log, or its end), written by whatever runs the builds
(:func:`record_build_failure`). It is the bot's signal that a merged PR's wheel will not
come: the same index the bot already reads, with no forge API to ask. A published wheel of
that version outweighs the record; publishing removes nothing, so a fixed build needs
only to publish.
"""

from __future__ import annotations

import email.parser
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from farm.errors import FarmError

__all__ = [
    "FAILURES",
    "Fetch",
    "IndexReadError",
    "IndexReader",
    "failure_path",
    "http_fetch",
    "parse_project_page",
    "record_build_failure",
]

#: the folder of the index that holds failed builds' logs
FAILURES = "failures"
#: the most of a log a failure record keeps (its end)
MAX_LOG = 64 * 1024

#: url -> body, or None when the server answers 404
Fetch = Callable[[str], bytes | None]


class IndexReadError(FarmError, ValueError):
    """The index cannot be read; the bot stops rather than guess what is published."""


def http_fetch(timeout: float = 30.0) -> Fetch:
    def fetch(url: str) -> bytes | None:
        request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise IndexReadError(f"{url}: the index answered {exc.code}; try again later") from None
        except (urllib.error.URLError, OSError) as exc:
            raise IndexReadError(f"{url}: cannot reach the index ({exc}); check --index") from None

    return fetch


def parse_project_page(body: bytes, where: str) -> tuple[Version, ...]:
    """The versions with at least one wheel that is not yanked, ascending."""
    try:
        page = json.loads(body)
        files = page["files"]
        if not isinstance(files, list):
            raise TypeError("files is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexReadError(f"{where}: not a PEP 691 project page ({exc}); rebuild the index with 'farm index'") from None
    found: set[Version] = set()
    for entry in files:
        if not isinstance(entry, dict) or entry.get("yanked"):
            continue
        try:
            _, version, _, _ = parse_wheel_filename(str(entry.get("filename", "")))
        except InvalidWheelFilename:
            continue
        found.add(version)
    return tuple(sorted(found))


def failure_path(index: Path, dist: str, version: str) -> Path:
    """Where the record of a failed build of ``dist`` ``version`` lives in the index folder."""
    return index / FAILURES / canonicalize_name(dist) / f"{Version(version)}.log"


def record_build_failure(index: Path, dist: str, version: str, log: str) -> Path:
    """Record that building ``dist`` ``version`` failed, keeping the log's end; replaced atomically."""
    path = failure_path(index, dist, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(log[-MAX_LOG:])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class IndexReader:
    """An index at a folder or an http(s) URL; ``fetch`` is injectable for URLs."""

    location: str
    fetch: Fetch | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def _page(self, dist: str) -> tuple[str, bytes | None]:
        name = canonicalize_name(dist)
        if self.is_url:
            url = f"{self.location.rstrip('/')}/simple/{name}/index.json"
            return url, (self.fetch or http_fetch())(url)
        file = Path(self.location) / "simple" / name / "index.json"
        try:
            return str(file), file.read_bytes()
        except FileNotFoundError:
            return str(file), None
        except OSError as exc:
            raise IndexReadError(f"{file}: cannot read ({exc})") from None

    def versions(self, dist: str) -> tuple[Version, ...]:
        where, body = self._page(dist)
        return () if body is None else parse_project_page(body, where)

    def requires(self, dist: str, version: Version) -> tuple[str, ...] | None:
        """The ``Requires-Dist`` lines of a published wheel of ``dist`` ``version`` (its PEP 658
        metadata file), or None when no wheel of that version lists one."""
        where, body = self._page(dist)
        if body is None:
            return None
        try:
            files = json.loads(body)["files"]
        except (ValueError, KeyError, TypeError):
            return None
        for entry in files if isinstance(files, list) else []:
            if not isinstance(entry, dict) or entry.get("yanked") or not entry.get("core-metadata"):
                continue
            try:
                _, found, _, _ = parse_wheel_filename(str(entry.get("filename", "")))
            except InvalidWheelFilename:
                continue
            if found != version:
                continue
            url = urllib.parse.urljoin(where if self.is_url else Path(where).as_uri(), str(entry["url"])) + ".metadata"
            text = self._get(url)
            if text is None:
                continue
            parsed = email.parser.HeaderParser().parsestr(text.decode("utf-8", "replace"))
            return tuple(str(x) for x in parsed.get_all("Requires-Dist") or ())
        return None

    def _get(self, url: str) -> bytes | None:
        if self.is_url:
            return (self.fetch or http_fetch())(url)
        try:
            return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path)).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexReadError(f"{url}: cannot read ({exc})") from None

    def failure(self, dist: str, version: Version) -> str | None:
        """The log of a failed build of ``dist`` ``version``, if the index holds a failure record."""
        name = canonicalize_name(dist)
        if self.is_url:
            body = (self.fetch or http_fetch())(f"{self.location.rstrip('/')}/{FAILURES}/{name}/{version}.log")
            return None if body is None else body.decode("utf-8", "replace")
        file = failure_path(Path(self.location), dist, str(version))
        try:
            return file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexReadError(f"{file}: cannot read ({exc})") from None

    def newest(self, dists: Iterable[str]) -> dict[str, Version]:
        """The newest published version of each distribution that has one (keys as given)."""
        out: dict[str, Version] = {}
        for dist in dict.fromkeys(dists):
            found = self.versions(dist)
            if found:
                out[dist] = found[-1]
        return out
