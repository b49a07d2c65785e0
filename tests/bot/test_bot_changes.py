"""Version-bump PRs from Debian's source archive, and bumps that cross an ABI boundary."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import yaml
from bot_fakes import FakeArchive, add_recipe, commit_all, synthetic_recipe
from test_bot_runner import LINUX, Upstream, merge

from farm.bot.changes import abi_crossing
from farm.bot.edits import set_in_mapping
from farm.bot.forge_local import LocalForge
from farm.bot.index_reader import IndexReader
from farm.bot.migration import load_migration
from farm.bot.runner import Effects, Runner
from farm.bot.versions import Endpoints, Found
from farm.lint.run import lint_text
from farm.pins import load_pins
from farm.settings import load_settings
from packaging.version import Version

ORIG = b"zlib 1.3.1, repacked without contrib/"


def debian_bot(root: Path, archive: FakeArchive, forge: LocalForge) -> Runner:
    s = load_settings(root)
    up = Upstream()
    fx = Effects(forge=forge, index=IndexReader(str(s.index)), http=up.http, download=up.download,
                 endpoints=Endpoints(github_api="http://127.0.0.1:9/api"), debian=archive)
    return Runner(s, fx, platform=LINUX)


def follow_debian(root: Path, name: str, package: str, suites: str = "[bookworm, trixie, forky]") -> None:
    recipe = root / "recipes" / name / "recipe.yaml"
    text = recipe.read_text()
    start = text.index("updates:")
    end = text.index("\n\n", start)
    recipe.write_text(text[:start] + f"updates:\n  debian: {package}\n  suites: {suites}" + text[end:])
    commit_all(root, f"{name} follows Debian")


def test_a_repacked_release_makes_the_debian_origin_the_source(farm: Path) -> None:
    follow_debian(farm, "zlib", "zlib")
    archive = FakeArchive()
    archive.add("bookworm", "zlib", "1:1.2.13.dfsg-1")
    archive.add("trixie", "zlib", "1:1.3.1.dfsg-1", {"zlib_1.3.1.dfsg.orig.tar.bz2": ORIG,
                                                      "zlib_1.3.1.dfsg-1.debian.tar.xz": b"packaging"})
    forge = LocalForge(farm)
    report = debian_bot(farm, archive, forge).run(migrations=False)
    zlib = next(u for u in report.updates if u.recipe == "zlib")
    assert (zlib.newest, zlib.pr, zlib.error) == ("1.3.1", 1, None)
    assert archive.fetched == [("zlib", "1:1.3.1.dfsg-1", "trixie")]
    text = forge.read_file("recipes/zlib/recipe.yaml", "farm-bot/update/zlib")
    assert text is not None
    data = yaml.safe_load(text)
    assert data["context"]["version"] == "1.3.1" and data["build"]["number"] == 0
    assert data["source"] == [{"debian": {"package": "zlib", "file": "zlib_${{ version }}.dfsg.orig.tar.bz2",
                                          "suite": "trixie"},
                               "sha256": hashlib.sha256(ORIG).hexdigest()}]
    assert "# url: https://zlib.net/fossils/zlib-${{ version }}.tar.gz" in text
    pr = forge.find_pr("farm-bot/update/zlib")
    assert pr is not None and "**Debian repacked this release** (`.dfsg`)" in pr.body
    assert "in **trixie**" in pr.body and "checked by downloading the file and hashing it" in pr.body
    assert "migration" not in pr.meta  # 1.3.1 keeps libz.so.1 and stays in zlib's max_pin range (x)
    assert branch_pins(forge, "farm-bot/update/zlib")["zlib"] == "1.3.1"  # and so its pin follows
    assert len(forge.list_prs("farm-bot/")) == 1
    # the recipe on the branch is still a valid recipe
    found = lint_text(text, farm / "recipes" / "zlib" / "recipe.yaml", load_pins(farm / "recipes" / "pins.yaml"), LINUX)
    assert [d for d in found if d.severity == "error"] == []
    assert debian_bot(farm, archive, forge).run(migrations=False).actions == ()


FOO_SOURCE = """source:
  - url: http://upstream.test/libfoo-${{ version }}.tar.gz
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"
    alternatives:
      # Debian's orig is upstream's signed tarball
      - debian:
          package: foo
          file: foo_${{ version }}.orig.tar.gz
          version: 1.0.0-1
        sha256: "0000000000000000000000000000000000000000000000000000000000000000"
