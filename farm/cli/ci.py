"""farm ci plan|render|run: what a change rebuilds, the workflows that build it on GitHub
Actions, and the same plan built here."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from farm.cli._common import add_root, settings
from farm.errors import FarmError


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="ci_command", metavar="ACTION", required=True)
    plan = sub.add_parser("plan", help="the recipes a change rebuilds, their waves and the platform matrix, as JSON")
    plan.add_argument("range", metavar="BASE..HEAD", help="git revisions, e.g. origin/main..HEAD")
    plan.add_argument("--github-output", type=Path, default=None, metavar="FILE",
                      help="also append the wave matrices to this $GITHUB_OUTPUT file")
    plan.add_argument("--waves", type=int, default=None,
                      help="how many wave jobs the workflow has (with --github-output; default: the plan's)")
    add_root(plan)
    render = sub.add_parser("render", help="write .github/workflows/ from the templates in ci/workflows/")
    render.add_argument("--check", action="store_true", help="write nothing; fail if a workflow is out of date")
    add_root(render)
    run = sub.add_parser("run", help="build a plan here, wave by wave")
    run.add_argument("plan", metavar="PLAN.json|BASE..HEAD", help="a plan file from 'farm ci plan', or a range")
    run.add_argument("--local", action="store_true", required=True,
                     help="natively on this machine (the only runner farm has besides hosted CI)")
    run.add_argument("--no-test", action="store_true", help="skip the fresh-venv test stage")
    run.add_argument("--force", action="store_true", help="rebuild even when the build key is unchanged")
    add_root(run)


def _plan(args: argparse.Namespace) -> int:
    from farm.ci.change import read_change
    from farm.ci.config import load_ci_config
    from farm.ci.plan import github_output, plan_change

    s = settings(args)
    config = load_ci_config(s.root / "ci")
    with tempfile.TemporaryDirectory(prefix="farm-ci-") as scratch:
        plan = plan_change(read_change(s, args.range, Path(scratch)), config.platforms, s.namespace)
    if args.github_output is not None:
        text = github_output(plan, args.waves if args.waves is not None else len(plan.waves))
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(text)
    print(json.dumps(plan.to_json(), indent=2))
    return 0


def _render(args: argparse.Namespace) -> int:
    from farm.ci.render import out_of_date, render_workflows, write_workflows

    s = settings(args)
    files = render_workflows(s)
    dest = s.root / ".github" / "workflows"
    if args.check:
        stale = out_of_date(files, dest)
        for name in stale:
            print(f"out of date: {dest / name}", file=sys.stderr)
        if stale:
            print("run 'farm ci render' and commit .github/workflows/", file=sys.stderr)
        return 1 if stale else 0
    for path in write_workflows(files, dest):
        print(f"wrote {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from farm.build import Builder
    from farm.catalog import Catalog
    from farm.ci.local import run_local
    from farm.cli.build import _Printer
    from farm.ci.plan import CiPlan

    s = settings(args)
    if Path(args.plan).is_file():
        try:
            data = json.loads(Path(args.plan).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FarmError(f"{args.plan}: cannot read the plan: {exc}") from None
        plan = CiPlan.from_json(data, args.plan)
    else:
        from farm.ci.change import read_change
        from farm.ci.config import load_ci_config
        from farm.ci.plan import plan_change

        config = load_ci_config(s.root / "ci")
        with tempfile.TemporaryDirectory(prefix="farm-ci-") as scratch:
            plan = plan_change(read_change(s, args.plan, Path(scratch)), config.platforms, s.namespace)
    printer = _Printer()
    builder = Builder(s, Catalog.from_settings(s), printer, test=not args.no_test, force=args.force)
    done = run_local(plan, builder)
    for r in done.results:
        print(f"{'unchanged' if r.skipped else 'built':<10} wave {r.wave} {r.result.wheel}")
    for e in done.elsewhere:
        print(f"{'elsewhere':<10} wave {e.wave} {e.recipe} on {e.platform} (a {e.runner} runner)", file=sys.stderr)
    print(f"{len(done.results)} wheel(s) of {len(plan.recipes)} planned recipe(s) on {builder.catalog.platform.name}, "
          f"{sum(not r.skipped for r in done.results)} built", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    return {"plan": _plan, "render": _render, "run": _run}[args.ci_command](args)
