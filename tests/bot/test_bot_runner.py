"""The bot end to end on the embedded (local git) forge, with wheels published to a local
index by writing its pages as the index contract describes them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml
from bot_fakes import FakeArchive, commit_all, git, publish

from farm.bot.forge import FileChange, ForgeError, PullRequest, write_meta
from farm.bot.forge_local import LocalForge
from farm.bot.index_reader import IndexReader
from farm.bot.planner import State
from farm.bot.runner import Effects, Report, Runner
from farm.bot.versions import Endpoints, Response
from farm.cli import main
from farm.platforms import parse
from farm.settings import load_settings

LINUX = parse("linux-x86_64")


class Upstream:
    """Fake HTTP for version checks and downloads: url -> JSON or bytes."""

    def __init__(self) -> None:
        self.pages: dict[str, object] = {}
        self.files: dict[str, bytes] = {}

    def http(self, url: str, headers: Mapping[str, str]) -> Response:
        if url not in self.pages:
            return Response(404, b"{}")
        return Response(200, json.dumps(self.pages[url]).encode())

    def download(self, url: str) -> Iterator[bytes]:
        yield self.files[url]


def bot(root: Path, forge: LocalForge | None = None, upstream: Upstream | None = None) -> Runner:
    s = load_settings(root)
    up = upstream or Upstream()
    fx = Effects(forge=forge or LocalForge(root), index=IndexReader(str(s.index)), http=up.http,
                 download=up.download, endpoints=Endpoints(github_api="http://127.0.0.1:9/api"),
                 debian=FakeArchive())  # never the machine's apt, whatever the copied recipes follow
    return Runner(s, fx, platform=LINUX)


def states(report: Report) -> dict[str, str]:
    plan = report.migrations[0].plan
    assert plan is not None
    return {n: str(s.state) for n, s in plan.states.items()}


def opened(report: Report) -> list[str]:
    return [a.recipe for a in report.actions if a.kind == "opened"]


def merge(root: Path, branch: str) -> None:
    git(root, "merge", "-q", "--no-ff", branch, "-m", f"Merge {branch}")


def start_migration(root: Path) -> None:
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(root)]) == 0
    commit_all(root, "Start migration zlib-1.2.13")


def test_a_migration_walks_the_graph_wave_by_wave(farm: Path) -> None:
    index = farm / "index"
    n = yaml.safe_load((farm / "recipes" / "libtiff" / "recipe.yaml").read_text())["build"]["number"]
    rebuilt = f"4.5.0.post{n + 1}"
    start_migration(farm)
    forge = LocalForge(farm)

    first = bot(farm, forge).run(updates=False)
    assert states(first) == {"libtiff": "awaiting-parents", "tiffutil": "awaiting-parents", "tiffconv": "awaiting-parents"}
    assert first.migrations[0].plan.states["libtiff"].reason == "waits for wheelfarm-zlib 1.2.13 in the index"  # type: ignore[union-attr]
    assert first.actions == ()

    publish(index, "wheelfarm-zlib", "1.2.13")
    wave1 = bot(farm, forge).run(updates=False)
    assert opened(wave1) == ["libtiff"]
    assert states(wave1) == {"libtiff": "in-pr", "tiffutil": "awaiting-parents", "tiffconv": "awaiting-parents"}
    diff = git(farm, "diff", "main", "farm-bot/migrate/zlib-1.2.13/libtiff")
    assert [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == \
        [f"-  number: {n}", f"+  number: {n + 1}"]

    again = bot(farm, forge).run(updates=False)
    assert again.actions == () and len(forge.list_prs("farm-bot/")) == 1

    merge(farm, "farm-bot/migrate/zlib-1.2.13/libtiff")
    merged = bot(farm, forge).run(updates=False)
    assert merged.actions == ()
    assert merged.migrations[0].plan.states["libtiff"].reason == \
        f"PR #1 merged; waiting for wheelfarm-libtiff {rebuilt} in the index"  # type: ignore[union-attr]

    publish(index, "wheelfarm-libtiff", rebuilt)
    wave2 = bot(farm, forge).run(updates=False)
    assert opened(wave2) == ["tiffutil"]
    assert states(wave2)["libtiff"] == "done"

    merge(farm, "farm-bot/migrate/zlib-1.2.13/tiffutil")
    publish(index, "wheelfarm-tiffutil", "1.0.0.post1")
    wave3 = bot(farm, forge).run(updates=False)
    assert opened(wave3) == ["tiffconv"]  # it links tiffutil through tiffview, which is not rebuilt
    pr = forge.find_pr("farm-bot/migrate/zlib-1.2.13/tiffconv")
    assert pr is not None and "cc @alice-gh @bob-gh" in pr.body
    assert pr.meta == {"kind": "migration", "migration": "zlib-1.2.13", "recipe": "tiffconv", "target": "1.0.0.post1"}

    merge(farm, "farm-bot/migrate/zlib-1.2.13/tiffconv")
    publish(index, "wheelfarm-tiffconv", "1.0.0.post1")
    done = bot(farm, forge).run(updates=False)
    assert set(states(done).values()) == {"done"}
    assert [a.kind for a in done.actions] == ["opened"] and done.migrations[0].completion == "completion PR #4 is open"
    pins_before = (farm / "recipes" / "pins.yaml").read_text()
    merge(farm, "farm-bot/complete/zlib-1.2.13")
    pins_after = (farm / "recipes" / "pins.yaml").read_text()
    assert pins_after == pins_before.replace('zlib: "1.2.12"', 'zlib: "1.2.13"')
    assert (farm / "recipes" / "migrations" / "retired" / "zlib-1.2.13.yaml").is_file()
    assert not (farm / "recipes" / "migrations" / "zlib-1.2.13.yaml").exists()

    after = bot(farm, forge).run(updates=False)
    assert after.migrations == () and after.actions == ()
    assert [p.state for p in forge.list_prs("farm-bot/")] == ["merged"] * 4


def test_a_crash_between_commit_and_pr_loses_nothing_and_duplicates_nothing(farm: Path) -> None:
    start_migration(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")

    class PowerCut(LocalForge):
        def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
            raise KeyboardInterrupt  # the process dies here: the branch is committed, the PR not yet opened

    with pytest.raises(KeyboardInterrupt):
        bot(farm, PowerCut(farm)).run(updates=False)
    forge = LocalForge(farm)
    branch = "farm-bot/migrate/zlib-1.2.13/libtiff"
    assert forge.branch_head(branch) is not None and forge.list_prs("farm-bot/") == []
    journal = json.loads(forge.load_state() or "{}")
    assert journal["intents"][branch]["recipe"] == "libtiff"  # the intent was recorded before acting

    resumed = bot(farm, forge).run(updates=False)
    assert [(a.kind, a.recipe) for a in resumed.actions] == [("opened", "libtiff")]
    assert len(forge.list_prs("farm-bot/")) == 1
    assert git(farm, "rev-list", "--count", f"main..{branch}").strip() == "1"  # the earlier commit was reused
    assert json.loads(forge.load_state() or "{}")["intents"] == {}
    assert bot(farm, forge).run(updates=False).actions == ()


def test_errors_are_recorded_shown_and_retried(farm: Path) -> None:
    start_migration(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    recipe = farm / "recipes" / "libtiff" / "recipe.yaml"
    original = recipe.read_text()
    recipe.write_text(original.replace("  number:", "  number: ${{ 0 }}  # was"))
    commit_all(farm, "a build number the bot cannot edit")
    forge = LocalForge(farm)
    report = bot(farm, forge).run(updates=False)
    assert [a.kind for a in report.actions] == ["error"]
    plan = report.migrations[0].plan
    assert plan is not None and plan.states["libtiff"].state is State.BOT_ERROR
    assert "build.number is not a literal whole number" in plan.states["libtiff"].reason
    recipe.write_text(original)
    commit_all(farm, "fixed")
    fixed = bot(farm, forge).run(updates=False)
    assert opened(fixed) == ["libtiff"] and json.loads(forge.load_state() or "{}")["errors"] == {}


def test_an_excluded_recipe_has_its_pr_closed_with_a_comment(farm: Path) -> None:
    start_migration(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    forge = LocalForge(farm)
    bot(farm, forge).run(updates=False)
    mig = farm / "recipes" / "migrations" / "zlib-1.2.13.yaml"
    mig.write_text(mig.read_text() + "exclude: [libtiff]\n")
    commit_all(farm, "exclude libtiff")
    report = bot(farm, forge).run(updates=False)
    assert [(a.kind, a.recipe) for a in report.actions] == [("closed", "libtiff"), ("opened", "tiffutil")]
    assert forge.comments(1) == ["libtiff is no longer part of migration `zlib-1.2.13` (excluded, or no longer "
                                 "affected); closing this PR."]


def test_a_withdrawn_migration_closes_its_prs(farm: Path) -> None:
    start_migration(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    forge = LocalForge(farm)
    bot(farm, forge).run(updates=False)
    (farm / "recipes" / "migrations" / "zlib-1.2.13.yaml").unlink()
    commit_all(farm, "withdraw")
    report = bot(farm, forge).run(updates=False)
    assert [(a.kind, a.pr) for a in report.actions] == [("closed", 1)]


def test_a_broken_migration_file_stops_only_itself(farm: Path) -> None:
    start_migration(farm)
    (farm / "recipes" / "migrations" / "bad.yaml").write_text("schema_version: 1\nsumary: typo\npins: {zlib: '2'}\n")
    report = bot(farm).run(updates=False)
    assert report.broken and "did you mean 'summary'?" in report.broken[0]
    assert [m.migration.id for m in report.migrations] == ["zlib-1.2.13"]


def test_slow_start_opens_two_first(tmp_path: Path) -> None:
    from bot_fakes import add_recipe, make_farm, synthetic_recipe

    root = make_farm(tmp_path, deeper=False)
    for i in range(6):
        add_recipe(root, f"leaf{i}", synthetic_recipe(f"leaf{i}", ["zlib"]))
    commit_all(root, "leaves")
    start_migration(root)
    publish(root / "index", "wheelfarm-zlib", "1.2.13")
    forge = LocalForge(root)
    first = bot(root, forge).run(updates=False)
    assert len(opened(first)) == 2
    plan = first.migrations[0].plan
    assert plan is not None and plan.count(State.AWAITING_PR) == 5



def with_metadata(index: Path, dist: str, version: str, *requires: str) -> None:
    """Give the published wheel of ``dist`` ``version`` a PEP 658 metadata file with ``requires``."""
    page = index / "simple" / dist / "index.json"
    data = json.loads(page.read_text())
    for entry in data["files"]:
        if f"-{version}-" in entry["filename"]:
            body = "".join(f"Requires-Dist: {r}\n" for r in requires)
            text = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n{body}".encode()
            meta = index / "files" / f"{entry['filename']}.metadata"
            meta.parent.mkdir(parents=True, exist_ok=True)
            meta.write_bytes(text)
            entry["core-metadata"] = {"sha256": hashlib.sha256(text).hexdigest()}
    page.write_text(json.dumps(data))


def test_a_member_already_built_against_the_new_pin_needs_no_rebuild(farm: Path) -> None:
    """A wheel built while the migration was active (say, a version bump merged after it)
    already requires the new pin: it is done, and its open rebuild PR is closed."""
    index = farm / "index"
    current = yaml.safe_load((farm / "recipes" / "libtiff" / "recipe.yaml").read_text())["build"]["number"]
    have = f"4.5.0.post{current}" if current else "4.5.0"
    start_migration(farm)
    forge = LocalForge(farm)
    publish(index, "wheelfarm-zlib", "1.2.13")
    publish(index, "wheelfarm-libtiff", have)
    with_metadata(index, "wheelfarm-libtiff", have, "wheelfarm-zlib>=1.2.12,<2")
    assert opened(bot(farm, forge).run(updates=False)) == ["libtiff"]  # built against the old pin: a rebuild

    with_metadata(index, "wheelfarm-libtiff", have, "wheelfarm-zlib>=1.2.13,<2", "wheelfarm-libjpeg-turbo>=2.1.5,<3")
    report = bot(farm, forge).run(updates=False)
    state = report.migrations[0].plan.states["libtiff"]  # type: ignore[union-attr]
    assert state.state == "done"
    assert state.reason == f"wheelfarm-libtiff {have} is in the index, already built against wheelfarm-zlib<2,>=1.2.13"
    assert [(a.kind, a.recipe) for a in report.actions] == [("closed", "libtiff"), ("opened", "tiffutil")]  # next wave


def test_a_member_with_its_own_version_update_open_waits_for_it(farm: Path) -> None:
    """A rebuild of the old version would be thrown away once the member's version update
    merges (built with the migration active, it needs none), so the rebuild waits for the
    update; closed unmerged, the update no longer holds it."""
    start_migration(farm)
    forge = LocalForge(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    forge.create_branch("farm-bot/update/libtiff", forge.default_branch)
    recipe = "recipes/libtiff/recipe.yaml"
    text = (farm / recipe).read_text()
    forge.commit_files("farm-bot/update/libtiff", "libtiff: update to 4.7.0",
                       [FileChange(recipe, text.replace(yaml.safe_load(text)["context"]["version"], "4.7.0", 1))])
    update = forge.open_pr("farm-bot/update/libtiff", forge.default_branch, "libtiff: update to 4.7.0",
                           write_meta({"kind": "update", "recipe": "libtiff", "version": "4.7.0"}))
    report = bot(farm, forge).run(updates=False)
    assert opened(report) == []
    state = report.migrations[0].plan.states["libtiff"]  # type: ignore[union-attr]
    assert (state.state, state.reason) == ("awaiting-parents", f"waits for its version update #{update.number} "
                                           "to 4.7.0: merged, it is built with this migration and needs no "
                                           "rebuild; closed, the rebuild opens")

    forge.close_pr(update.number, "not this release")
    assert opened(bot(farm, forge).run(updates=False)) == ["libtiff"]


# -- version updates ------------------------------------------------------------------------------


def zlib_upstream(*versions: str) -> Upstream:
    up = Upstream()
    up.pages["http://127.0.0.1:9/api/repos/madler/zlib/releases?per_page=100"] = [
        {"tag_name": f"v{v}", "prerelease": False, "draft": False} for v in versions]
    for v in versions:
        up.files[f"https://zlib.net/fossils/zlib-{v}.tar.gz"] = f"zlib {v}".encode()
    return up


def test_a_new_upstream_version_opens_one_bump_pr_and_updates_it(farm: Path) -> None:
    forge = LocalForge(farm)
    report = bot(farm, forge, zlib_upstream("1.3.1", "1.2.13")).run(migrations=False)
    zlib = next(u for u in report.updates if u.recipe == "zlib")
    assert (zlib.current, zlib.newest, zlib.pr) == ("1.2.13", "1.3.1", 1)
    text = forge.read_file("recipes/zlib/recipe.yaml", "farm-bot/update/zlib")
    assert text is not None
    data = yaml.safe_load(text)
    assert data["context"]["version"] == "1.3.1" and data["build"]["number"] == 0
    assert data["source"][0]["sha256"] == hashlib.sha256(b"zlib 1.3.1").hexdigest()
    assert "# Debian repacks the release" in text  # comments survive
    pr = forge.find_pr("farm-bot/update/zlib")
    assert pr is not None and "**not refreshed**" in pr.body and "debian:zlib/zlib_1.3.1.dfsg.orig.tar.bz2" in pr.body
    assert "cc @wheelfarm/core" in pr.body
    # the other recipes' sources did not answer: an error each, and no PR
    assert zlib.error is None and all(u.error for u in report.updates if u.recipe != "zlib")

    assert bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False).actions == ()

    newer = bot(farm, forge, zlib_upstream("1.3.2", "1.3.1")).run(migrations=False)
    assert [(a.kind, a.pr) for a in newer.actions] == [("updated", 1)]
    assert len(forge.list_prs("farm-bot/update/")) == 1
    assert forge.comments(1) == ["Updated by the bot: zlib: update to 1.3.2."]
    again = forge.read_file("recipes/zlib/recipe.yaml", "farm-bot/update/zlib")
    assert again is not None and yaml.safe_load(again)["context"]["version"] == "1.3.2"

    merge(farm, "farm-bot/update/zlib")
    assert bot(farm, forge, zlib_upstream("1.3.2")).run(migrations=False).actions == ()


def test_a_bump_pr_overtaken_by_main_is_closed(farm: Path) -> None:
    forge = LocalForge(farm)
    bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False)
    recipe = farm / "recipes" / "zlib" / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace('version: "1.2.13"', 'version: "1.3.1"'))
    commit_all(farm, "someone updated zlib by hand")
    report = bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False)
    assert [(a.kind, a.recipe) for a in report.actions] == [("closed", "zlib")]
    assert forge.comments(1) == ["Superseded: the recipe already has 1.3.1."]


def test_a_forge_error_is_reported_not_raised(farm: Path) -> None:
    start_migration(farm)
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")

    class Refusing(LocalForge):
        def open_pr(self, head: str, base: str, title: str, body: str) -> PullRequest:
            raise ForgeError("the forge said no")

    report = bot(farm, Refusing(farm)).run(updates=False)
    assert [(a.kind, a.detail) for a in report.actions] == [("error", "the forge said no")]
    plan = report.migrations[0].plan
    assert plan is not None and plan.states["libtiff"].reason == "the forge said no (retried each run)"


# -- no silent stall ----------------------------------------------------------------------------------


def migrate_to(root: Path, pin: str) -> None:
    assert main(["migrate", "new", "--pin", pin, "--root", str(root)]) == 0
    commit_all(root, f"Start migration {pin}")


def test_a_pin_nothing_will_build_is_stuck_until_the_bot_opens_the_bump(farm: Path) -> None:
    from farm.bot.status import render_markdown

    migrate_to(farm, "zlib=1.3.1")
    forge = LocalForge(farm)
    report = bot(farm, forge, zlib_upstream("1.2.13")).run()
    assert set(states(report).values()) == {"stuck"} and [a.kind for a in report.actions] == []
    reason = report.migrations[0].plan.states["libtiff"].reason  # type: ignore[union-attr]
    assert reason.startswith("waits for wheelfarm-zlib 1.3.1, which nothing will build: recipes/zlib/recipe.yaml "
                             "has 1.2.13 and no bump PR to 1.3.1 or newer is open; its updates source finds "
                             "nothing newer than 1.2.13. Bump recipes/zlib/recipe.yaml to 1.3.1 or newer")
    assert "correct the pin in recipes/migrations/zlib-1.3.1.yaml" in reason
    root = report.migrations[0].plan.roots["zlib"]  # type: ignore[union-attr]
    assert root.state == "stuck"
    page = render_markdown(report)
    # 3 recipes, the pinned library, and the version checks of libtiff and sqlite (the fake archive has neither)
    assert "Nothing needs a person" not in page and "6 need a person" in page
    assert "| zlib | 1.3.1 | stuck |" in page

    # upstream releases 1.3.1: the pass opens zlib's bump PR itself, and the wait has a route
    opened_it = bot(farm, forge, zlib_upstream("1.3.1", "1.2.13")).run()
    assert [(a.kind, a.recipe, a.pr) for a in opened_it.actions] == [("opened", "zlib", 1)]
    assert set(states(opened_it).values()) == {"awaiting-parents"}
    assert opened_it.migrations[0].plan.states["libtiff"].reason == (  # type: ignore[union-attr]
        "waits for wheelfarm-zlib 1.3.1 in the index (the bot opened its bump PR #1 to 1.3.1)")
    assert [u.pr for u in opened_it.updates if u.recipe == "zlib"] == [1]  # checked once, reported once
    again = bot(farm, forge, zlib_upstream("1.3.1", "1.2.13")).run()
    assert again.actions == () and again.migrations[0].plan.states["libtiff"].reason == (  # type: ignore[union-attr]
        "waits for wheelfarm-zlib 1.3.1 in the index (its bump PR #1 to 1.3.1 is open)")
    assert "Nothing needs a person right now." in render_markdown(bot(farm, forge).run(act=False, updates=False))

    # merged: the default branch builds it
    merge(farm, "farm-bot/update/zlib")
    merged = bot(farm, forge, zlib_upstream("1.3.1")).run()
    assert merged.migrations[0].plan.states["libtiff"].reason == "waits for wheelfarm-zlib 1.3.1 in the index"  # type: ignore[union-attr]


def test_a_recipe_without_an_updates_section_says_so(farm: Path) -> None:
    recipe = farm / "recipes" / "zlib" / "recipe.yaml"
    text = recipe.read_text()
    recipe.write_text(text[:text.index("updates:")] + text[text.index("maintainers:"):])
    commit_all(farm, "zlib without updates")
    migrate_to(farm, "zlib=1.3.1")
    report = bot(farm).run()
    assert "the recipe has no updates section, so the bot cannot bump it" in \
        report.migrations[0].plan.states["libtiff"].reason  # type: ignore[union-attr]
    without_checks = bot(farm).run(updates=False)
    assert set(states(without_checks).values()) == {"stuck"}


def test_a_failed_build_is_failed_with_its_log(farm: Path) -> None:
    from farm.bot.index_reader import record_build_failure

    index = farm / "index"
    n = yaml.safe_load((farm / "recipes" / "libtiff" / "recipe.yaml").read_text())["build"]["number"]
    rebuilt = f"4.5.0.post{n + 1}"
    start_migration(farm)
    forge = LocalForge(farm)
    record_build_failure(index, "wheelfarm-zlib", "1.2.13", "configure\nmake: *** [libz.so] Error 1\n")
    report = bot(farm, forge).run(updates=False)
    plan = report.migrations[0].plan
    assert plan is not None and plan.roots["zlib"].state == "failed"
    assert set(states(report).values()) == {"stuck"}
    assert plan.states["libtiff"].reason.startswith("waits for wheelfarm-zlib 1.2.13, which failed to build")
    assert plan.states["libtiff"].reason.endswith("the log ends:\nconfigure\nmake: *** [libz.so] Error 1")

    publish(index, "wheelfarm-zlib", "1.2.13")  # fixed and published: the record no longer counts
    assert opened(bot(farm, forge).run(updates=False)) == ["libtiff"]
    merge(farm, "farm-bot/migrate/zlib-1.2.13/libtiff")
    record_build_failure(index, "wheelfarm-libtiff", rebuilt, "x" * 100_000 + "\ntif_dir.c:12: error: boom\n")
    failed = bot(farm, forge).run(updates=False)
    libtiff = failed.migrations[0].plan.states["libtiff"]  # type: ignore[union-attr]
    assert libtiff.state is State.FAILED and libtiff.reason.startswith(
        f"PR #1 merged, but the build of wheelfarm-libtiff {rebuilt} failed")
    assert libtiff.reason.endswith("tif_dir.c:12: error: boom") and len(libtiff.reason) < 2000
    assert states(failed)["tiffutil"] == "awaiting-parents"
    assert failed.migrations[0].plan.states["tiffutil"].reason == "waits for libtiff (failed)"  # type: ignore[union-attr]
    publish(index, "wheelfarm-libtiff", rebuilt)
    assert states(bot(farm, forge).run(updates=False))["libtiff"] == "done"


def test_a_merged_bump_whose_build_failed_says_so(farm: Path) -> None:
    from farm.bot.index_reader import record_build_failure

    forge = LocalForge(farm)
    bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False)
    merge(farm, "farm-bot/update/zlib")
    record_build_failure(farm / "index", "wheelfarm-zlib", "1.3.1", "...\nld: cannot find -lc\n")
    report = bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False)
    zlib = next(u for u in report.updates if u.recipe == "zlib")
    assert zlib.note == ("up to date; the build of wheelfarm-zlib 1.3.1 failed (its log in the index ends: "
                         "ld: cannot find -lc)")
    publish(farm / "index", "wheelfarm-zlib", "1.3.1")
    assert next(u for u in bot(farm, forge, zlib_upstream("1.3.1")).run(migrations=False).updates
                if u.recipe == "zlib").note == "up to date"
