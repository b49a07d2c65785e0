"""The status page: Markdown for the repository, and a static HTML page with an SVG
picture of each migration's waves, generated from a pass's :class:`Report`.

The page says when it was generated, so a stale page is visible as stale; every recipe's
state comes with its reason, and a waiting recipe names what it waits for.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from farm.bot.planner import NEEDS_A_PERSON, Plan, RecipeState, RootState, State
from farm.bot.runner import MigrationReport, Report

__all__ = ["STATE_COLORS", "render_html", "render_markdown", "waves_svg", "write_status"]

STATE_COLORS: dict[State, str] = {
    State.DONE: "#2da44e",
    State.IN_PR: "#0969da",
    State.AWAITING_PR: "#d4a72c",
    State.AWAITING_PARENTS: "#8c959f",
    State.FAILED: "#cf222e",
    State.BOT_ERROR: "#8250df",
    State.STUCK: "#bc4c00",
}
#: a pinned library's state -> its colour (its own small vocabulary: it is not a recipe the migration rebuilds)
ROOT_COLORS: dict[str, str] = {"done": "#2da44e", "awaiting": "#8c959f", "stuck": "#bc4c00", "failed": "#cf222e"}
_ORDER = list(STATE_COLORS)

_BOX_W, _BOX_H, _COL_W, _ROW_H, _PAD = 150, 24, 200, 32, 24


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _counts(plan: Plan) -> Counter[State]:
    return Counter(s.state for s in plan.states.values())


def _summary(plan: Plan) -> str:
    total = len(plan.states)
    done = plan.count(State.DONE)
    pct = 100 if not total else round(100 * done / total)
    return f"{done} of {total} done ({pct}%)"


def waves_svg(plan: Plan, edges: Sequence[tuple[str, str, bool]], individual: bool = True) -> str:
    """The waves left to right; one box per recipe (coloured by state), or one stacked bar per wave.

    An edge joins a recipe to an affected recipe it waits for: solid when it links it directly,
    dashed when through recipes the migration does not rebuild.
    """
    if not plan.waves:
        return '<svg xmlns="http://www.w3.org/2000/svg" class="waves" width="240" height="40" role="img" ' \
               'aria-label="no affected recipes"><text x="8" y="24">no affected recipes</text></svg>'
    if not individual:
        return _bars_svg(plan)
    where: dict[str, tuple[int, int]] = {}
    for w, wave in enumerate(plan.waves):
        for r, name in enumerate(wave):
            where[name] = (_PAD + w * _COL_W, _PAD + 20 + r * _ROW_H)
    width = _PAD * 2 + (len(plan.waves) - 1) * _COL_W + _BOX_W
    height = _PAD * 2 + 20 + max(len(w) for w in plan.waves) * _ROW_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="waves" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="waves of {_e(plan.migration)}">']
    for w in range(len(plan.waves)):
        out.append(f'<text class="wave-label" x="{_PAD + w * _COL_W}" y="{_PAD + 8}" font-size="12" '
                   f'font-weight="bold">wave {w + 1}</text>')
    for child, parent, direct in edges:
        if child in where and parent in where:
            (px, py), (cx, cy) = where[parent], where[child]
            dash = "" if direct else ' stroke-dasharray="4 3"'
            out.append(f'<line class="edge" data-from="{_e(parent)}" data-to="{_e(child)}" '
                       f'data-direct="{str(direct).lower()}" x1="{px + _BOX_W}" y1="{py + _BOX_H // 2}" x2="{cx}" '
                       f'y2="{cy + _BOX_H // 2}" stroke="#57606a" stroke-width="1"{dash}/>')
    for w, wave in enumerate(plan.waves):
        out.append(f'<g class="wave" data-wave="{w + 1}">')
        for name in wave:
            s = plan.states[name]
            x, y = where[name]
            out.append(
                f'<g class="recipe" data-recipe="{_e(name)}" data-state="{s.state}">'
                f"<title>{_e(name)}: {_e(s.state)} — {_e(s.reason)}</title>"
                f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="4" fill="{STATE_COLORS[s.state]}"/>'
                f'<text x="{x + 8}" y="{y + 16}" font-size="12" fill="#ffffff">{_e(name[:20])}</text></g>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _bars_svg(plan: Plan) -> str:
    per_wave = [Counter(plan.states[n].state for n in wave) for wave in plan.waves]
    top = max(sum(c.values()) for c in per_wave)
    bar_h = 200
    width = _PAD * 2 + len(per_wave) * 60
    height = bar_h + _PAD * 2 + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="waves" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="waves of {_e(plan.migration)}">']
    for w, counts in enumerate(per_wave):
        x = _PAD + w * 60
        y = _PAD + bar_h
        out.append(f'<g class="wave" data-wave="{w + 1}" data-count="{sum(counts.values())}">')
        for state in _ORDER:
            if not counts[state]:
                continue
            h = max(1, round(bar_h * counts[state] / top))
            y -= h
            out.append(f'<rect class="bar" data-state="{state}" x="{x}" y="{y}" width="40" height="{h}" '
                       f'fill="{STATE_COLORS[state]}"><title>wave {w + 1}: {counts[state]} {state}</title></rect>')
        out.append(f'<text x="{x}" y="{_PAD + bar_h + 16}" font-size="11">{w + 1}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _rows(plan: Plan) -> list[RecipeState]:
    return sorted(plan.states.values(), key=lambda s: (s.wave, _ORDER.index(s.state), s.name))


def _pr_cell(s: RecipeState) -> str:
    return f"#{s.pr}" if s.pr else ""


def _attention(report: Report) -> int:
    return sum(1 for mr in report.migrations if mr.plan is not None
               for s in mr.plan.states.values() if s.state in NEEDS_A_PERSON) + \
        sum(1 for mr in report.migrations if mr.plan is not None
            for r in mr.plan.roots.values() if r.state in ("stuck", "failed")) + \
        sum(1 for u in report.updates if u.error)  # the bot cannot see what upstream has


def _attention_text(n: int) -> str:
    return "Nothing needs a person right now." if n == 0 else \
        f"{n} need a person (failed, stuck, bot-error or a version check that failed): their reasons say what to do."


def render_markdown(report: Report) -> str:
    lines = ["# Bot status", "", f"Generated {_when(report.generated)}.", "",
             _attention_text(_attention(report)), ""]
    if report.broken:
        lines += ["## Migration files that do not load", ""] + [f"- `{p}`" for p in report.broken] + [""]
    for mr in report.migrations:
        lines += _markdown_migration(mr)
    if report.updates:
        lines += ["## Version updates", "", "| recipe | recipe has | upstream | PR | note |", "| --- | --- | --- | --- | --- |"]
        for u in report.updates:
            note = f"error: {u.error}" if u.error else u.note
            lines.append(f"| {u.recipe} | {u.current} | {u.newest or '-'} | {f'#{u.pr}' if u.pr else ''} | "
                         f"{_md(note)} |")
        lines.append("")
    if report.actions:
        lines += ["## This run", ""] + [f"- {a.scope}: {a.kind} {a.recipe} {f'#{a.pr}' if a.pr else ''} — {_md(a.detail)}"
                                         for a in report.actions] + [""]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_migration(mr: MigrationReport) -> list[str]:
    m = mr.migration
    lines = [f"## {m.id}", "", m.summary, ""]
    if mr.problems:
        return lines + ["The bot is not working on this migration until these are fixed:", ""] + \
            [f"- `{p}`" for p in mr.problems] + [""]
    assert mr.plan is not None
    plan = mr.plan
    facts = [", ".join(m.kinds), _summary(plan), f"new PRs this run: up to {plan.limit}"]
    if m.paused:
        facts.append("**paused**")
    if mr.completion:
        facts.append(mr.completion)
    lines += [" · ".join(facts), ""]
    counts = _counts(plan)
    lines += [" ".join(f"{state}: {counts[state]}" for state in _ORDER if counts[state]), ""]
    if plan.roots:
        lines += ["| pinned library | version | state | reason |", "| --- | --- | --- | --- |"]
        lines += [f"| {r.name} | {r.version} | {r.state} | {_md(r.reason)} |" for r in plan.roots.values()]
        lines.append("")
    lines += ["| wave | recipe | state | reason | PR |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {s.wave} | {s.name} | {s.state} | {_md(s.reason)} | {_pr_cell(s)} |" for s in _rows(plan)]
    return lines + [""]


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { margin-bottom: 0; } .generated { color: #57606a; }
section.migration { border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: 1rem; }
.progress { width: 320px; height: 12px; background: #eaeef2; border-radius: 6px; overflow: hidden; }
.progress > div { height: 100%; background: #2da44e; }
table { border-collapse: collapse; margin-top: 1rem; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }
.state { color: #ffffff; border-radius: 4px; padding: 0 6px; white-space: nowrap; }
.problems li, .broken li { font-family: monospace; }
.filters button { margin-right: 4px; }
.picture { overflow-x: auto; }
td.reason { white-space: pre-wrap; }
"""

