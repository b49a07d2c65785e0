"""farm codeowners: write .github/CODEOWNERS from the recipes' maintainers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from farm.cli._common import add_root, settings
from farm.codeowners import codeowners
from farm.recipe.render import discover, read_document


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--core", action="append", default=["wheelfarm/core"],
                        help="team owning everything outside recipes (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date, write nothing")
    parser.add_argument("--stdout", action="store_true", help="print instead of writing")
    add_root(parser)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    owners: dict[str, list[str]] = {}
    for file in discover(s.recipes):
        doc = read_document(file)
        m = doc.data.get("maintainers")
        owners[file.parent.name] = [str(x) for x in m] if isinstance(m, list) else []
    text = codeowners(owners, os.path.relpath(s.recipes, s.root), core=args.core)
    target = s.root / ".github" / "CODEOWNERS"
    if args.stdout:
        print(text, end="")
        return 0
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date; run 'farm codeowners'")
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    print(f"wrote {target} ({len(owners)} recipes)")
    return 0
