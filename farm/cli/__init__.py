"""The command line: the only place that prints or exits.

Each subcommand lives in a module of this package exposing ``HELP``,
``configure(parser)`` and ``run(args) -> int``; modules are imported only when
their command runs, so ``farm --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from farm import __version__
from farm.errors import FarmError

__all__ = ["main", "COMMANDS"]

#: command name -> (module implementing it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("farm.cli.lint", "check recipes; every problem in one pass"),
    "render": ("farm.cli.render", "print the fully resolved recipe for each variant"),
    "graph": ("farm.cli.graph", "dependencies, dependents, build waves, DOT export"),
    "codeowners": ("farm.cli.codeowners", "generate .github/CODEOWNERS from maintainers"),
    "schema": ("farm.cli.schema", "print the recipe JSON schema"),
    "build": ("farm.cli.build", "build recipes into tested library wheels"),
    "audit": ("farm.cli.audit", "auditwheel's policy check with the sibling wheels excluded"),
    "index": ("farm.cli.index", "write the static package index from the wheelhouse"),
    "serve": ("farm.cli.serve", "serve the package index over HTTP"),
    "cibw": ("farm.cli.cibw", "print a cibuildwheel configuration for a recipe"),
    "doctor": ("farm.cli.doctor", "native libraries this environment sees, and conflicts"),
    "migrate": ("farm.cli.migrate", "draft migrations and report their status"),
    "bot": ("farm.cli.bot", "one scheduled pass of the bot"),
    "ci": ("farm.cli.ci", "plan, render and run hosted CI: what a change rebuilds, wave by wave"),
    "pep725": ("farm.cli.pep725", "PEP 725 DepURLs: the farm's mapping file, and what a project's [external] maps to"),
}


class _Command(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _load(name: str) -> _Command:
    return cast(_Command, importlib.import_module(COMMANDS[name][0]))


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="farm", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.description = "wheelfarm: build native libraries into shared-library wheels."
    parser.add_argument("--version", action="version", version=f"farm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, (_, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == wanted:
            _load(name).configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(args_list)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return _load(args.command).run(args)
    except FarmError as exc:
        print(f"farm {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"farm {args.command}: interrupted", file=sys.stderr)
        return 130