_SCRIPT = """
(function () {
  var rows = document.querySelectorAll('tr[data-state]');
  document.querySelectorAll('.filters button').forEach(function (b) {
    b.addEventListener('click', function () {
      var want = b.getAttribute('data-filter');
      rows.forEach(function (r) {
        r.hidden = want !== 'all' && r.getAttribute('data-state') !== want;
      });
    });
  });
})();
"""


def render_html(report: Report, picture_limit: int = 300) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        "<title>Bot status</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Bot status</h1>",
        f'<p class="generated">Generated <time datetime="{datetime.fromtimestamp(report.generated, UTC).isoformat()}">'
        f"{_when(report.generated)}</time>. If this is old, the bot has stopped running.</p>",
        f'<p id="attention" data-count="{_attention(report)}">{_e(_attention_text(_attention(report)))}</p>',
        '<p class="filters">Show: <button data-filter="all">all</button>'
        + "".join(f'<button data-filter="{s}">{s}</button>' for s in _ORDER) + "</p>",
    ]
    if report.broken:
        parts.append('<section class="broken"><h2>Migration files that do not load</h2><ul>'
                     + "".join(f"<li>{_e(p)}</li>" for p in report.broken) + "</ul></section>")
    for mr in report.migrations:
        parts.append(_html_migration(mr, picture_limit))
    if report.updates:
        parts.append(_html_updates(report))
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


