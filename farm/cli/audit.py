"""farm audit: auditwheel's policy check of library wheels, their sibling wheels excluded."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from farm.audit import Audit, audit_wheel
from farm.cli._common import add_root, settings
from farm.cuda import DRIVER_LIBRARIES
from farm.pins import load_pins


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("wheels", nargs="*", type=Path, help="wheels to audit (default: every wheel in the wheelhouse)")
    parser.add_argument("--find-links", action="append", type=Path, default=[], metavar="DIR",
                        help="another folder holding the sibling wheels required (the wheelhouse is always searched)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    add_root(parser)


def _row(a: Audit) -> dict[str, object]:
    return {"wheel": a.wheel.name, "ok": a.ok, "policy": a.policy, "tags": list(a.tags),
            "excluded": a.excluded, "external": list(a.external), "problems": list(a.problems)}


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    wheels = args.wheels or sorted(s.wheelhouse.glob("*.whl"))
    folders = [*args.find_links, s.wheelhouse, *{w.parent.resolve() for w in args.wheels}]
    pins = load_pins(s.pins_file)
    external = {name: ext.sonames for name, ext in pins.external.items()}
    audits = [audit_wheel(w, s.namespace, folders, external, DRIVER_LIBRARIES) for w in wheels]
    if args.format == "json":
        print(json.dumps([_row(a) for a in audits], indent=2))
    else:
        for a in audits:
            siblings = ", ".join(sorted(a.excluded)) or "none"
            print(f"{'ok  ' if a.ok else 'FAIL'} {a.wheel.name}: {a.policy} (siblings excluded: {siblings})")
            for problem in a.problems:
                print(f"     {problem}")
    return 0 if all(a.ok for a in audits) else 1
