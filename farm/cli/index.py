"""farm index [publish|yank|unyank|move|verify]: the static PEP 503/691/658 index.

``farm index`` alone publishes the whole wheelhouse; ``farm index WHEEL...`` those wheels.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from farm.cli._common import add_root, settings
from farm.errors import FarmError
from farm.index import move, publish, unyank, verify, yank

__all__ = ["configure", "run"]


USAGE = """\
  farm index [publish] [WHEEL...] [--base-url URL]   publish wheels (default: the whole wheelhouse)
  farm index yank FILE --reason TEXT                 yank a published file (PEP 592)
  farm index unyank FILE                             take a yank back
  farm index move FILE URL                           serve a file from URL, if the bytes there match
  farm index verify                                  check every file (downloading external ones)"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "actions:\n" + USAGE
    parser.add_argument("words", nargs="*", metavar="ACTION|WHEEL",
                        help="an action and its arguments, or wheels to publish")
    parser.add_argument("--base-url", default=None, metavar="URL",
                        help="publish: serve the wheels from URL/<wheel> (object storage, release assets); each "
                             "is published only if the bytes there are the wheel's")
    parser.add_argument("--reason", default=None, help="yank: why, in one line; installers show it")
    add_root(parser)


def _arguments(args: argparse.Namespace, count: int, usage: str) -> list[str]:
    rest: list[str] = args.words[1:]
    if len(rest) != count:
        raise FarmError(f"expected {usage}")
    return rest


def _publish(args: argparse.Namespace) -> int:
    s = settings(args)
    words = args.words[1:] if args.words[:1] == ["publish"] else args.words
    wheels = [Path(w) for w in words] or sorted(s.wheelhouse.glob("*.whl"))
    added = publish(s.index, wheels, base_url=args.base_url)
    print(f"{s.index}: {len(added)} new wheel(s) of {len(wheels)}; pip install --index-url "
          f"{(s.index / 'simple').as_uri()}/ ...")
    return 0


def _yank(args: argparse.Namespace) -> int:
    [file] = _arguments(args, 1, "farm index yank FILE --reason TEXT")
    if args.reason is None:
        raise FarmError("farm index yank FILE needs --reason TEXT: installers show users why")
    name = Path(file).name
    done = yank(settings(args).index, name, args.reason)
    print(f"{name}: yanked ({args.reason.strip()})" if done else f"{name}: already yanked for that reason")
    return 0


def _unyank(args: argparse.Namespace) -> int:
    [file] = _arguments(args, 1, "farm index unyank FILE")
    name = Path(file).name
    print(f"{name}: no longer yanked" if unyank(settings(args).index, name) else f"{name}: was not yanked")
    return 0


def _move(args: argparse.Namespace) -> int:
    file, url = _arguments(args, 2, "farm index move FILE URL")
    name = Path(file).name
    done = move(settings(args).index, name, url)
    print(f"{name}: now served from {url}" if done else f"{name}: already served from {url}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    _arguments(args, 0, "farm index verify")
    index = settings(args).index
    result = verify(index)
    for p in result.problems:
        print(f"{p.filename}: {p.location}: {p.message}", file=sys.stderr)
    bad = sorted({p.filename for p in result.problems})
    print(f"{index}: {result.checked} file(s) checked, {result.external} of them downloaded; "
          + (f"{len(bad)} do not match the record: {', '.join(bad)}" if bad else "all match the record"))
    return 1 if bad else 0


_ACTIONS: dict[str, Callable[[argparse.Namespace], int]] = {
    "publish": _publish, "yank": _yank, "unyank": _unyank, "move": _move, "verify": _verify,
}


def run(args: argparse.Namespace) -> int:
    action = args.words[0] if args.words and args.words[0] in _ACTIONS else "publish"
    if args.reason is not None and action != "yank":
        raise FarmError("--reason goes with 'farm index yank FILE'")
    if args.base_url is not None and action != "publish":
        raise FarmError("--base-url goes with publishing: farm index [publish] WHEEL... --base-url URL")
    return _ACTIONS[action](args)
