from __future__ import annotations

import hashlib

import pytest
from bot_fakes import FakeArchive, Static
from packaging.version import Version

from farm.bot.versions import (
    DebianOrig,
    Endpoints,
    VersionCheckError,
    debian_orig,
    http_get,
    newest_version,
    pip_index_api,
    sha256_of,
    url_download,
)


def endpoints(server: Static) -> Endpoints:
    return Endpoints(github_api=server.url + "/api", pypi_api=server.url + "/pypi-index",
                     github_headers={"Authorization": "Bearer t0ken"})


def test_github_releases_skip_drafts_and_prereleases(static_server: Static) -> None:
    static_server.add("/api/repos/madler/zlib/releases?per_page=100", [
        {"tag_name": "v1.3.2-rc1", "prerelease": True, "draft": False},
        {"tag_name": "v1.4.0", "prerelease": False, "draft": True},
        {"tag_name": "v1.3.1", "prerelease": False, "draft": False},
        {"tag_name": "v1.3", "prerelease": False, "draft": False},
        {"tag_name": "nightly", "prerelease": False, "draft": False},
    ])
    updates = {"github": "madler/zlib", "pattern": r"^v(\d+\.\d+(?:\.\d+)*)$"}
    found = newest_version(updates, "1.2.13", http_get(5), endpoints(static_server))
    assert found is not None and found.version == Version("1.3.1") and found.source == "GitHub releases of madler/zlib"
    assert static_server.seen_headers[-1]["Authorization"] == "Bearer t0ken"
    with_pre = newest_version({**updates, "pattern": r"^v(.+)$", "prereleases": True}, "1.2.13", http_get(5),
                              endpoints(static_server))
    assert with_pre is not None and with_pre.version == Version("1.3.2rc1")
    assert newest_version(updates, "1.3.1", http_get(5), endpoints(static_server)) is None


def test_github_tags_when_there_are_no_releases(static_server: Static) -> None:
    static_server.add("/api/repos/o/r/releases?per_page=100", [])
    static_server.add("/api/repos/o/r/tags?per_page=100", [{"name": "v2.0.0b1"}, {"name": "v1.9.0"}, {"name": "1.10.0"}])
    found = newest_version({"github": "o/r"}, "1.9.0", http_get(5), endpoints(static_server))
    assert found is not None and found.version == Version("1.10.0") and found.source == "GitHub tags of o/r"


def test_pypi_json_api_skips_yanked_and_empty_releases(static_server: Static) -> None:
    static_server.add("/pypi-index/pypi/cmake/json", {"info": {}, "releases": {
        "3.30.0": [{"yanked": False}], "3.31.0": [{"yanked": True}], "3.32.0": [], "4.0.0a1": [{"yanked": False}]}})
    found = newest_version({"pypi": "cmake"}, "3.29", http_get(5), endpoints(static_server))
    assert found is not None and found.version == Version("3.30.0")


def test_pypi_release_carries_its_requires_python_the_sdists_first(static_server: Static) -> None:
    static_server.add("/pypi-index/pypi/numpy/json", {"info": {}, "releases": {
        "2.4.6": [{"packagetype": "sdist", "requires_python": ">=3.11"}],
        "2.5.5": [{"packagetype": "bdist_wheel", "requires_python": ">=3.12,<3.15"},
                  {"packagetype": "sdist", "requires_python": ">=3.12"}],
        "2.6.0rc1": [{"packagetype": "sdist", "requires_python": ">=3.13"}]}})
    found = newest_version({"pypi": "numpy"}, "1.26.4", http_get(5), endpoints(static_server))
    assert found is not None and found.version == Version("2.5.5") and found.requires_python == ">=3.12"
    static_server.add("/pypi-index/pypi/old/json", {"info": {}, "releases": {"1.1": [{"requires_python": None}]}})
    older = newest_version({"pypi": "old"}, "1.0", http_get(5), endpoints(static_server))
    assert older is not None and older.requires_python is None


def test_url_listing_with_a_pattern(static_server: Static) -> None:
    static_server.add("/libtiff/", '<a href="tiff-4.5.0.tar.gz">x</a> <a href="tiff-4.6.0.tar.gz">'
                                   '<a href="tiff-4.7.0rc1.tar.gz"> <a href="tiff-4.5.1.tar.gz">')
    updates = {"url": static_server.url + "/libtiff/", "pattern": r"tiff-(\d+\.\d+\.\d+(?:rc\d+)?)\.tar\.gz"}
    found = newest_version(updates, "4.5.0", http_get(5), endpoints(static_server))
    assert found is not None and found.version == Version("4.6.0") and found.source == updates["url"]


