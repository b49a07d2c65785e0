"""What the package index has published: the only evidence that a rebuild is done.

Reads the index's PEP 691 JSON pages (``<index>/simple/<normalized name>/index.json``)
from a folder or over HTTP. A version counts as published when a wheel file of it is
listed and not yanked; the ``versions`` list alone proves nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from farm.errors import FarmError

__all__ = ["Fetch", "IndexReadError", "IndexReader", "http_fetch", "parse_project_page"]

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

    def newest(self, dists: Iterable[str]) -> dict[str, Version]:
        """The newest published version of each distribution that has one (keys as given)."""
        out: dict[str, Version] = {}
        for dist in dict.fromkeys(dists):
            found = self.versions(dist)
            if found:
                out[dist] = found[-1]
        return out
