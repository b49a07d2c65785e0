"""farm pep725 mapping|show: the farm's DepURL mapping file, and what a project's [external] table maps to."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from farm.cli._common import add_platform, add_root, catalog, settings
from farm.pep725 import mapping_document, providers, read_external, read_pyproject, resolve

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="pep725_command", metavar="ACTION", required=True)
    mapping = sub.add_parser("mapping", help="write the farm's mapping in the external-metadata-mappings schema",
                             description="Write the farm's DepURL -> wheel mapping (external-metadata-mappings "
                                         "schema) to FILE, or print it.")
    mapping.add_argument("-o", "--output", type=Path, default=None, metavar="FILE", help="write here (default: stdout)")
    mapping.add_argument("--index-url", default=None,
                         help="the farm's simple index, put into the install commands as --extra-index-url")
    add_root(mapping)
    add_platform(mapping)
    show = sub.add_parser("show", help="the [external] DepURLs of an sdist or source tree and the recipes they map to",
                          description="Print each [external] DepURL of a project and what the farm maps it to.")
    show.add_argument("project", type=Path, metavar="SDIST_OR_DIR")
    show.add_argument("--format", choices=("text", "json"), default="text")
    add_root(show)
    add_platform(show)


def run(args: argparse.Namespace) -> int:
    namespace = settings(args).namespace
    farm = providers(catalog(args).rendered, namespace)
    if args.pep725_command == "mapping":
        text = json.dumps(mapping_document(farm, namespace, index_url=args.index_url), indent=2) + "\n"
        if args.output is None:
            print(text, end="")
        else:
            _write(args.output, text)
        return 0
    source_text, source = read_pyproject(args.project)
    external = read_external(source_text, source)
    rows = resolve(external, farm) if external is not None else ()
    if args.format == "json":
        print(json.dumps([{"section": r.entry.section, "extra": r.entry.extra, "depurl": str(r.entry.url),
                           "marker": r.entry.marker, "applies": r.entry.applies(),
                           "recipes": list(r.recipes), "wheels": [p.dist for p in r.providers],
                           "outside_range": [p.dist for p in r.too_old_or_new]} for r in rows], indent=2))
        return 0
    if external is None:
        print(f"{source}: no [external] table")
        return 0
    print(f"{source}:")
    for r in rows:
        where = r.entry.section + (f"[{r.entry.extra}]" if r.entry.extra else "")
        marker = f"; {r.entry.marker}" + ("" if r.entry.applies() else " (not here)") if r.entry.marker else ""
        if not r.mapped:
            target = "unmapped (no farm recipe provides it)"
        else:
            target = ", ".join(f"{p.recipe} ({p.dist} {p.version}"
                               + (", outside the range" if p in r.too_old_or_new else "") + ")" for p in r.providers)
        print(f"  {where:<24} {r.entry.url}{marker} -> {target}")
    return 0


def _write(path: Path, text: str) -> None:
    """All or nothing: a temporary file beside ``path``, renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
