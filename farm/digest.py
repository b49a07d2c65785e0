"""The sha256 and size of bytes, from a local file or streamed from a URL.

A URL is read once, block by block, and never stored: checking a file that lives on
object storage or as a release asset costs its download and no disk.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from farm.errors import FarmError

__all__ = ["Digest", "DigestError", "Probe", "SCHEMES", "digest_file", "digest_url", "url_probe"]

#: the URL schemes a file's location may use
SCHEMES = ("https://", "http://", "file://")

_BLOCK = 1 << 20


class DigestError(FarmError, OSError):
    """The bytes at a location cannot be read (unreachable, refused, broken transfer)."""


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int


#: url -> its digest, or None when nothing is there (404, no such file); raises DigestError otherwise
Probe = Callable[[str], Digest | None]


def _digest_stream(stream: BinaryIO) -> Digest:
    h = hashlib.sha256()
    size = 0
    while block := stream.read(_BLOCK):
        h.update(block)
        size += len(block)
    return Digest(h.hexdigest(), size)


def digest_file(path: Path) -> Digest:
    with path.open("rb") as f:
        return _digest_stream(f)


def digest_url(url: str, timeout: float = 60.0) -> Digest | None:
    """Download ``url`` once, hashing as it comes; None when nothing is there."""
    if not url.startswith(SCHEMES):
        raise DigestError(f"{url}: unsupported URL scheme; use one of {', '.join(s[:-3] for s in SCHEMES)}")
    request = urllib.request.Request(url, headers={"User-Agent": "wheelfarm"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _digest_stream(response)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise DigestError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if url.startswith("file://") and isinstance(exc.reason, FileNotFoundError):
            return None
        raise DigestError(f"{url}: cannot reach it ({exc.reason})") from None
    except (OSError, ValueError) as exc:
        raise DigestError(f"{url}: the transfer failed ({exc})") from None


def url_probe(timeout: float = 60.0) -> Probe:
    def probe(url: str) -> Digest | None:
        return digest_url(url, timeout)

    return probe
