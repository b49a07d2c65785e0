"""What several commands share: settings from the command line, and output formats."""

from __future__ import annotations

import argparse
from pathlib import Path

from farm.catalog import Catalog
from farm.errors import FarmError
from farm.platforms import parse
from farm.settings import Settings, load_settings

__all__ = ["add_platform", "add_root", "catalog", "settings"]


def add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=None,
                        help="the farm's repository root (default: found from the current folder)")


def add_platform(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", default=None, help="target platform, e.g. linux-x86_64 (default: this machine)")


def settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "root", None))


def catalog(args: argparse.Namespace) -> Catalog:
    platform = getattr(args, "platform", None)
    cat = Catalog.from_settings(settings(args), parse(platform) if platform else None)
    for item in getattr(args, "option", None) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise FarmError(f"--option {item!r}: write KEY=VALUE, e.g. --option kernels=haswell")
        cat.options[key] = value
    return cat
