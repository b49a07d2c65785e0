"""farm lint [PATH...]: every problem in one pass; exit 1 when there is an error."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from farm.cli._common import add_platform, add_root, settings
from farm.lint import Severity, lint_paths
from farm.pins import load_pins
from farm.platforms import current, parse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="recipe files or folders (default: the farm's recipes/)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--pins", type=Path, default=None, help="pins file (default: recipes/pins.yaml)")
    add_root(parser)
    add_platform(parser)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    paths = args.paths or [s.recipes]
    pins = load_pins(args.pins or s.pins_file)
    found = lint_paths(paths, pins, parse(args.platform) if args.platform else current())
    errors = sum(1 for d in found if d.severity is Severity.ERROR)
    if args.format == "json":
        json.dump({"diagnostics": [d.to_json() for d in found], "errors": errors,
                   "hints": len(found) - errors}, sys.stdout, indent=2)
        print()
    else:
        for d in found:
            print(d.format())
        print(f"{errors} error(s), {len(found) - errors} hint(s)", file=sys.stderr)
    return 1 if errors else 0
