"""Source artifacts: download, verify sha256 (always), cache by content.

The cache is content-addressed (``<cache>/sha256/ab/abcd.../<file>``): a hit needs no
network, whichever origin first provided the bytes. Every origin of an artifact is
tried in the farm's ``source_order`` until one yields the expected hash; the origin
that did is recorded for the wheel's provenance.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from farm.debian import AptSources, DebianError
from farm.errors import FarmError
from farm.pypi import IndexFileError, file_url, pip_index_url
from farm.recipe.model import Artifact, Origin

__all__ = ["FetchError", "Fetched", "SourceCache", "sha256_file"]

#: called with (bytes so far, total bytes or None) while downloading
Progress = Callable[[int, int | None], None]


class FetchError(FarmError, RuntimeError):
    """No origin of an artifact yielded the expected bytes."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    sha256: str
    origin: Origin
    from_cache: bool


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class SourceCache:
    root: Path
    order: Sequence[str] = ("url", "pypi", "debian")
    timeout: float = 30.0
    #: the simple URL of the package index for ``pypi`` origins (None: the one pip is configured with)
    index_url: str | None = None

    def _slot(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256

    def lookup(self, sha256: str) -> Path | None:
        slot = self._slot(sha256)
        if slot.is_dir():
            for f in slot.iterdir():
                if f.is_file() and not f.name.startswith("."):
                    return f
        return None

    def fetch(self, artifact: Artifact, progress: Progress | None = None) -> Fetched:
        origins = sorted(artifact.origins, key=lambda o: self.order.index(o.kind) if o.kind in self.order else 99)
        for origin in origins:
            hit = self.lookup(origin.sha256)
            if hit is not None:
                return Fetched(hit, origin.sha256, origin, True)
        failures: list[str] = []
        for origin in origins:
            if origin.kind not in self.order:
                continue
            try:
                return self._fetch_origin(origin, artifact.file_name, progress)
            except (FetchError, DebianError, IndexFileError) as exc:
                failures.append(f"{origin.describe()}: {exc}")
        tried = "; ".join(failures) or "no origin allowed by source_order"
        raise FetchError(f"could not fetch {origins[0].file_name}: {tried}")

    def _fetch_origin(self, origin: Origin, file_name: str | None, progress: Progress | None) -> Fetched:
        # a recipe's file_name names the download; a Debian file keeps its own name
        name = (file_name if origin.url else None) or origin.file_name
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=self.root) as tmp:
            part = Path(tmp) / name
            if origin.url:
                self._download(origin.url, part, progress)
            elif origin.pypi_project:
                assert origin.pypi_file
                index = self.index_url or pip_index_url()
                if index is None:
                    raise FetchError("no package index configured for pip; set pip's global.index-url")
                self._download(file_url(origin.pypi_project, origin.pypi_file, index, self.timeout), part, progress)
            else:
                assert origin.debian_package and origin.debian_file
                suite = origin.debian_suite
                apt = AptSources(self.root / (f"apt-{suite}" if suite else "apt"), suite=suite)
                apt.download(origin.debian_package, origin.debian_file, part, origin.debian_version)
            got = sha256_file(part)
            if got != origin.sha256:
                raise FetchError(
                    f"sha256 mismatch: expected {origin.sha256}, got {got}; the file was not cached. "
                    "If the new file is trusted, put its sha256 in the recipe"
                )
            slot = self._slot(got)
            slot.mkdir(parents=True, exist_ok=True)
            final = slot / name
            shutil.move(str(part), final)
        return Fetched(final, got, origin, False)

    def _download(self, url: str, dest: Path, progress: Progress | None) -> None:
        if not url.startswith(("https://", "http://", "file://")):
            raise FetchError(f"unsupported URL scheme in {url}")
        request = urllib.request.Request(url, headers={"User-Agent": "wheelfarm"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response, dest.open("wb") as out:
                total = response.headers.get("Content-Length")
                size = int(total) if total and total.isdigit() else None
                done = 0
                while block := response.read(1 << 16):
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, size)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"download failed ({reason})") from None