def test_errors_name_what_to_fix(static_server: Static) -> None:
    static_server.add("/down", b"", status=502)
    with pytest.raises(VersionCheckError, match="answered 502"):
        newest_version({"url": static_server.url + "/down", "pattern": "(x)"}, "1", http_get(5), endpoints(static_server))
    with pytest.raises(VersionCheckError, match="needs a pattern"):
        newest_version({"url": static_server.url + "/down"}, "1", http_get(5), endpoints(static_server))
    with pytest.raises(VersionCheckError, match="404"):
        newest_version({"github": "no/such"}, "1", http_get(5), endpoints(static_server))
    with pytest.raises(VersionCheckError, match="no package index JSON API configured"):
        newest_version({"pypi": "x"}, "1", http_get(5), Endpoints())


def test_sha256_of_a_download(static_server: Static) -> None:
    data = b"release tarball" * 1000
    url = static_server.add("/tiff-4.6.0.tar.gz", data)
    assert sha256_of(url, url_download(5)) == hashlib.sha256(data).hexdigest()
    with pytest.raises(VersionCheckError, match="cannot download"):
        sha256_of(static_server.url + "/missing", url_download(5))


def test_pip_index_api_comes_from_pips_configuration() -> None:
    assert pip_index_api(lambda cmd: "http://127.0.0.1:1/mirror/simple/\n") == "http://127.0.0.1:1/mirror"
    assert pip_index_api(lambda cmd: "http://127.0.0.1:1/acme/pypi/+simple") == "http://127.0.0.1:1/acme/pypi/+simple"


# -- Debian's source archive --------------------------------------------------------------------


def archive_with(*entries: tuple[str, str]) -> FakeArchive:
    archive = FakeArchive()
    for suite, version in entries:
        archive.add(suite, "zlib", version)
    return archive


def test_debian_newest_upstream_across_suites_wins() -> None:
    archive = archive_with(("bookworm", "1:1.2.13.dfsg-1"), ("trixie", "1:1.3.dfsg+really1.3.1-1"),
                           ("trixie", "1:1.3.1.dfsg-1"), ("forky", "1:1.3.1.dfsg-2"), ("forky", "1:1.3.2~rc1-1"),
                           ("forky", "1:1.3.dfsg+really1.3.1-1+deb13u1"))
    updates = {"debian": "zlib", "suites": ["bookworm", "trixie", "forky"]}
    found = newest_version(updates, "1.2.13", http_get(5), Endpoints(), archive)
    assert found is not None and found.version == Version("1.3.1") and found.debian is not None
    # the same upstream version in two suites: the earlier suite, its newest version in dpkg's order
    assert (found.debian.suite, found.debian.version.debian, found.debian.version.repacked) == \
        ("trixie", "1:1.3.dfsg+really1.3.1-1", True)
    assert found.source == "Debian source package zlib (bookworm, trixie, forky), in trixie"
    with_pre = newest_version({**updates, "prereleases": True}, "1.2.13", http_get(5), Endpoints(), archive)
    assert with_pre is not None and with_pre.version == Version("1.3.2rc1") and with_pre.debian is not None
    assert with_pre.debian.suite == "forky"
    assert newest_version(updates, "1.3.1", http_get(5), Endpoints(), archive) is None


def test_debian_newest_revision_within_a_suite() -> None:
    archive = archive_with(("bookworm", "3.0.11-1~deb12u2"), ("bookworm", "3.0.11-1~deb12u10"),
                           ("bookworm", "3.0.11-1~deb12u9"))
    found = newest_version({"debian": "zlib", "suites": ["bookworm"]}, "3.0.1", http_get(5), Endpoints(), archive)
    assert found is not None and found.debian is not None and found.debian.version.debian == "3.0.11-1~deb12u10"


def test_debian_pattern_holds_a_recipe_to_a_series() -> None:
    archive = archive_with(("bookworm", "3.0.17-1~deb12u2"), ("trixie", "3.5.1-1"), ("forky", "3.6.0-2"),
                           ("forky", "3.0.18-1"))
    lts = {"debian": "zlib", "suites": ["bookworm", "trixie", "forky"], "pattern": r"^3\.0\."}
    found = newest_version(lts, "3.0.15", http_get(5), Endpoints(), archive)
    assert found is not None and found.version == Version("3.0.18") and found.debian is not None
    assert found.debian.suite == "forky" and not found.debian.version.repacked
    assert newest_version({**lts, "pattern": None}, "3.0.15", http_get(5), Endpoints(), archive).version == \
        Version("3.6.0")  # type: ignore[union-attr]