"""


def foo_farm(root: Path, max_pin: str) -> None:
    text = synthetic_recipe("libfoo", [], extra=f"abi:\n  max_pin: {max_pin}\nprovides:\n  sonames: [libfoo.so.1]\n"
                                               "updates:\n  debian: foo\n  suites: [bookworm, forky]\n")
    start, end = text.index("source:"), text.index("build:")
    add_recipe(root, "libfoo", text[:start] + FOO_SOURCE + "\n" + text[end:])
    add_recipe(root, "fooapp", synthetic_recipe("fooapp", ["libfoo"]))
    add_recipe(root, "foolib", synthetic_recipe("foolib", ["libfoo", "zlib"]))
    commit_all(root, "libfoo and its dependents")


def foo_archive(version: str = "1.1.0-1") -> FakeArchive:
    archive = FakeArchive()
    archive.add("bookworm", "foo", "1.0.0-1")
    upstream = version.rsplit("-", 1)[0]
    archive.add("forky", "foo", version, {f"foo_{upstream}.orig.tar.gz": b"foo " + upstream.encode(),
                                          f"foo_{version}.debian.tar.xz": b"debian/"})
    return archive


def test_a_bump_past_max_pin_starts_a_migration_in_the_same_pr(farm: Path) -> None:
    foo_farm(farm, "x.x")
    forge = LocalForge(farm)
    debian_bot(farm, foo_archive(), forge).run(migrations=False)
    pr = forge.find_pr("farm-bot/update/libfoo")
    assert pr is not None and pr.meta["migration"] == "libfoo-1.1.0"
    digest = hashlib.sha256(b"foo 1.1.0").hexdigest()
    text = forge.read_file("recipes/libfoo/recipe.yaml", "farm-bot/update/libfoo")
    assert text is not None
    src = yaml.safe_load(text)["source"][0]
    # not repacked: upstream's tarball is the same file, with the same sha256
    assert src["sha256"] == digest and src["url"] == "http://upstream.test/libfoo-${{ version }}.tar.gz"
    assert src["alternatives"] == [{"debian": {"package": "foo", "file": "foo_${{ version }}.orig.tar.gz",
                                               "version": "1.1.0-1", "suite": "forky"}, "sha256": digest}]
    assert "# Debian's orig is upstream's signed tarball" in text
    assert "gets the same sha256: Debian did not repack this release" in pr.body
    assert "**ABI boundary**: 1.1.0 is past the ABI range dependents pin (>=1.0.0,<1.1, max_pin x.x)" in pr.body
    assert "fooapp, foolib" in pr.body
    mig = forge.read_file("recipes/migrations/libfoo-1.1.0.yaml", "farm-bot/update/libfoo")
    assert mig is not None and yaml.safe_load(mig)["pins"] == {"libfoo": "1.1.0"}

    merge(farm, "farm-bot/update/libfoo")
    m = load_migration(farm / "recipes" / "migrations" / "libfoo-1.1.0.yaml")
    report = debian_bot(farm, foo_archive(), forge).run(updates=False)
    plan = report.migrations[0].plan
    assert m.pins == {"libfoo": "1.1.0"} and plan is not None
    assert {n: str(s.state) for n, s in plan.states.items()} == {"fooapp": "awaiting-parents",
                                                                "foolib": "awaiting-parents"}
    assert plan.states["fooapp"].reason == "waits for wheelfarm-libfoo 1.1.0 in the index"


def pin_libfoo(root: Path, version: str) -> None:
    pins = root / "recipes" / "pins.yaml"
    pins.write_text(set_in_mapping(pins.read_text(), ("pins",), "libfoo", version, str(pins)).text)
    commit_all(root, f"pin libfoo {version}")


def branch_pins(forge: LocalForge, branch: str) -> dict[str, str]:
    text = forge.read_file("recipes/pins.yaml", branch)
    assert text is not None
    return dict(yaml.safe_load(text)["pins"])


def test_a_bump_inside_the_abi_range_needs_no_migration_and_moves_the_pin(farm: Path) -> None:
    foo_farm(farm, "x")
    pin_libfoo(farm, "1.0.0")
    before = (farm / "recipes" / "pins.yaml").read_text()
    forge = LocalForge(farm)
    debian_bot(farm, foo_archive(), forge).run(migrations=False)
    pr = forge.find_pr("farm-bot/update/libfoo")
    assert pr is not None and "migration" not in pr.meta and "ABI boundary" not in pr.body
    assert forge.read_file("recipes/migrations/libfoo-1.1.0.yaml", "farm-bot/update/libfoo") is None
    # dependents build against the new release from the merge on: a farm that builds these
    # recipes from scratch has no wheel of the old one
    pins = branch_pins(forge, "farm-bot/update/libfoo")
    assert pins["libfoo"] == "1.1.0"
    assert "- pin `pins.libfoo` in `recipes/pins.yaml`: 1.0.0 -> 1.1.0" in pr.body
    # the rest of the file is as it was, comments included
    after = forge.read_file("recipes/pins.yaml", "farm-bot/update/libfoo")
    assert after is not None and after.replace('libfoo: "1.1.0"', 'libfoo: "1.0.0"') == before


def test_a_pin_that_a_migration_owns_or_that_is_on_another_abi_stays(farm: Path) -> None:
    foo_farm(farm, "x.x")
    pin_libfoo(farm, "0.9.0")  # another ABI than the recipe's 1.0.0: only a migration moves it
    archive = foo_archive("1.0.3-1")
    forge = LocalForge(farm)
    debian_bot(farm, archive, forge).run(migrations=False)
    pr = forge.find_pr("farm-bot/update/libfoo")
    assert pr is not None and "pin `pins.libfoo`" not in pr.body
    assert branch_pins(forge, "farm-bot/update/libfoo")["libfoo"] == "0.9.0"
    forge.close_pr(pr.number, "test")

    mig = farm / "recipes" / "migrations" / "libfoo-1.0.0.yaml"
    mig.parent.mkdir(exist_ok=True)
    mig.write_text('schema_version: 1\nid: libfoo-1.0.0\ncreated: "2026-11-01"\nsummary: libfoo 1.0\n'
                   'pins:\n  libfoo: "1.0.0"\n')
    pin_libfoo(farm, "1.0.0")
    load_migration(mig)
    archive = foo_archive("1.0.4-1")
    debian_bot(farm, archive, forge).run(migrations=False)
    pr = forge.find_pr("farm-bot/update/libfoo")
    assert pr is not None and pr.meta["version"] == "1.0.4" and "pin `pins.libfoo`" not in pr.body
    assert branch_pins(forge, "farm-bot/update/libfoo")["libfoo"] == "1.0.0"  # its completion moves it


def test_abi_crossing(farm: Path) -> None:
    from dataclasses import replace

    from farm.bot.facts import read_facts
    from farm.catalog import Catalog
    from farm.recipe.model import Provides

    pins = load_pins(farm / "recipes" / "pins.yaml")
    tiff = read_facts(Catalog(farm / "recipes", pins, LINUX).documents, pins, LINUX)["libtiff"].rendered
    assert tiff is not None and tiff.max_pin == "x"
    old = replace(tiff, version="4.5.0", max_pin="x.x")
    assert abi_crossing(old, replace(old, version="4.5.1")) is None
    assert abi_crossing(old, replace(old, version="4.7.2")) == \
        "4.7.2 is past the ABI range dependents pin (>=4.5.0,<4.6, max_pin x.x)"
    assert abi_crossing(old, replace(old, version="4.5.1", provides=Provides(sonames=("libtiff.so.7",)))) == \
        "it provides a new soname (libtiff.so.7)"
    assert abi_crossing(replace(old, max_pin="x"), replace(old, version="4.7.2")) is None


def test_a_release_the_mirror_lacks_gives_way_to_the_newest_it_has(farm: Path) -> None:
    foo_farm(farm, "x")
    archive = foo_archive("1.2.0-1")
    archive.add("forky", "foo", "1.1.0-1", {"foo_1.1.0.orig.tar.gz": b"foo 1.1.0"})
    archive.missing.add("foo_1.2.0.orig.tar.gz")
    forge = LocalForge(farm)
    report = debian_bot(farm, archive, forge).run(migrations=False)
    foo = next(u for u in report.updates if u.recipe == "libfoo")
    assert (foo.newest, foo.pr, foo.error) == ("1.2.0", 1, None)
    pr = forge.find_pr("farm-bot/update/libfoo")
    assert pr is not None and pr.title == "libfoo: update to 1.1.0"
    assert pr.meta == {"kind": "update", "recipe": "libfoo", "version": "1.1.0", "newest": "1.2.0"}
    assert "Debian lists 1.2.0, but this mirror does not have its files, so this PR takes 1.1.0" in pr.body
    text = forge.read_file("recipes/libfoo/recipe.yaml", "farm-bot/update/libfoo")
    assert text is not None and yaml.safe_load(text)["context"]["version"] == "1.1.0"
    fetched = len(archive.fetched)
    again = debian_bot(farm, archive, forge).run(migrations=False)
    assert again.actions == () and len(archive.fetched) == fetched  # not retried until Debian lists a newer one
    assert next(u for u in again.updates if u.recipe == "libfoo").note == "PR open"


def test_a_pin_past_what_the_mirror_has_stays_stuck_and_says_why(farm: Path) -> None:
    from farm.cli import main

    foo_farm(farm, "x")
    archive = foo_archive("1.2.0-1")
    archive.add("forky", "foo", "1.1.0-1", {"foo_1.1.0.orig.tar.gz": b"foo 1.1.0"})
    archive.missing.add("foo_1.2.0.orig.tar.gz")
    assert main(["migrate", "new", "--pin", "libfoo=1.2.0", "--root", str(farm)]) == 0
    commit_all(farm, "migrate to libfoo 1.2.0")
    forge = LocalForge(farm)
    report = debian_bot(farm, archive, forge).run()
    assert [(a.kind, a.recipe) for a in report.actions] == [("opened", "libfoo")]  # the bot tried
    plan = report.migrations[0].plan
    assert plan is not None and plan.roots["libfoo"].state == "stuck"
    assert "its bump PR #1 goes to 1.1.0 only" in plan.states["fooapp"].reason
    assert {str(s.state) for s in plan.states.values()} == {"stuck"}


def test_a_bumped_package_index_source_is_hashed_by_the_url_its_project_page_gives() -> None:
    from farm.bot.changes import _hash_urls
    from farm.recipe.model import Artifact, Origin

    text = "source:\n  - pypi:\n      name: numpy\n      file: numpy-2.4.6.tar.gz\n    sha256: " + "0" * 64 + "\n"
    sources = [Artifact((Origin(sha256="0" * 64, pypi_project="numpy", pypi_file="numpy-2.4.6.tar.gz"),))]
    files = {"https://files.example/numpy-2.4.6.tar.gz": b"numpy 2.4.6"}
    asked: list[tuple[str, str]] = []

    def page(project: str, file: str) -> str:
        asked.append((project, file))
        return f"https://files.example/{file}"

    done = _hash_urls(text, sources, -1, "recipes/numpy/recipe.yaml", "numpy", "2.4.6",
                      lambda url: iter([files[url]]), page)
    digest = hashlib.sha256(b"numpy 2.4.6").hexdigest()
    assert asked == [("numpy", "numpy-2.4.6.tar.gz")] and done.stale == ()
    assert yaml.safe_load(done.text)["source"][0]["sha256"] == digest
    assert done.hashed == (f"  - `pypi:numpy/numpy-2.4.6.tar.gz`: `{digest}`",)
    # without a way to ask the index, the source is left for a person, as before
    left = _hash_urls(text, sources, -1, "recipes/numpy/recipe.yaml", "numpy", "2.4.6", lambda url: iter([b""]))
    assert left.stale == ("pypi:numpy/numpy-2.4.6.tar.gz",) and left.text == text


def test_a_release_that_drops_a_cpython_moves_python_requires_with_it() -> None:
    from farm.bot.changes import _follow_requires_python
    from farm.locate import load_yaml
    from farm.recipe.render import RecipeDocument

    path = "recipes/numpy/recipe.yaml"
    text = 'package:\n  name: numpy\n  version: "2.5.5"\npython:\n  requires: ">=3.11"\n  module: numpy\n'
    doc = RecipeDocument(Path(path), load_yaml(text, Path(path)))
    found = Found(Version("2.5.5"), "numpy on the package index", requires_python=">=3.12")
    moved = _follow_requires_python(text, doc, path, found, ("3.11", "3.12", "3.13"))
    assert moved is not None
    assert yaml.safe_load(moved[0])["python"] == {"requires": ">=3.12", "module": "numpy"}
    assert 'requires: ">=3.12"' in moved[0]  # the quoting kept
    assert ">=3.11 -> >=3.12" in moved[1] and "CPython 3.11" in moved[1] and "CPython 3.12" not in moved[1]
    # a release admitting more than the recipe, one without metadata, and a non-Python recipe stay
    wider = replace(found, requires_python=">=3.10")
    assert _follow_requires_python(text, doc, path, wider, ("3.11", "3.12")) is None
    assert _follow_requires_python(text, doc, path, replace(found, requires_python=None), ("3.11",)) is None
    lib = "package:\n  name: zlib\n  version: 1.3.1\n"
    assert _follow_requires_python(lib, RecipeDocument(Path(path), load_yaml(lib, Path(path))), path, found,
                                   ("3.11",)) is None
    # no requires at all admits every CPython: the release's is added
    bare = "package:\n  name: numpy\n  version: 2.5.5\npython:\n  module: numpy\n"
    added = _follow_requires_python(bare, RecipeDocument(Path(path), load_yaml(bare, Path(path))), path, found,
                                    ("3.11", "3.12"))
    assert added is not None and yaml.safe_load(added[0])["python"]["requires"] == ">=3.12"
    assert "(none) -> >=3.12" in added[1]


def test_a_python_package_bump_takes_the_releases_requires_python(farm: Path) -> None:
    """The PR for a release that needs a newer CPython than the recipe admits moves
    ``python.requires`` too, so its build does not fail on the CPython it dropped."""
    recipe = (Path(__file__).parents[2] / "recipes" / "shapely" / "recipe.yaml").read_text()
    recipe = recipe.replace("- geos", "- zlib").replace("name: shapely\n  version", "name: pyfoo\n  version")
    add_recipe(farm, "pyfoo", recipe)
    commit_all(farm, "pyfoo, a Python package on zlib")
    up = Upstream()
    up.pages["http://127.0.0.1:9/pypi/pypi/shapely/json"] = {"info": {}, "releases": {
        "2.2.0": [{"packagetype": "sdist", "requires_python": ">=3.11"}],
        "2.3.0": [{"packagetype": "sdist", "requires_python": ">=3.12"}]}}
    up.files["http://files.invalid/shapely-2.3.0.tar.gz"] = b"shapely 2.3.0"
    s = load_settings(farm)
    forge = LocalForge(farm)
    fx = Effects(forge=forge, index=IndexReader(str(s.index)), http=up.http, download=up.download,
                 endpoints=Endpoints(github_api="http://127.0.0.1:9/api", pypi_api="http://127.0.0.1:9/pypi"),
                 debian=FakeArchive(), pypi_file_url=lambda project, file: f"http://files.invalid/{file}")
    Runner(s, fx, platform=LINUX).run(migrations=False)
    pr = forge.find_pr("farm-bot/update/pyfoo")
    assert pr is not None, [p.head for p in forge.list_prs("farm-bot/")]
    text = forge.read_file("recipes/pyfoo/recipe.yaml", "farm-bot/update/pyfoo")
    assert text is not None
    data = yaml.safe_load(text)
    assert data["context"]["version"] == "2.3.0" and data["python"]["requires"] == ">=3.12"
    assert data["source"][0]["sha256"] == hashlib.sha256(b"shapely 2.3.0").hexdigest()
    assert "- `python.requires`: >=3.11 -> >=3.12, the release's Requires-Python: no more wheels for CPython 3.11" \
        in pr.body
    found = lint_text(text, farm / "recipes" / "pyfoo" / "recipe.yaml", load_pins(farm / "recipes" / "pins.yaml"), LINUX)
    assert [d for d in found if d.severity == "error"] == []
