"""farm migrate new|check|status: draft a migration, check every migration file, report progress."""

from __future__ import annotations

import argparse
import json
from datetime import date
from types import MappingProxyType

from farm.bot.facts import read_facts
from farm.bot.migration import Change, MigrationError, check_migration, draft_migration, load_migrations, retired_ids
from farm.bot.status import write_status
from farm.catalog import Catalog
from farm.cli._common import add_root, settings
from farm.cli.bot import add_forge_arguments, effects, print_report, status_dir
from farm.errors import FarmError
from farm.bot.runner import Runner
from farm.pins import load_pins
from farm.platforms import current

__all__ = ["configure", "run"]


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        key, sep, value = v.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise FarmError(f"{flag} {v!r}: write KEY=VALUE, e.g. {flag} zlib=1.3.1")
        out[key.strip()] = value.strip()
    return out


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="migrate_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="draft a migration file", description="Draft recipes/migrations/<id>.yaml.")
    add_root(new)
    new.add_argument("--pin", action="append", metavar="NAME=VERSION", help="move a library's pin (repeatable)")
    new.add_argument("--toolchain", action="append", metavar="KEY=VALUE", help="change a toolchain value")
    new.add_argument("--policy", action="append", metavar="PLATFORM=POLICY", help="change a platform's policy")
    new.add_argument("--variant", action="append", metavar="AXIS=VALUE", help="add a variant value, e.g. cuda=13")
    new.add_argument("--id", default=None, help="the migration's id (default: derived from the change)")
    new.add_argument("--print", action="store_true", help="print the draft instead of writing it")

    check = sub.add_parser("check", help="validate every migration file; all problems at once",
                           description="Validate every migration file against the schema and the recipes.")
    add_root(check)

    status = sub.add_parser("status", help="write the status page (Markdown and HTML); no PRs are opened",
                            description="Plan every migration and write the status page.")
    add_forge_arguments(status)
    status.add_argument("--format", choices=("text", "json"), default="text")


def _new(args: argparse.Namespace) -> int:
    s = settings(args)
    pins = load_pins(s.pins_file)
    platform = current()
    facts = read_facts(Catalog(s.recipes, pins, platform).documents, pins, platform)
    variants = {k: (v,) for k, v in _pairs(args.variant, "--variant").items()}
    change = Change(
        pins=MappingProxyType(_pairs(args.pin, "--pin")),
        toolchain=MappingProxyType(_pairs(args.toolchain, "--toolchain")),
        platforms=MappingProxyType(_pairs(args.policy, "--policy")),
        variants=MappingProxyType(variants),
    )
    draft = draft_migration(change, pins, facts, date.today(), args.id)
    if args.print:
        print(draft.text, end="")
        return 0
    target = s.migrations / draft.file_name
    if target.exists() or (s.migrations / "retired" / draft.file_name).exists():
        raise FarmError(f"{target} already exists (active or retired); choose another --id")
    s.migrations.mkdir(parents=True, exist_ok=True)
    target.write_text(draft.text, encoding="utf-8")
    print(f"wrote {target}")
    print("review it, commit it, and the next bot run starts the migration ('farm migrate status' shows the plan)")
    return 0


def _check(args: argparse.Namespace) -> int:
    s = settings(args)
    pins = load_pins(s.pins_file)
    platform = current()
    facts = read_facts(Catalog(s.recipes, pins, platform).documents, pins, platform)
    try:
        migrations = load_migrations(s.migrations)
    except MigrationError as exc:
        for p in exc.problems:
            print(p)
        print(f"{len(exc.problems)} problem(s)")
        return 1
    known = {m.id for m in migrations} | retired_ids(s.migrations)
    problems = [p for m in migrations for p in check_migration(m, facts, pins, known)]
    for p in problems:
        print(p)
    print(f"{len(migrations)} migration(s), {len(problems)} problem(s)")
    return 1 if problems else 0


def _status(args: argparse.Namespace) -> int:
    s = settings(args)
    fx = effects(args, s, versions=False, quiet=True)
    report = Runner(s, fx).run(act=False, updates=False)
    md, page = write_status(report, status_dir(args, s))
    if args.format == "json":
        out = {
            "generated": report.generated,
            "broken": list(report.broken),
            "migrations": [
                {"id": mr.migration.id, "problems": list(mr.problems),
                 "waves": [list(w) for w in mr.plan.waves] if mr.plan else [],
                 "recipes": {n: {"state": str(st.state), "reason": st.reason, "wave": st.wave, "pr": st.pr}
                             for n, st in (mr.plan.states.items() if mr.plan else ())}}
                for mr in report.migrations
            ],
            "files": [str(md), str(page)],
        }
        print(json.dumps(out, indent=2))
    else:
        print_report(report)
        print(f"status: {md} {page}")
    return 1 if report.broken else 0


def run(args: argparse.Namespace) -> int:
    handlers = {"new": _new, "check": _check, "status": _status}
    return handlers[args.migrate_command](args)
