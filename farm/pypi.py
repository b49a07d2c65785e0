"""Files of projects on the package index pip is configured to use, through its simple API.

A recipe names an sdist by project and file name (``pypi: {name: shapely, file:
shapely-2.2.0.tar.gz}``) and its sha256, never by a host: the index is whatever pip on
this machine is configured with (``pip config get global.index-url``), else pip's default.
The file's URL is read from the project's PEP 691 JSON page (PEP 503 HTML as a fallback).
"""

from __future__ import annotations

import html.parser
import importlib
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable

from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename
from packaging.version import InvalidVersion, Version

from farm.errors import FarmError

__all__ = ["IndexFileError", "file_url", "pip_index_url"]

_JSON = "application/vnd.pypi.simple.v1+json"


class IndexFileError(FarmError, RuntimeError):
    """The index has no such file, or cannot be read."""


def pip_index_url(run: Callable[[list[str]], str] | None = None) -> str | None:
    """The simple URL of the index pip is configured to use (pip's own default when none is set)."""
    def default_run(cmd: list[str]) -> str:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
        return done.stdout if done.returncode == 0 else ""

    out = (run or default_run)([sys.executable, "-m", "pip", "config", "get", "global.index-url"]).strip()
    if out:
        return out
    try:  # pip's own default index, when nothing is configured
        return str(importlib.import_module("pip._internal.models.index").PyPI.simple_url)
    except (ImportError, AttributeError):
        return None


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links[urllib.parse.unquote(href.split("#", 1)[0].rsplit("/", 1)[-1])] = href


def file_url(project: str, file: str, index_url: str, timeout: float = 30.0) -> str:
    """The download URL of ``file`` on ``project``'s page of the index at ``index_url``."""
    page = f"{index_url.rstrip('/')}/{canonicalize_name(project)}/"
    request = urllib.request.Request(page, headers={"Accept": f"{_JSON}, text/html;q=0.1", "User-Agent": "wheelfarm"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            kind = response.headers.get("Content-Type", "")
            base = response.geturl()
    except urllib.error.HTTPError as exc:
        raise IndexFileError(f"{page}: answered {exc.code}; is {project!r} on this index?") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise IndexFileError(f"{page}: cannot be read ({getattr(exc, 'reason', exc)})") from None
    if kind.startswith(_JSON):
        urls = {str(f["filename"]): str(f["url"]) for f in json.loads(body).get("files", [])}
    else:
        parser = _Links()
        parser.feed(body.decode("utf-8", errors="replace"))
        urls = parser.links
    name = file if file in urls else _same_sdist(file, urls)
    if name is None:
        raise IndexFileError(f"{page} has no file {file}; check the recipe's pypi.file")
    return str(urllib.parse.urljoin(base, urls[name]))


def _sdist_key(file: str) -> tuple[str, Version] | None:
    try:
        return parse_sdist_filename(file)
    except (InvalidSdistFilename, InvalidVersion):
        return None


def _same_sdist(file: str, names: Iterable[str]) -> str | None:
    """The file that is ``file``'s sdist under PEP 625's name (GDAL's bindings were
    ``GDAL-3.6.2.tar.gz``, 3.13.3 is ``gdal-3.13.3.tar.gz``): same project and version, as tar.gz."""
    want = _sdist_key(file)
    if want is None:
        return None
    return next((n for n in sorted(names) if n.endswith(".tar.gz") and _sdist_key(n) == want), None)
