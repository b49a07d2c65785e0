"""farm bot run: one scheduled pass (version checks, migration steps, status page);
farm bot prs: the bot's pull requests."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from farm.bot.forge import BOT_PREFIX, DryRunForge, Forge
from farm.bot.forge_local import LocalForge
from farm.bot.index_reader import IndexReader, http_fetch
from farm.bot.runner import Effects, Report, Runner
from farm.bot.status import write_status
from farm.bot.versions import Endpoints, http_get, pip_index_api, url_download
from farm.cli._common import add_root, settings
from farm.errors import FarmError
from farm.pypi import file_url, pip_index_url
from farm.settings import Settings

__all__ = ["add_forge_arguments", "configure", "effects", "run"]


def add_forge_arguments(parser: argparse.ArgumentParser) -> None:
    add_root(parser)
    parser.add_argument("--forge", choices=("local", "github"), default="local",
                        help="where branches and PRs live: this git repository (default) or GitHub")
    parser.add_argument("--repo", default=None, help="GitHub repository owner/name (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--base", default=None, help="local forge: the branch PRs target (default: the checked-out one)")
    parser.add_argument("--token-env", default="GITHUB_TOKEN", metavar="NAME",
                        help="environment variable holding the GitHub token (default: GITHUB_TOKEN)")
    parser.add_argument("--github-api", default=None, metavar="URL",
                        help="GitHub REST API address (default: $GITHUB_API_URL, else github3.py's)")
    parser.add_argument("--index", default=None, metavar="PATH|URL",
                        help="the published package index to read (default: the farm's index folder)")
    parser.add_argument("--status-dir", type=Path, default=None, metavar="DIR",
                        help="where to write status.md and index.html (default: <work>/status)")


def _github_api(args: argparse.Namespace) -> str:
    if args.github_api:
        return str(args.github_api)
    if os.environ.get("GITHUB_API_URL"):
        return os.environ["GITHUB_API_URL"]
    from farm.bot.forge_github import default_api_url

    return default_api_url()


def _token(args: argparse.Namespace) -> str:
    token = os.environ.get(args.token_env, "")
    if not token:
        raise FarmError(f"--forge github needs a token in ${args.token_env}; set it (it is never printed)")
    return token


def _forge(args: argparse.Namespace, s: Settings, log: "_Printer") -> Forge:
    if args.forge == "local":
        return LocalForge(s.root, default_branch=args.base)
    from farm.bot.forge_github import GitHubForge

    repo = args.repo or os.environ.get("GITHUB_REPOSITORY")
    if not repo:
        raise FarmError("--forge github needs --repo owner/name (or $GITHUB_REPOSITORY)")
    return GitHubForge(repo, _token(args), api_url=_github_api(args), log=log, checkout=s.root)


class _Printer:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def effects(args: argparse.Namespace, s: Settings, *, dry_run: bool = False, versions: bool = True,
            quiet: bool = False) -> Effects:
    log = _Printer(quiet)
    forge = _forge(args, s, log)
    if dry_run:
        forge = DryRunForge(forge)
    headers = {}
    endpoints = Endpoints()
    if versions:
        if args.forge == "github" or os.environ.get(args.token_env):
            token = os.environ.get(args.token_env, "")
            if token:
                headers["Authorization"] = f"Bearer {token}"
        pypi = getattr(args, "pypi_api", None) or pip_index_api()
        endpoints = Endpoints(github_api=_github_api(args), pypi_api=pypi, github_headers=headers)
    return Effects(
        forge=forge,
        index=IndexReader(str(args.index or s.index), http_fetch(s.download_timeout)),
        http=http_get(s.download_timeout),
        download=url_download(max(60.0, s.download_timeout)),
        endpoints=endpoints,
        log=log,
        pypi_file_url=_pypi_file_url(s.download_timeout),
    )



def _pypi_file_url(timeout: float) -> Callable[[str, str], str]:
    """A file's URL on the package index pip uses (asked once, on the first bump that needs it)."""
    index: list[str] = []

    def find(project: str, file: str) -> str:
        if not index:
            found = pip_index_url()
            if found is None:
                raise FarmError("no package index configured for pip; set pip's global.index-url")
            index.append(found)
        return file_url(project, file, index[0], timeout)

    return find


@contextlib.contextmanager
def exclusive(fx: Effects) -> Iterator[None]:
    """One run at a time on a local forge (CI uses a concurrency group for GitHub)."""
    inner = fx.forge.inner if isinstance(fx.forge, DryRunForge) else fx.forge
    if isinstance(inner, LocalForge):
        with inner.exclusive():
            yield
    else:
        yield


def status_dir(args: argparse.Namespace, s: Settings) -> Path:
    return Path(args.status_dir) if args.status_dir else s.work / "status"


def print_report(report: Report) -> None:
    for mr in report.migrations:
        if mr.plan is None:
            print(f"{mr.migration.id}: not worked on ({len(mr.problems)} problem(s))")
            for p in mr.problems:
                print(f"  {p}")
            continue
        plan = mr.plan
        tally = Counter(str(x.state) for x in plan.states.values())
        counts = ", ".join(f"{state}: {n}" for state, n in sorted(tally.items()))
        done = tally["done"]
        extra = f"; {mr.completion}" if mr.completion else ""
        print(f"{mr.migration.id}: {done}/{len(plan.states)} done ({counts or 'no affected recipes'}){extra}")
    for u in report.updates:
        if u.error:
            print(f"update {u.recipe}: error: {u.error}")
        elif u.newest:
            print(f"update {u.recipe}: {u.current} -> {u.newest}" + (f" (PR #{u.pr})" if u.pr else "")
                  + (f"; {u.note}" if u.note else ""))
    for a in report.actions:
        print(f"{a.scope}: {a.kind} {a.recipe} {f'#{a.pr}' if a.pr else ''} {a.detail}".replace("  ", " "))


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="bot_command", metavar="ACTION", required=True)
    p = sub.add_parser("run", help="one pass: version checks, migration steps, status page",
                       description="One scheduled pass of the bot.")
    add_forge_arguments(p)
    p.add_argument("--pypi-api", default=None, metavar="URL",
                   help="base of the PyPI-style JSON API (default: from pip's configured index-url)")
    p.add_argument("--no-updates", action="store_true", help="skip upstream version checks")
    p.add_argument("--no-migrations", action="store_true", help="skip migrations")
    p.add_argument("--dry-run", action="store_true", help="decide and report, but write nothing to the forge")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    q = sub.add_parser("prs", help="list the bot's pull requests", description="The bot's pull requests.")
    add_forge_arguments(q)


def run(args: argparse.Namespace) -> int:
    s = settings(args)
    if args.bot_command == "prs":
        fx = effects(args, s, versions=False, quiet=True)
        for pr in fx.forge.list_prs(BOT_PREFIX):
            print(f"#{pr.number}\t{pr.state}\t{pr.head}\t{pr.title}")
        return 0
    fx = effects(args, s, dry_run=args.dry_run, versions=not args.no_updates, quiet=args.quiet)
    with exclusive(fx):
        report = Runner(s, fx).run(migrations=not args.no_migrations, updates=not args.no_updates)
    md, page = write_status(report, status_dir(args, s))
    print_report(report)
    if isinstance(fx.forge, DryRunForge):
        for w in fx.forge.writes:
            print(f"dry run: would {w}")
    print(f"status: {md} {page}")
    failed = [a for a in report.actions if a.kind == "error"]
    return 1 if failed or report.broken else 0