def test_debian_a_suite_that_does_not_answer_is_skipped_but_not_all() -> None:
    archive = archive_with(("bookworm", "1.3.1-1"))
    archive.unreachable.add("forky")
    found = newest_version({"debian": "zlib", "suites": ["bookworm", "forky"]}, "1.2", http_get(5), Endpoints(), archive)
    assert found is not None and found.version == Version("1.3.1")
    archive.unreachable.add("bookworm")
    with pytest.raises(VersionCheckError, match="no suite answered"):
        newest_version({"debian": "zlib", "suites": ["bookworm", "forky"]}, "1.2", http_get(5), Endpoints(), archive)
    with pytest.raises(VersionCheckError, match="no suite of bookworm has a source package 'libz1'"):
        newest_version({"debian": "libz1", "suites": ["bookworm"]}, "1.2", http_get(5), Endpoints(), archive_with())
    with pytest.raises(VersionCheckError, match="needs suites"):
        newest_version({"debian": "zlib"}, "1.2", http_get(5), Endpoints(), archive)
    with pytest.raises(VersionCheckError, match="no Debian source archive"):
        newest_version({"debian": "zlib", "suites": ["x"]}, "1.2", http_get(5), Endpoints())


def test_debian_orig_hashes_the_downloaded_tarball_against_the_dsc() -> None:
    archive = FakeArchive()
    archive.add("trixie", "zlib", "1:1.3.1.dfsg-1", {"zlib_1.3.1.dfsg.orig.tar.bz2": b"orig bytes",
                                                      "zlib_1.3.1.dfsg-1.debian.tar.xz": b"packaging"})
    found = newest_version({"debian": "zlib", "suites": ["trixie"]}, "1.2.13", http_get(5), Endpoints(), archive)
    assert found is not None and found.debian is not None
    orig = debian_orig(found.candidates, archive)
    assert orig == DebianOrig("zlib", "trixie", "1:1.3.1.dfsg-1", "zlib_1.3.1.dfsg.orig.tar.bz2",
                              hashlib.sha256(b"orig bytes").hexdigest(), True, "1.3.1")
    # a mirror without the .dsc: the signed index's checksums still decide
    archive.missing.add("zlib_1.3.1.dfsg-1.dsc")
    assert debian_orig(found.candidates, archive).sha256 == hashlib.sha256(b"orig bytes").hexdigest()
    archive.corrupt.add(("zlib", "1:1.3.1.dfsg-1"))
    with pytest.raises(VersionCheckError, match="hashes to .* but its .dsc says"):
        debian_orig(found.candidates, archive)
    archive.files[("zlib", "1:1.3.1.dfsg-1")] = {"zlib_1.3.1.tar.xz": b"native"}
    with pytest.raises(VersionCheckError, match="lists no orig tarball"):
        debian_orig(found.candidates, archive)


def test_debian_orig_passes_over_releases_the_mirror_lacks() -> None:
    archive = FakeArchive()
    archive.add("trixie", "expat", "2.9.0-1~deb13u1", {"expat_2.9.0.orig.tar.gz": b"2.9.0"})
    archive.add("forky", "expat", "2.9.0-1", {"expat_2.9.0.orig.tar.gz": b"2.9.0"})
    archive.add("forky", "expat", "2.8.2-1", {"expat_2.8.2.orig.tar.gz": b"2.8.2"})
    updates = {"debian": "expat", "suites": ["bookworm", "trixie", "forky"]}
    found = newest_version(updates, "2.5.0", http_get(5), Endpoints(), archive)
    assert found is not None and [(r.suite, r.version.debian) for r in found.candidates] == [
        ("trixie", "2.9.0-1~deb13u1"), ("forky", "2.9.0-1"), ("forky", "2.8.2-1")]
    archive.missing.add("expat_2.9.0.orig.tar.gz")
    orig = debian_orig(found.candidates, archive)
    assert (orig.upstream, orig.suite, orig.file) == ("2.8.2", "forky", "expat_2.8.2.orig.tar.gz")
    assert [s.split(":")[0] for s in orig.skipped] == ["expat 2.9.0-1~deb13u1 (trixie)", "expat 2.9.0-1 (forky)"]
    assert "the mirror does not have expat_2.9.0.orig.tar.gz" in orig.skipped[0]
    archive.missing.add("expat_2.8.2.orig.tar.gz")
    with pytest.raises(VersionCheckError, match="expat 2.8.2-1 \\(forky\\): the mirror does not have"):
        debian_orig(found.candidates, archive)
