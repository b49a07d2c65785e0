"""``farm doctor``: native libraries this environment sees and loads, and which of them clash."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from farm.doctor import CHECKS, Severity, diagnose, render_json, render_table

__all__ = ["EXIT_ERRORS", "HELP", "configure", "run"]

HELP = "native libraries this environment sees, and conflicts"

#: exit status when the report holds at least one finding of severity "error"
EXIT_ERRORS = 3


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "checks: "
        + "; ".join(f"{c.id} {c.name} ({c.severity.value})" for c in CHECKS.values())
        + f". Exit status {EXIT_ERRORS} when a finding of severity error is reported."
    )
    parser.add_argument(
        "--python",
        type=Path,
        metavar="PATH",
        help="inspect the environment of this interpreter instead of farm's own",
    )
    parser.add_argument(
        "--process",
        action="store_true",
        help="also list the libraries loaded in the process (this one, or one of --python's)",
    )
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE before inspecting the process (repeatable; implies --process)",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument(
        "--call-versions",
        action="store_true",
        help="ask libraries their version by calling them via ctypes, each in a subprocess",
    )
    parser.add_argument("--no-driver", action="store_true", help="do not look for an NVIDIA driver")
    parser.add_argument(
        "--namespace",
        default="wheelfarm",
        help="the farm's namespace word: library wheels are <namespace>-<name> (default: wheelfarm)",
    )


def run(args: argparse.Namespace) -> int:
    report = diagnose(
        python=args.python,
        process=args.process,
        imports=args.imports,
        namespace=args.namespace,
        call_versions=args.call_versions,
        check_driver=not args.no_driver,
    )
    text = render_json(report) if args.format == "json" else render_table(report)
    sys.stdout.write(text)
    return EXIT_ERRORS if any(f.severity is Severity.ERROR for f in report.findings) else 0