def _badge(state: State) -> str:
    return f'<span class="state" style="background:{STATE_COLORS[state]}">{_e(state)}</span>'


def _html_migration(mr: MigrationReport, picture_limit: int) -> str:
    m = mr.migration
    head = (f'<section class="migration" id="migration-{_e(m.id)}" data-migration="{_e(m.id)}">'
            f"<h2>{_e(m.id)}</h2><p class=\"summary\">{_e(m.summary)}</p>")
    if mr.problems:
        return head + '<p>The bot is not working on this migration until these are fixed:</p><ul class="problems">' \
            + "".join(f"<li>{_e(p)}</li>" for p in mr.problems) + "</ul></section>"
    assert mr.plan is not None
    plan = mr.plan
    total = len(plan.states)
    pct = 100 if not total else round(100 * plan.count(State.DONE) / total)
    facts = [", ".join(m.kinds), f"new PRs this run: up to {plan.limit}"]
    if m.paused:
        facts.append("<strong>paused</strong>")
    if mr.completion:
        facts.append(_e(mr.completion))
    counts = _counts(plan)
    rows = "".join(
        f'<tr data-state="{s.state}" data-recipe="{_e(s.name)}"><td>{s.wave}</td><td>{_e(s.name)}</td>'
        f"<td>{_badge(s.state)}</td><td class=\"reason\">{_e(s.reason)}</td><td>{_e(s.target)}</td>"
        f"<td>{_pr_link(s)}</td></tr>"
        for s in _rows(plan))
    return (
        head
        + f'<p class="facts">{" · ".join(facts)}</p>'
        + f'<p class="progress-text" data-done="{plan.count(State.DONE)}" data-total="{total}">{_e(_summary(plan))}</p>'
        + f'<div class="progress" role="progressbar" aria-valuenow="{pct}" aria-valuemin="0" aria-valuemax="100">'
        + f'<div style="width:{pct}%"></div></div>'
        + '<p class="counts">' + " ".join(f"{_badge(s)} {counts[s]}" for s in _ORDER if counts[s]) + "</p>"
        + _html_roots(plan)
        + f'<div class="picture">{waves_svg(plan, mr.edges, individual=total <= picture_limit)}</div>'
        + "<table><thead><tr><th>wave</th><th>recipe</th><th>state</th><th>reason</th><th>target</th><th>PR</th>"
        + f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _html_roots(plan: Plan) -> str:
    if not plan.roots:
        return ""

    def row(r: RootState) -> str:
        badge = f'<span class="state" style="background:{ROOT_COLORS[r.state]}">{_e(r.state)}</span>'
        return (f'<tr class="root" data-root="{_e(r.name)}" data-root-state="{_e(r.state)}"><td>{_e(r.name)}</td>'
                f'<td>{_e(r.version)}</td><td>{badge}</td><td class="reason">{_e(r.reason)}</td></tr>')

    return ('<table class="roots"><thead><tr><th>pinned library</th><th>version</th><th>state</th><th>reason</th>'
            "</tr></thead><tbody>" + "".join(row(r) for r in plan.roots.values()) + "</tbody></table>")


def _pr_link(s: RecipeState) -> str:
    if not s.pr:
        return ""
    if s.pr_url.startswith(("http://", "https://")):
        return f'<a href="{_e(s.pr_url)}">#{s.pr}</a>'
    return f"#{s.pr}"


def _html_updates(report: Report) -> str:
    rows: Iterable[str] = (
        f'<tr data-recipe="{_e(u.recipe)}"><td>{_e(u.recipe)}</td><td>{_e(u.current)}</td><td>{_e(u.newest or "-")}</td>'
        f"<td>{f'#{u.pr}' if u.pr else ''}</td><td>{_e(f'error: {u.error}' if u.error else u.note)}</td></tr>"
        for u in report.updates)
    return ('<section class="updates" id="updates"><h2>Version updates</h2><table><thead><tr><th>recipe</th>'
            "<th>recipe has</th><th>upstream</th><th>PR</th><th>note</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_status(report: Report, folder: Path) -> tuple[Path, Path]:
    """``status.md`` and ``index.html`` in ``folder``, each replaced atomically (never half written)."""
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "status.md", folder / "index.html"
    _write(md, render_markdown(report))
    _write(page, render_html(report))
    return md, page
