from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from farm.debian import AptSources
from farm.fetch import FetchError, SourceCache
from farm.recipe.model import Artifact, Origin


def test_download_verify_and_cache(tmp_path: Path) -> None:
    src = tmp_path / "lib-1.0.tar.gz"
    src.write_bytes(b"release bytes")
    sha = hashlib.sha256(b"release bytes").hexdigest()
    cache = SourceCache(tmp_path / "cache")
    seen: list[int] = []
    got = cache.fetch(Artifact((Origin(sha, url=src.as_uri()),)), lambda done, total: seen.append(done))
    assert got.sha256 == sha and not got.from_cache and seen
    assert got.path == tmp_path / "cache" / "sha256" / sha[:2] / sha / "lib-1.0.tar.gz"
    src.unlink()
    again = cache.fetch(Artifact((Origin(sha, url=src.as_uri()),)))
    assert again.from_cache and again.path == got.path


def test_mismatch_is_not_cached(tmp_path: Path) -> None:
    src = tmp_path / "lib.tar.gz"
    src.write_bytes(b"tampered")
    cache = SourceCache(tmp_path / "cache")
    with pytest.raises(FetchError, match="sha256 mismatch"):
        cache.fetch(Artifact((Origin("0" * 64, url=src.as_uri()),)))
    assert not list((tmp_path / "cache").rglob("*.tar.gz"))


def test_alternatives_in_order(tmp_path: Path) -> None:
    good = tmp_path / "mirror.tar.gz"
    good.write_bytes(b"mirror")
    sha = hashlib.sha256(b"mirror").hexdigest()
    artifact = Artifact((Origin("1" * 64, url=(tmp_path / "gone.tar.gz").as_uri()), Origin(sha, url=good.as_uri())))
    got = SourceCache(tmp_path / "cache").fetch(artifact)
    assert got.origin.url == good.as_uri()


def test_all_origins_fail(tmp_path: Path) -> None:
    artifact = Artifact((Origin("1" * 64, url=(tmp_path / "gone.tar.gz").as_uri()),))
    with pytest.raises(FetchError, match="could not fetch gone.tar.gz"):
        SourceCache(tmp_path / "cache").fetch(artifact)


def test_debian_origin_of_another_suite_gets_its_own_apt_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one apt state per suite: a machine-suite package must never resolve to the other suite's version
    seen: list[tuple[Path, str | None, str]] = []

    def download(self: AptSources, package: str, file: str, dest: Path, version: str | None = None) -> Path:
        seen.append((self.root, self.suite, package))
        dest.write_bytes(package.encode())
        return dest

    monkeypatch.setattr(AptSources, "download", download)
    cache = SourceCache(tmp_path / "cache")
    for package, suite in (("openblas", "forky"), ("tiff", None)):
        sha = hashlib.sha256(package.encode()).hexdigest()
        origin = Origin(sha, debian_package=package, debian_file=f"{package}.orig.tar.xz", debian_suite=suite)
        assert cache.fetch(Artifact((origin,))).path.read_bytes() == package.encode()
    assert seen == [(tmp_path / "cache" / "apt-forky", "forky", "openblas"), (tmp_path / "cache" / "apt", None, "tiff")]
