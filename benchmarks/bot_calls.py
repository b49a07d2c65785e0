"""What a bot pass costs in GitHub calls on a 30,000-recipe farm, against listing every PR each pass.

The farm: 30,000 recipes in a real git repository (the checkout a pass runs in), the same
files on the local REST server the bot's tests use (tests/bot/bot_fakes.py), which counts
calls the way GitHub counts them against its 5,000 an hour: every answer but a 304 to a
conditional request. A migration of ``core0000`` affects 320 recipes: 300 in its first
wave, 40 of them done and 260 with open bot PRs; 20 in the second wave, each waiting for
one first-wave recipe. The repository also holds ``--history`` PRs that people opened.

Each forge is measured from the same start, one pass per GitHub forge object (as each
scheduled run makes a new one):

1. a first pass (the forge's memory is empty);
2. two passes with nothing new: no PR to open, nothing changed;
3. the 20 parents of the second wave are merged and published: the pass opens 20 PRs.

"ours" is ``GitHubForge`` as the bot runs it on CI (memory, conditional requests, the
checkout); "baseline" is ``cache=False`` without the checkout: every pass lists every PR
and asks GitHub about every branch and file, as the forge did before it had a memory.

The recipe files are not parsed here: the facts the runner would read from them are built
directly (parsing 30,000 files is the catalog's cost, not the forge's, and takes a minute);
everything after that — planning, proposals, the forge, the journal — is the real code.

    python benchmarks/bot_calls.py [--history 2000]

Targets: a pass with nothing new makes at most 10 counted calls; the wave's pass at most 5
counted calls per PR opened, its fixed costs included. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bot"))

from bot_fakes import FakeGitHub, publish, synthetic_recipe  # noqa: E402

import farm.bot.runner as runner_module  # noqa: E402
from farm.bot.changes import migration_branch  # noqa: E402
from farm.bot.facts import RecipeFacts  # noqa: E402
from farm.bot.forge import write_meta  # noqa: E402
from farm.bot.forge_github import LABEL, GitHubForge  # noqa: E402
from farm.bot.index_reader import IndexReader  # noqa: E402
from farm.bot.runner import Effects, Report, Runner  # noqa: E402
from farm.bot.versions import Response  # noqa: E402
from farm.platforms import parse  # noqa: E402
from farm.settings import load_settings  # noqa: E402

PIN = "core0000"
MIGRATION = f"{PIN}-2.0"
TARGET = "1.0.0.post1"


@dataclass(frozen=True)
class Farm:
    root: Path
    commit: str
    files: dict[str, str]
    facts: dict[str, RecipeFacts]
    first: tuple[str, ...]  # the first wave, in order: done ones first
    done: int
    second: dict[str, str]  # second-wave recipe -> the first-wave recipe it waits for


def synthetic_farm(root: Path, recipes: int, seed: int = 20261201) -> Farm:
    rng = random.Random(seed)
    names = [f"core{i:04d}" for i in range(300)] + [f"pkg{i:05d}" for i in range(recipes - 300)]
    first = tuple(f"pkg{i:05d}" for i in range(300))
    second_names = [f"pkg{i:05d}" for i in range(300, 320)]
    second = {n: first[40 + 13 * k] for k, n in enumerate(second_names)}
    hosts: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        if name in second:
            hosts[name] = [PIN, second[name]]
        elif name in first:
            hosts[name] = sorted({PIN, *rng.sample(names[1:300], 2)})
        elif i < 300:
            hosts[name] = sorted(set(rng.sample(names[:i], min(i, 2))) - {PIN})
        else:  # the rest link core libraries and earlier packages, never core0000 itself
            hosts[name] = sorted(set(rng.sample(names[1:300], 2) + rng.sample(names[320:max(321, i)], min(max(0, i - 320), 2))))
    files = {f"recipes/{n}/recipe.yaml": synthetic_recipe(n, hosts[n]) for n in names}
    pins = (Path(__file__).resolve().parents[1] / "recipes" / "pins.yaml").read_text()
    files["recipes/pins.yaml"] = pins.replace("pins:\n", f'pins:\n  {PIN}: "1.0"\n', 1)
    files[f"recipes/migrations/{MIGRATION}.yaml"] = (
        f'schema_version: 1\nid: {MIGRATION}\nsummary: "Rebuild against {PIN} 2.0"\ncreated: "2026-12-01"\n'
        f'pins:\n  {PIN}: "2.0"\n')
    for path in ("recipes/pins.yaml", f"recipes/migrations/{MIGRATION}.yaml"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path])
    commit = _git_repository(root, files)
    facts = {n: RecipeFacts(name=n, file=root / "recipes" / n / "recipe.yaml", version="1.0.0", build_number=0,
                            host=frozenset(hosts[n]), build=frozenset({"c-compiler"}), maintainers=("wheelfarm/core",))
             for n in names}
    return Farm(root, commit, files, facts, first, 40, second)


def _git_repository(root: Path, files: Mapping[str, str]) -> str:
    """One commit holding ``files``, written with git fast-import (30,000 files in a second)."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = bytearray()
    for k, text in enumerate(files.values(), start=1):
        raw = text.encode()
        stream += b"blob\nmark :%d\ndata %d\n%s\n" % (k, len(raw), raw)
    message = b"synthetic farm"
    stream += b"commit refs/heads/main\ncommitter farm <farm@example.invalid> 1764547200 +0000\n"
    stream += b"data %d\n%s\n" % (len(message), message)
    for k, path in enumerate(files, start=1):
        stream += b"M 100644 :%d %s\n" % (k, path.encode())
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=bytes(stream), check=True)
    return subprocess.run(["git", "-C", str(root), "rev-parse", "main"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _stamp(i: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_760_000_000 + i * 60))


def github(farm: Farm, history: int) -> FakeGitHub:
    """The server as the farm has it: main, the bot's branches and PRs, people's PRs."""
    fake = FakeGitHub(page_size=100)
    fake.seed(farm.files, commit=farm.commit)
    main = farm.commit
    rng = random.Random(7)
    for i in range(history):
        state = rng.choice(["closed", "closed", "closed", "open"])
        merged = _stamp(i + 1) if state == "closed" and rng.random() < 0.8 else None
        fake.pulls.append({"number": len(fake.pulls) + 1, "title": f"Update recipe {i}", "body": "by hand",
                           "state": state, "head": {"ref": f"feature-{i}", "sha": main},
                           "base": {"ref": "main", "sha": main}, "created_at": _stamp(i), "updated_at": _stamp(i + 1),
                           "closed_at": _stamp(i + 1) if state == "closed" else None, "merged_at": merged,
                           "merge_commit_sha": None, "labels": []})
    for k, name in enumerate(farm.first):
        branch = migration_branch(MIGRATION, name)
        fake.refs[f"heads/{branch}"] = main
        merged = k < farm.done
        body = f"Rebuild {name}.\n\n" + write_meta({"kind": "migration", "migration": MIGRATION, "recipe": name,
                                                      "target": TARGET}) + "\n"
        at = _stamp(history + k + 1)
        fake.pulls.append({"number": len(fake.pulls) + 1, "title": f"Rebuild {name} for {MIGRATION}", "body": body,
                           "state": "closed" if merged else "open", "head": {"ref": branch, "sha": main},
                           "base": {"ref": "main", "sha": main}, "created_at": at, "updated_at": at,
                           "closed_at": at if merged else None, "merged_at": at if merged else None,
                           "merge_commit_sha": None, "labels": [LABEL]})
    fake.start()
    return fake


@dataclass(frozen=True)
class Pass:
    calls: int  # counted against the rate limit
    not_counted: int  # 304s
    opened: int
    seconds: float
    planning: float


@contextmanager
def catalog_of(facts: dict[str, RecipeFacts], planning: list[float]) -> Iterator[None]:
    """The runner reads these facts instead of parsing recipe files; its planner is timed."""

    class NoFiles:
        def __init__(self, *_: Any) -> None:
            self.documents: dict[str, Any] = {}

    real_plan = runner_module.plan

    def timed_plan(*args: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            return real_plan(*args, **kw)
        finally:
            planning.append(time.perf_counter() - start)

    with mock.patch.object(runner_module, "Catalog", NoFiles), \
            mock.patch.object(runner_module, "read_facts", lambda *_: facts), \
            mock.patch.object(runner_module, "plan", timed_plan):
        yield


def measure(farm: Farm, history: int, ours: bool, index: Path) -> list[Pass]:
    fake = github(farm, history)
    settings = load_settings(farm.root)
    passes: list[Pass] = []

    def one() -> Report:
        planning: list[float] = []
        before, before_all = fake.counted(), len(fake.log)
        start = time.perf_counter()
        forge = GitHubForge(f"{fake.owner}/{fake.name}", fake.token, api_url=fake.url, cache=ours,
                            checkout=farm.root if ours else None, sleep=lambda _: None)
        fx = Effects(forge=forge, index=IndexReader(str(index)), http=lambda url, headers: Response(404, b""),
                     download=lambda url: iter([b""]))
        with catalog_of(farm.facts, planning):
            report = Runner(settings, fx, platform=parse("linux-x86_64")).run()
        seconds = time.perf_counter() - start
        calls = fake.counted() - before
        errors = [a for a in report.actions if a.kind == "error"]
        if errors:
            raise SystemExit(f"the pass failed: {errors[0].recipe}: {errors[0].detail}")
        passes.append(Pass(calls, len(fake.log) - before_all - calls,
                           sum(1 for a in report.actions if a.kind == "opened"), seconds, sum(planning)))
        return report

    try:
        for _ in range(3):
            one()
        for pr in fake.pulls:  # the second wave's parents are merged (main's tip stays the checkout's) ...
            if pr["head"]["ref"] in {migration_branch(MIGRATION, p) for p in farm.second.values()}:
                pr.update(state="closed", merged_at=_stamp(10**6), closed_at=_stamp(10**6), updated_at=_stamp(10**6))
        for parent in farm.second.values():  # ... and their wheels published
            publish(index, f"wheelfarm-{parent}", TARGET)
        one()
    finally:
        fake.stop()
    return passes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--recipes", type=int, default=30_000)
    ap.add_argument("--history", type=int, default=2_000, help="PRs people opened in the repository")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="farm-bot-calls-") as tmp:
        start = time.perf_counter()
        farm = synthetic_farm(Path(tmp) / "farm", args.recipes)
        print(f"farm: {len(farm.facts):,} recipes in git ({time.perf_counter() - start:.1f} s to write); migration "
              f"{MIGRATION}: {len(farm.first) + len(farm.second)} affected, {len(farm.first) - farm.done} open bot PRs, "
              f"{farm.done} done; {args.history:,} PRs by people")
        results: dict[str, list[Pass]] = {}
        for label, ours in (("ours", True), ("baseline", False)):
            index = Path(tmp) / f"index-{label}"
            publish(index, f"wheelfarm-{PIN}", "2.0")
            for name in farm.first[: farm.done]:
                publish(index, f"wheelfarm-{name}", TARGET)
            results[label] = measure(farm, args.history, ours, index)
    names = ("first pass", "nothing new", "nothing new again", "wave of 20")
    print(f"{'pass':<20}{'ours: calls':>12}{'(304s)':>8}{'opened':>8}{'s':>7}{'plan s':>8}   "
          f"{'baseline: calls':>16}{'(304s)':>8}{'opened':>8}{'s':>7}{'plan s':>8}")
    for k, name in enumerate(names):
        o, b = results["ours"][k], results["baseline"][k]
        print(f"{name:<20}{o.calls:>12}{o.not_counted:>8}{o.opened:>8}{o.seconds:>7.2f}{o.planning:>8.3f}   "
              f"{b.calls:>16}{b.not_counted:>8}{b.opened:>8}{b.seconds:>7.2f}{b.planning:>8.3f}")
    idle = max(results["ours"][1].calls, results["ours"][2].calls)
    idle_base = results["baseline"][2].calls
    wave, wave_base = results["ours"][3], results["baseline"][3]
    per = wave.calls / max(1, wave.opened)
    per_base = wave_base.calls / max(1, wave_base.opened)
    print(f"nothing new: {idle} counted calls (baseline {idle_base}; {idle_base / max(1, idle):.0f}x fewer); "
          "target: at most 10")
    print(f"wave: {wave.opened} PRs opened with {wave.calls} counted calls, {per:.2f} per PR (baseline {per_base:.2f}; "
          f"{per_base / per:.1f}x fewer); target: at most 5 per PR")
    print(f"planning in the wave's pass: {wave.planning * 1000:.0f} ms of {wave.seconds:.2f} s")
    missed = idle > 10 or wave.opened != 20 or per > 5
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
