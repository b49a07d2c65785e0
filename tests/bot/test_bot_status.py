"""The status page: Markdown, HTML and its SVG, and the HTML as a real browser renders it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bot_fakes import commit_all, publish

from farm.bot.forge_local import LocalForge
from farm.bot.index_reader import IndexReader
from farm.bot.planner import Member, Plan, Scope, State, plan
from farm.bot.runner import Effects, Report, Runner
from farm.bot.status import render_html, render_markdown, waves_svg, write_status
from farm.bot.versions import Response
from farm.cli import main
from farm.graph import Graph
from farm.platforms import parse
from farm.settings import load_settings
from packaging.version import Version

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: CI installs it with: apt-get install -y chromium
NEEDS_CHROMIUM = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


def report_for(farm: Path) -> Report:
    assert main(["migrate", "new", "--pin", "zlib=1.2.13", "--root", str(farm)]) == 0
    commit_all(farm, "migration")
    publish(farm / "index", "wheelfarm-zlib", "1.2.13")
    s = load_settings(farm)
    fx = Effects(forge=LocalForge(farm), index=IndexReader(str(s.index)),
                 http=lambda url, headers: Response(404, b""), download=lambda url: iter([b""]), clock=lambda: 1.8e9)
    return Runner(s, fx, platform=parse("linux-x86_64")).run(updates=False)


def test_markdown_lists_every_recipe_with_its_reason(farm: Path) -> None:
    md = render_markdown(report_for(farm))
    assert "Generated 2027-01-15 08:00 UTC." in md
    assert "## zlib-1.2.13" in md and "0 of 3 done (0%)" in md
    assert "| 1 | libtiff | in-pr | PR #1 is open | #1 |" in md
    assert "| 2 | tiffutil | awaiting-parents | waits for libtiff (in-pr) |  |" in md
    assert "- zlib-1.2.13: opened libtiff #1" in md


def test_html_is_well_formed_and_escapes_everything(farm: Path) -> None:
    report = report_for(farm)
    page = render_html(report)
    body = page.split("<script>")[0].replace("<!DOCTYPE html>", "") + "</body></html>"
    ElementTree.fromstring(body.replace("&nbsp;", " "))  # parses as XML: every tag closed, every value escaped
    assert page.count('<tr data-state=') == 3
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    root = ElementTree.fromstring(svg.group(0))
    recipes = root.findall(".//{http://www.w3.org/2000/svg}g[@class='recipe']")
    assert {(g.get("data-recipe"), g.get("data-state")) for g in recipes} == {
        ("libtiff", "in-pr"), ("tiffutil", "awaiting-parents"), ("tiffconv", "awaiting-parents")}
    edges = root.findall(".//{http://www.w3.org/2000/svg}line")
    assert {(e.get("data-from"), e.get("data-to"), e.get("data-direct")) for e in edges} == {
        ("libtiff", "tiffutil", "true"), ("tiffutil", "tiffconv", "false")}


def test_large_migrations_are_drawn_wave_by_wave() -> None:
    names = [f"r{i}" for i in range(500)]
    g = Graph.build({n: ([names[i - 1]] if i % 5 else []) for i, n in enumerate(names)})
    p: Plan = plan(g, Scope("big", {n: Member(n, f"wheelfarm-{n}", Version("1")) for n in names}), {}, {}, {}, 0.0)
    svg = waves_svg(p, (), individual=False)
    root = ElementTree.fromstring(svg)
    waves = root.findall("{http://www.w3.org/2000/svg}g")
    assert [w.get("data-count") for w in waves] == ["100"] * 5
    assert root.find(".//{http://www.w3.org/2000/svg}rect[@data-state='awaiting-pr']") is not None


def test_write_status_replaces_files_whole(tmp_path: Path, farm: Path) -> None:
    md, page = write_status(report_for(farm), tmp_path / "out")
    assert md.read_text().startswith("# Bot status") and page.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["index.html", "status.md"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False)


@NEEDS_CHROMIUM
def test_the_page_in_a_real_browser(tmp_path: Path, farm: Path) -> None:
    report = report_for(farm)
    _, page = write_status(report, tmp_path / "site")
    done = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    # the script ran: it counted the recipes that need a person
    assert re.search(r'<p id="attention" data-count="0">Nothing needs a person right now\.</p>', dom)
    # the SVG was parsed as SVG inside HTML, boxes carrying their states
    assert re.search(r'<g class="recipe" data-recipe="libtiff" data-state="in-pr">', dom)
    assert 'data-wave="2"' in dom and 'data-wave="3"' in dom
    assert re.search(r'<tr data-state="awaiting-parents" data-recipe="tiffconv">.*?waits for tiffutil \(awaiting-parents\)',
                     dom, re.S)
    assert 'aria-valuenow="0"' in dom
    shot = tmp_path / "shot.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1000,800", page.as_uri(), profile=tmp_path / "profile2")
    assert done.returncode == 0 and shot.stat().st_size > 10_000


@NEEDS_CHROMIUM
def test_failures_are_counted_in_the_browser(tmp_path: Path) -> None:
    g = Graph.build({"a": [], "b": []})
    scope = Scope("m", {"a": Member("a", "wheelfarm-a", Version("1"), error="does not render"),
                        "b": Member("b", "wheelfarm-b", Version("1"))})
    from farm.bot.migration import Migration
    from farm.bot.runner import MigrationReport

    p = plan(g, scope, {}, {}, {}, 0.0)
    assert p.states["a"].state is State.BOT_ERROR
    report = Report(0.0, (MigrationReport(Migration("m", tmp_path / "m.yaml", "s <b>&</b>"), p),))
    _, page = write_status(report, tmp_path / "site")
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    assert '<p id="attention" data-count="1">1 need a person (failed, stuck, bot-error or a version check that failed): their reasons say what to do.</p>' in dom
    assert "s &lt;b&gt;&amp;&lt;/b&gt;" in dom


def test_a_stuck_migration_needs_a_person_and_shows_its_pinned_library(tmp_path: Path) -> None:
    from farm.bot.migration import Migration
    from farm.bot.planner import Root
    from farm.bot.runner import MigrationReport

    g = Graph.build({"z": [], "t": ["z"]})
    root = Root("z", "wheelfarm-z", Version("2"), blocked="nothing will build: recipes/z has 1. Bump it")
    p = plan(g, Scope("m", {"t": Member("t", "wheelfarm-t", Version("1"), ("z",))}, {"z": root}), {}, {}, {}, 0.0)
    report = Report(0.0, (MigrationReport(Migration("m", tmp_path / "m.yaml", "s"), p),))
    md = render_markdown(report)
    assert "2 need a person (failed, stuck, bot-error or a version check that failed)" in md and "| z | 2 | stuck | nothing will build" in md
    page = render_html(report)
    assert '<p id="attention" data-count="2">' in page
    assert '<tr class="root" data-root="z" data-root-state="stuck">' in page
    assert '<tr data-state="stuck" data-recipe="t">' in page and 'data-filter="stuck"' in page


def test_a_version_check_that_failed_needs_a_person() -> None:
    from farm.bot.runner import UpdateReport

    failed = UpdateReport("proj", "9.1.1", "9.9.0", error="proj 9.9.0-1 (forky): the mirror does not have it")
    report = Report(0.0, (), updates=(failed, UpdateReport("zlib", "1.3.1", None, note="up to date")))
    md = render_markdown(report)
    assert "1 need a person (failed, stuck, bot-error or a version check that failed)" in md
    assert "Nothing needs a person" not in md and "the mirror does not have it" in md
