"""Play CI and the maintainers for a farm's bot, round by round, until every migration is done.

Usage: python ci/bot_rounds.py REPO [--max-rounds N] [--no-updates] [--no-pr-builds]

REPO is a farm repository (recipes/, with the default branch checked out and no uncommitted
changes to tracked files) whose forge is the local one: branches plus the PR records in
``.git/farm-bot/forge.json``. One round:

1. finish what an interrupted run left behind (below);
2. publish: every recipe on the branch whose wheel version is not in the index is built
   (``farm build --no-deps NAME``, dependencies first, each against the wheels of what it
   links) and the wheelhouse published (``farm index``);
3. a bot pass (``farm bot run``);
4. each open bot PR is built as CI would build it, from the PR's own files in a scratch copy
   (``farm build --no-deps`` of the recipes it changes, tests included, against the wheelhouse's wheels,
   into a scratch wheelhouse and index); those that build and pass are merged with a plain
   ``git merge --no-ff`` of the branch, as people merge a local PR, and the local forge marks
   a PR merged when its head is reachable from the branch;
5. publish again (what the merges changed). A merged PR's checked wheels and their build keys
   are kept, as CI keeps a PR's artifacts: where the merged branch builds the same inputs (the
   same key), ``farm build`` finds them unchanged and nothing compiles twice.

It stops when no migration file is active, no bot PR is open, everything on the branch is
published and a bot pass opened, updated and closed nothing. It prints what each round
opened, merged, built and published (with each migration PR's wave), then the wall time and
the time spent compiling, of this run and of every run on this repository together.

Killed at any point (SIGKILL included) and started again, it continues from the state of the
repository, the forge and the index, and reaches the same end:

- a merge is recorded (``<git dir>/farm-rounds/state.json``) before it starts; the next run
  finds the record and either sees the merge committed (and tidies what git left) or, with
  the branch still where it was, undoes the half-done merge (git's stale locks, the index,
  files it had checked out) and merges again;
- a wheel built but not published is found by the publish step: its version is not in the
  index (a build whose key file was lost rebuilds byte for byte and publishes the same file);
- a bot pass is safe to repeat; a lock a killed git left on one of the bot's branches is
  removed while the bot's run lock is free;
- the scratch copy of a PR's build is thrown away and built again.

Lines beginning with ``@@`` mark where each phase starts (for tools that kill it on purpose).
A version check that failed (upstream lists a release whose files the archive does not serve)
is logged each round as such and does not stop convergence: it is the archive's state.

Exit status: 0 converged; 1 a step failed, the rounds ran out or nothing moved; 2 usage or
repository problems; 3 a duplicate PR appeared (the same branch, or the same migration and
recipe, opened twice).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from farm.bot.changes import parse_branch
from farm.bot.facts import facts_graph, read_facts
from farm.bot.forge import BOT_PREFIX, PullRequest
from farm.bot.forge_local import LocalForge
from farm.bot.index_reader import IndexReader, record_build_failure
from farm.catalog import Catalog
from farm.errors import FarmError
from farm.graph import Graph
from farm.platforms import current
from farm.recipe.render import discover, read_document
from farm.settings import Settings, load_settings

__all__ = ["Driver", "RoundsError", "duplicates", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DUPLICATE = 0, 1, 2, 3
#: a stage line of `farm build`'s plain printer: recipe, stage, note, seconds
_STAGE = re.compile(r"^\s+(?P<recipe>\S+)\s+(?P<stage>compile)\b.*?(?P<seconds>\d+(?:\.\d+)?)s\s*$")
_BUILT = re.compile(r"^built\s+(?P<wheel>\S+\.whl)\s*$")
_UNCHANGED = re.compile(r"^unchanged\s+(?P<wheel>\S+\.whl)\s*$")
_WAVE = re.compile(r"\(wave (\d+)\)")
_IDENTITY = {"user.name": "farm-rounds", "user.email": "farm-rounds@localhost.invalid"}


class RoundsError(FarmError, RuntimeError):
    """The repository is not in a state the driver can work from (it says what to do)."""


class Duplicate(RoundsError):
    """The forge holds two PRs for one branch, or for one (migration, recipe)."""


@dataclass
class State:
    """What survives a kill besides the repository, the forge and the index."""

    #: a merge started and not known to be finished: number, branch, head and base commits
    merging: dict[str, Any] | None = None
    #: how often the driver was started on this repository, and what all starts did together
    starts: int = 0
    rounds: int = 0
    wall_s: float = 0.0
    compile_s: float = 0.0
    #: PR number -> what its failed check built from (merge with main, dependencies' wheels): the
    #: same inputs are not built again, as CI runs a PR's check once per push
    failed_checks: dict[str, str] = field(default_factory=dict)


#: what a round did, in the words its log uses
TITLES = {"opened": "opened", "updated": "updated", "closed": "closed", "waiting": "waits",
          "blocked": "version check failed",
          "checked": "built for review",
          "merged": "merged", "built": "built", "published": "published", "problems": "problem"}


@dataclass
class RoundLog:
    """What one round did, in the order it happened."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, text: str) -> None:
        self.events.append((kind, text))

    def of(self, kind: str) -> list[str]:
        return [text for k, text in self.events if k == kind]


def pr_tag(pr: PullRequest) -> str:
    """`` [zlib-1.3.1 wave 1]``, `` [zlib-1.3.1 completion]`` or `` [update to 1.3.1]``."""
    ref = parse_branch(pr.head)
    if ref is None:
        return ""
    if ref.kind == "migration":
        wave = _WAVE.search(pr.body)
        return f" [{ref.scope} wave {wave.group(1) if wave else '?'}]"
    if ref.kind == "complete":
        return f" [{ref.scope} completion]"
    version = pr.meta.get("version")
    return f" [update to {version}]" if version else " [update]"


def pr_label(pr: PullRequest) -> str:
    """``#3 farm-bot/migrate/zlib-1.3.1/libtiff [zlib-1.3.1 wave 1]``."""
    return f"#{pr.number} {pr.head}{pr_tag(pr)}"


def duplicates(prs: Sequence[PullRequest]) -> list[str]:
    """Every branch, and every (migration, recipe), with more than one PR.

    A bump branch (``farm-bot/update/<recipe>``) gets a new PR for each new upstream version
    once the last one is merged or closed, so there the version is part of what must be unique.
    """
    seen: dict[tuple[str, ...], list[int]] = {}
    for pr in prs:
        ref = parse_branch(pr.head)
        meta = pr.meta
        keys: list[tuple[str, ...]] = [("branch", pr.head, str(meta.get("version", "")))
                                       if ref is not None and ref.kind == "update" else ("branch", pr.head)]
        if meta.get("kind") == "migration" and meta.get("migration") and meta.get("recipe"):
            keys.append(("migration", str(meta["migration"]), str(meta["recipe"])))
        for key in keys:
            seen.setdefault(key, []).append(pr.number)
    out = []
    for key, numbers in sorted(seen.items()):
        if len(numbers) > 1:
            what = " ".join(key[1:])
            out.append(f"{key[0]} {what}: PRs {', '.join(f'#{n}' for n in numbers)}")
    return out


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Driver:
    def __init__(self, repo: Path, *, max_rounds: int = 40, updates: bool = True, pr_builds: bool = True) -> None:
        self.repo = repo.resolve()
        self.max_rounds = max_rounds
        self.updates = updates
        self.pr_builds = pr_builds
        self.started = time.monotonic()
        self.compile_s = 0.0
        self.rounds = 0
        done = self._git("rev-parse", "--absolute-git-dir", check=False)
        if done.returncode != 0:
            raise RoundsError(f"{self.repo} is not a git repository")
        self.git_dir = Path(done.stdout.strip())
        self.state_dir = self.git_dir / "farm-rounds"
        self.state_file = self.state_dir / "state.json"
        self.state = State()
        self._saved_wall = 0.0
        self._saved_compile = 0.0
        #: this round's check inputs of each open PR (ready() computes them)
        self.inputs: dict[int, str] = {}

    # -- plumbing -------------------------------------------------------------------------
    def say(self, line: str) -> None:
        print(line, flush=True)

    def mark(self, phase: str) -> None:
        """The start of a phase, for whoever watches (and kills) this run.

        After ``|`` comes where the farm stands (bot PRs, merged ones, files the index lists),
        so a restarted run at the same point prints the same line.
        """
        prs = self.prs()
        merged = sum(1 for p in prs if p.state == "merged")
        self.say(f"@@ {phase} | prs={len(prs)} merged={merged} files={len(self.index_files())}")

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, text=True, check=False)
        if check and done.returncode != 0:
            raise RoundsError(f"git {' '.join(args)}: {(done.stderr or done.stdout).strip()}")
        return done

    def git(self, *args: str) -> str:
        return self._git(*args).stdout.strip()

    def _identity(self) -> list[str]:
        """``-c user.name=… -c user.email=…`` where the repository has no identity of its own."""
        out: list[str] = []
        for key, value in _IDENTITY.items():
            if self._git("config", key, check=False).returncode != 0:
                out += ["-c", f"{key}={value}"]
        return out

    def farm(self, *args: str, root: Path | None = None, env: Mapping[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
        where = root or self.repo
        return subprocess.run([sys.executable, "-m", "farm", *args, "--root", str(where)], cwd=where,
                              capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)

    def settings(self) -> Settings:
        return load_settings(self.repo)

    def forge(self) -> LocalForge:
        return LocalForge(self.repo)

    def prs(self) -> list[PullRequest]:
        """The bot's PRs; listing them is also what marks a merged one merged."""
        return self.forge().list_prs(BOT_PREFIX)

    # -- state ----------------------------------------------------------------------------
    def load_state(self) -> None:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except ValueError as exc:
            raise RoundsError(f"{self.state_file}: not valid JSON ({exc}); delete it to start the counters over "
                              "(check first that no merge is half done: git status)") from None
        self.state = State(**{k: v for k, v in data.items() if k in State.__dataclass_fields__})
        self._saved_wall, self._saved_compile = self.state.wall_s, self.state.compile_s

    def save_state(self) -> None:
        self.state.wall_s = self._saved_wall + (time.monotonic() - self.started)
        self.state.compile_s = self._saved_compile + self.compile_s
        _write_json(self.state_file, asdict(self.state))

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RoundsError(f"another run holds {self.state_dir / 'lock'}") from None
            yield

    # -- recovery -------------------------------------------------------------------------
    def _is_ancestor(self, sha: str, of: str = "HEAD") -> bool:
        return self._git("merge-base", "--is-ancestor", sha, of, check=False).returncode == 0

    def _remove(self, path: Path, why: str) -> None:
        if path.exists() or path.is_symlink():
            path.unlink()
            self.say(f"  removed {path.relative_to(self.repo) if path.is_relative_to(self.repo) else path} ({why})")

    def recover(self) -> None:
        """Finish or undo what a killed run left: a merge, git's stale locks, a scratch build."""
        self.mark("recover")
        branch = self.default_branch()
        m = self.state.merging
        if m is not None:
            for name in ("index.lock", "HEAD.lock", "ORIG_HEAD.lock", "MERGE_HEAD.lock", "packed-refs.lock",
                         f"refs/heads/{branch}.lock"):
                self._remove(self.git_dir / name, "left by the merge a kill interrupted")
            head = self.git("rev-parse", "HEAD")
            if self._is_ancestor(m["head"], head):
                if (self.git_dir / "MERGE_HEAD").exists():
                    self._git("merge", "--quit")
                if self.git("status", "--porcelain", "--untracked-files=no"):
                    self._git("reset", "-q", "--hard", "HEAD")
                self.say(f"  the merge of #{m['number']} {m['branch']} was committed before the kill")
                self.adopt_artifacts(int(m["number"]), str(m["head"]))
            elif head == m["base"]:
                self._undo_merge(m)
                self.say(f"  undid the half-done merge of #{m['number']} {m['branch']}; it is merged again")
            else:
                raise RoundsError(f"a merge of {m['branch']} was interrupted, and {branch} has moved since "
                                  f"({m['base'][:12]} -> {head[:12]}); look at git status and git log, then "
                                  f"delete {self.state_file}")
            self.state.merging = None
            self.save_state()
        self._clear_bot_ref_locks()
        self._clear_scratch()
        dirty = self.git("status", "--porcelain", "--untracked-files=no")
        if dirty:
            raise RoundsError(f"{self.repo} has uncommitted changes to tracked files; commit or stash them:\n{dirty}")

    def _undo_merge(self, m: Mapping[str, Any]) -> None:
        base = str(m["base"])
        self._git("reset", "-q", "--hard", base)
        # files the merge had checked out that base lacks stay behind as untracked files and
        # would stop the merge from starting again
        fork = self.git("merge-base", base, str(m["head"]))
        added = self.git("diff", "--no-renames", "--name-only", "--diff-filter=A", fork, str(m["head"])).splitlines()
        untracked = set(self.git("ls-files", "--others", "--exclude-standard").splitlines())
        for rel in added:
            if rel in untracked:
                self._remove(self.repo / rel, "checked out by the interrupted merge")

    def _clear_bot_ref_locks(self) -> None:
        """A ref lock a killed bot pass left on one of its branches blocks every later write there."""
        heads = self.git_dir / "refs" / "heads" / BOT_PREFIX.rstrip("/")
        locks = sorted(heads.rglob("*.lock")) if heads.is_dir() else []
        if not locks:
            return
        run_lock = self.git_dir / "farm-bot" / "run.lock"
        run_lock.parent.mkdir(parents=True, exist_ok=True)
        with open(run_lock, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a pass is running: its locks are its own
            for path in locks:
                self._remove(path, "a stale ref lock of a killed bot pass")

    def scratch(self) -> Path:
        return self.settings().work / "rounds-check"

    def _clear_scratch(self) -> None:
        shutil.rmtree(self.scratch(), ignore_errors=True)

    def default_branch(self) -> str:
        done = self._git("symbolic-ref", "--short", "HEAD", check=False)
        if done.returncode != 0:
            raise RoundsError(f"{self.repo}: HEAD is detached; check out the branch the bot's PRs target")
        return done.stdout.strip()

    # -- publishing -------------------------------------------------------------------------
    def graph(self) -> Graph:
        """The branch's recipe graph, as the bot reads it."""
        catalog = Catalog.from_settings(self.settings())
        return facts_graph(read_facts(catalog.documents, catalog.pins, current()))

    def pending(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        """(recipe, dist, version) of every recipe whose wheel the index lacks, dependencies first;
        and (recipe, version) of those not built again because a failure record for that version
        is in the index."""
        s = self.settings()
        catalog = Catalog.from_settings(s)
        facts = read_facts(catalog.documents, catalog.pins, current())
        reader = IndexReader(str(s.index))
        graph = facts_graph(facts)
        out: list[tuple[str, str, str]] = []
        failed: list[tuple[str, str]] = []
        for name in (n for wave in graph.waves() for n in wave):
            f = facts.get(name)
            if f is None or f.error is not None or f.rendered is None or f.rendered.skip:
                continue
            dist, version = f.dist(s.namespace), f.published_version(s.namespace)
            try:
                if Version(version) in reader.versions(dist):
                    continue
            except InvalidVersion:
                continue
            if reader.failure(dist, Version(version)) is not None:
                failed.append((name, version))
                continue
            out.append((name, dist, version))
        return out, failed

    def index_files(self) -> dict[str, str]:
        """Every file the index's pages list: file name -> sha256."""
        simple = self.settings().index / "simple"
        out: dict[str, str] = {}
        try:
            projects = json.loads((simple / "index.json").read_text(encoding="utf-8"))["projects"]
        except (OSError, ValueError, KeyError):
            return out
        for p in projects:
            try:
                page = json.loads((simple / str(p["name"]) / "index.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for entry in page.get("files", []):
                out[str(entry["filename"])] = str(entry.get("hashes", {}).get("sha256", ""))
        return out

    def _compile_seconds(self, output: str) -> float:
        return sum(float(m.group("seconds")) for line in output.splitlines() if (m := _STAGE.match(line)))

    def publish(self, log: RoundLog, labels: Mapping[str, str]) -> None:
        todo, failed = self.pending()
        for name, version in failed:
            note = f"not built again: the build of {name} {version} failed (its record is in the index's failures/)"
            if note not in log.of("problems"):
                log.add("problems", note)
        self.mark("publish " + (" ".join(f"{n}={v}" for n, _, v in todo) or "-"))
        before = self.index_files()
        # what links a build that failed, now or in an earlier round, is not built: it would fail
        # for want of that wheel, and its record would then outlive the dependency's mend
        broken: set[str] = {name for name, _ in failed}
        s = self.settings()
        graph = self.graph()
        for name, dist, version in todo:
            below = set(graph.dependencies(name, transitive=True))
            if below & broken:
                log.add("problems", f"{name} {version}: not built, a dependency failed to build")
                broken.add(name)
                continue
            self.mark(f"build {name}={version}")
            done = self.farm("build", "--no-deps", name)  # what it links is published already
            output = done.stdout + done.stderr
            seconds = self._compile_seconds(output)
            self.compile_s += seconds
            if done.returncode != 0:
                broken.add(name)
                record_build_failure(s.index, dist, version, output)
                log.add("problems", f"{name} {version}: the build failed (recorded in the index); it ends: "
                                    + " | ".join(output.strip().splitlines()[-3:]))
                continue
            wheels = [Path(m.group("wheel")).name for line in done.stdout.splitlines() if (m := _BUILT.match(line))]
            own = re.sub(r"[-_.]+", "_", dist).lower() + "-"
            kept = [Path(m.group("wheel")).name for line in done.stdout.splitlines()
                    if (m := _UNCHANGED.match(line)) and Path(m.group("wheel")).name.lower().startswith(own)]
            log.add("built", f"{name} {version}{labels.get(name, '')} (compile {seconds:.1f} s"
                             + (f"; {', '.join(wheels)}" if wheels else "")
                             + (f"; the PR's checked build, unchanged: {', '.join(kept)}" if kept else "") + ")")
            self.save_state()
        self.mark("index")
        done = self.farm("index")
        if done.returncode != 0:
            log.add("problems", "farm index failed: " + (done.stderr or done.stdout).strip()[-400:])
        after = self.index_files()
        for name in sorted(n for n in after if n not in before):
            log.add("published", name)
        self.save_state()

    def labels(self, prs: Sequence[PullRequest]) -> dict[str, str]:
        """recipe -> " [migration wave N]" of the newest merged PR that changed it (for the log)."""
        return {ref.recipe: pr_tag(pr) for pr in sorted(prs, key=lambda p: p.number)
                if pr.state == "merged" and (ref := parse_branch(pr.head)) is not None and ref.recipe}

    # -- the bot ----------------------------------------------------------------------------
    def bot_pass(self, log: RoundLog) -> bool:
        """One `farm bot run`; False when it changed nothing on the forge."""
        before = {p.number: p for p in self.prs()}
        merged = sum(1 for p in before.values() if p.state == "merged")
        self.mark(f"bot prs={len(before)} merged={merged}")
        start = time.monotonic()
        done = self.farm("bot", "run", "--quiet", *([] if self.updates else ["--no-updates"]))
        seconds = time.monotonic() - start
        after = {p.number: p for p in self.prs()}
        for n, pr in sorted(after.items()):
            old = before.get(n)
            if old is None:
                log.add("opened", pr_label(pr))
            elif old.state == "open" and pr.state == "closed":
                log.add("closed", pr_label(pr))
            elif (old.title, old.body, old.head_sha) != (pr.title, pr.body, pr.head_sha):
                log.add("updated", pr_label(pr))
        self.say(f"  bot pass {seconds:.1f} s" + ("" if done.returncode == 0 else f", exit {done.returncode}"))
        # a version check that failed (upstream lists a release whose files cannot be fetched) is
        # the archive's state, not the farm's: reported every round, it does not stop convergence
        checks = [line for line in done.stdout.splitlines() if line.startswith("update ") and ": error: " in line]
        for line in checks:
            log.add("blocked", line.removeprefix("update "))
        tail = [line for line in done.stdout.splitlines()
                if (": error " in line or "error:" in line) and line not in checks and not line.startswith("update: error ")]
        failed = done.returncode != 0 and (bool(tail) or not checks)
        if failed:
            log.add("problems", "farm bot run failed: " + " | ".join(tail[-4:] or done.stderr.strip().splitlines()[-4:]))
        self.check_duplicates(list(after.values()))
        return bool(log.of("opened") or log.of("updated") or log.of("closed")) or failed

    def check_duplicates(self, prs: Sequence[PullRequest]) -> None:
        found = duplicates(prs)
        if found:
            raise Duplicate("duplicate PRs on the forge: " + "; ".join(found))

    # -- PR builds and merges ---------------------------------------------------------------
    def changed_recipes(self, head: str) -> list[str]:
        """The recipes whose folder ``head`` changes against the branch it forked from."""
        fork = self.git("merge-base", "HEAD", head)
        paths = self.git("diff", "--no-renames", "--name-only", fork, head).splitlines()
        rel = self.settings().recipes.resolve().relative_to(self.repo).as_posix()
        folders = {p.split("/")[1] for p in paths if p.startswith(rel + "/") and p.count("/") >= 2}
        folders.discard("migrations")
        return sorted(folders)

    def check(self, pr: PullRequest, log: RoundLog) -> bool:
        """Build what ``pr`` changes from its own files, as its CI job would; True when it builds."""
        self.mark(f"check #{pr.number} {pr.head}")
        self.state.failed_checks.pop(str(pr.number), None)  # a check starting forgets the last one
        folders = self.changed_recipes(pr.head_sha)
        if not folders or not self.pr_builds:
            log.add("checked", f"#{pr.number}: {'no recipe to build' if not folders else 'not built (--no-pr-builds)'}")
            return True
        # what merging would make, as GitHub's refs/pull/N/merge: the branch with main's
        # changes since it was cut (the migrations merged meanwhile, their pins), so the check
        # builds what publishing after the merge builds
        merged = self._git("merge-tree", "--write-tree", "HEAD", pr.head_sha, check=False)
        if merged.returncode != 0:
            log.add("problems", f"#{pr.number} {pr.head}: conflicts with {self.default_branch()}, not merged "
                                "(a maintainer updates the branch)")
            return False
        tree_id = merged.stdout.split()[0]
        s = self.settings()
        scratch = self.scratch()
        shutil.rmtree(scratch, ignore_errors=True)
        tree = scratch / "tree"
        tree.mkdir(parents=True)
        rel = s.recipes.resolve().relative_to(self.repo).as_posix()
        paths = [rel] + (["farm.toml"] if self._git("cat-file", "-e", f"{tree_id}:farm.toml",
                                                    check=False).returncode == 0 else [])
        archive = subprocess.run(["git", "-C", str(self.repo), "archive", "--format=tar", tree_id, *paths],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        wheelhouse, work = scratch / "wheelhouse", scratch / "work"
        wheelhouse.mkdir()
        for wheel in s.wheelhouse.glob("*.whl") if s.wheelhouse.is_dir() else []:
            try:
                os.link(wheel, wheelhouse / wheel.name)
            except OSError:
                shutil.copyfile(wheel, wheelhouse / wheel.name)
        if (s.work / "keys").is_dir():  # what is unchanged is not built again
            shutil.copytree(s.work / "keys", work / "keys")
        names = {d.folder.name: d.declared_name for d in (read_document(f) for f in discover(tree / rel))}
        wanted = [names[f] for f in folders if f in names]
        env = {"FARM_WORK": str(work), "FARM_WHEELHOUSE": str(wheelhouse), "FARM_INDEX": str(scratch / "index"),
               "FARM_CACHE": str(s.cache)}
        if wanted:  # the tests install the wheels with their dependencies from the scratch index
            indexed = self.farm("index", root=tree, env=env)
            if indexed.returncode != 0:
                raise RoundsError(f"#{pr.number}: farm index of the scratch wheelhouse failed: "
                                  + (indexed.stderr or indexed.stdout).strip()[-300:])
        done = self.farm("build", "--no-deps", *wanted, root=tree, env=env) if wanted else None
        if done is not None and done.returncode == 0:
            self.keep_artifacts(pr, wheelhouse, work / "keys", {w.name for w in s.wheelhouse.glob("*.whl")}
                                if s.wheelhouse.is_dir() else set())
        elif done is not None and (work / "logs").is_dir():  # what CI would show on the PR
            logs = self.state_dir / "check-logs" / str(pr.number)
            shutil.rmtree(logs, ignore_errors=True)
            shutil.copytree(work / "logs", logs)
        shutil.rmtree(scratch, ignore_errors=True)
        if done is None:
            log.add("checked", f"#{pr.number}: no recipe to build")
            return True
        seconds = self._compile_seconds(done.stdout + done.stderr)
        self.compile_s += seconds
        if done.returncode != 0 and pr.number in self.inputs:
            self.state.failed_checks[str(pr.number)] = self.inputs[pr.number]
            self.save_state()
        if done.returncode != 0:
            log.add("problems", f"#{pr.number} {pr.head}: its build fails, not merged (logs in "
                                f"{self.state_dir / 'check-logs' / str(pr.number)}): "
                                + " | ".join((done.stdout + done.stderr).strip().splitlines()[-3:]))
            return False
        log.add("checked", f"#{pr.number}: {', '.join(wanted)} build (compile {seconds:.1f} s)")
        return True

    def artifacts(self, number: int, head: str) -> Path:
        return self.state_dir / "artifacts" / f"{number}-{head[:12]}"

    def keep_artifacts(self, pr: PullRequest, wheelhouse: Path, keys: Path, known: set[str]) -> None:
        """The wheels a PR's check built (those the wheelhouse lacks) and their key files."""
        dest = self.artifacts(pr.number, pr.head_sha)
        part = dest.with_name(dest.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        (part / "keys").mkdir(parents=True)
        made = {w.name for w in wheelhouse.glob("*.whl")} - known
        for name in sorted(made):
            shutil.copyfile(wheelhouse / name, part / name)
        for key in keys.glob("*.json") if keys.is_dir() else []:
            try:
                wheel = json.loads(key.read_text(encoding="utf-8")).get("wheel")
            except (OSError, ValueError):
                continue
            if wheel in made:
                shutil.copyfile(key, part / "keys" / key.name)
        for old in (o for o in dest.parent.glob(f"{pr.number}-*") if o != part):  # an earlier head's check
            shutil.rmtree(old, ignore_errors=True)
        os.replace(part, dest)

    def adopt_artifacts(self, number: int, head: str) -> None:
        """Put a merged PR's checked wheels and keys where ``farm build`` looks for them.

        A wheel goes in before its key, each by rename, so a kill leaves at worst a wheel
        without a key (built again) and never a key naming a missing wheel.
        """
        src = self.artifacts(number, head)
        if not src.is_dir():
            return
        s = self.settings()
        s.wheelhouse.mkdir(parents=True, exist_ok=True)
        (s.work / "keys").mkdir(parents=True, exist_ok=True)
        for wheel in sorted(src.glob("*.whl")):
            if not (s.wheelhouse / wheel.name).exists():
                tmp = s.wheelhouse / f".{wheel.name}.part"
                shutil.copyfile(wheel, tmp)
                os.replace(tmp, s.wheelhouse / wheel.name)
        for key in sorted((src / "keys").glob("*.json")):
            tmp = s.work / "keys" / f".{key.name}.part"
            shutil.copyfile(key, tmp)
            os.replace(tmp, s.work / "keys" / key.name)
        shutil.rmtree(src, ignore_errors=True)

    def ready(self, prs: Sequence[PullRequest], log: RoundLog) -> list[PullRequest]:
        """The open PRs to check now: a PR whose recipes depend on what another open PR changes
        waits for a later round, so its check builds against its dependencies' new wheels (which
        the merged build then finds unchanged) instead of the old ones."""
        s = self.settings()
        graph = self.graph()
        names = {d.folder.name: d.declared_name for d in (read_document(f) for f in discover(s.recipes))}
        changes = {pr.number: [names.get(f, f) for f in self.changed_recipes(pr.head_sha)] for pr in prs}
        bumps = {ref.recipe: pr.number for pr in prs if (ref := parse_branch(pr.head)) is not None
                 and ref.kind == "update" and ref.recipe}
        out: list[PullRequest] = []
        for pr in prs:
            below = {d for r in changes[pr.number] if r in graph.index for d in graph.dependencies(r, transitive=True)}
            first = [o.number for o in prs if o.number != pr.number and below & set(changes[o.number])]
            ref = parse_branch(pr.head)
            self.inputs[pr.number] = self.check_inputs(pr, below)
            if self.state.failed_checks.get(str(pr.number)) == self.inputs[pr.number]:
                log.add("waiting", f"#{pr.number} {pr.head}: its check failed on this merge with main and "
                                   "these dependencies; a new commit on the branch or main, or a dependency's "
                                   "new wheel, checks it again")
            elif first:
                log.add("waiting", f"#{pr.number} {pr.head}: checked after #{', #'.join(map(str, first))} "
                                   "(a dependency's PR) is merged and published")
            elif ref is not None and ref.kind == "migration" and ref.recipe in bumps:
                # built on the branch with the migration active, the bump supersedes this rebuild
                log.add("waiting", f"#{pr.number} {pr.head}: {ref.recipe}'s version bump #{bumps[ref.recipe]} "
                                   "goes first")
            else:
                out.append(pr)
        return out

    def check_inputs(self, pr: PullRequest, below: set[str]) -> str:
        """What a PR's check builds from: its merge with main (a tree) and its dependencies' wheels."""
        merged = self._git("merge-tree", "--write-tree", "HEAD", pr.head_sha, check=False)
        tree = merged.stdout.split()[0] if merged.returncode == 0 and merged.stdout.strip() else pr.head_sha
        s = self.settings()
        own = tuple(re.sub(r"[-_.]+", "_", s.dist_name(d)).lower() + "-" for d in below)
        wheels = sorted(w.name for w in s.wheelhouse.glob("*.whl") if w.name.lower().startswith(own)) \
            if own and s.wheelhouse.is_dir() else []
        return hashlib.sha256("\n".join([tree, *wheels]).encode()).hexdigest()

    def merge(self, pr: PullRequest, log: RoundLog) -> None:
        head = self.git("rev-parse", f"refs/heads/{pr.head}")
        base = self.git("rev-parse", "HEAD")
        self.state.merging = {"number": pr.number, "branch": pr.head, "head": head, "base": base}
        self.save_state()
        self.mark(f"merge #{pr.number} {pr.head}")
        done = self._git(*self._identity(), "merge", "-q", "--no-ff", "--no-edit", "-m",
                         f"Merge {pr.head} (#{pr.number}): {pr.title}", head, check=False)
        if done.returncode != 0:
            self._git("merge", "--abort", check=False)
            self._git("reset", "-q", "--hard", base)
            log.add("problems", f"#{pr.number} {pr.head} does not merge: {(done.stderr or done.stdout).strip()[-300:]}")
        else:
            found = self.forge().find_pr(pr.head)  # the forge notices the merge
            state = found.state if found else "?"
            log.add("merged", pr_label(pr) + ("" if state == "merged" else f" (the forge says {state})"))
            self.adopt_artifacts(pr.number, head)
        self.state.merging = None
        self.save_state()

    # -- rounds ---------------------------------------------------------------------------------
    def active_migrations(self) -> list[str]:
        folder = self.settings().migrations
        return sorted(x.stem for x in folder.glob("*.y*ml") if x.is_file()) if folder.is_dir() else []

    def snapshot(self) -> tuple[Any, ...]:
        prs = tuple((p.number, p.state, p.head_sha) for p in self.prs())
        return (self.git("rev-parse", "HEAD"), prs, tuple(sorted(self.index_files().items())))

    def print_round(self, number: int, log: RoundLog) -> None:
        self.say(f"round {number} (start {self.state.starts}, round {self.state.rounds} on this repository)")
        for kind, text in log.events:
            self.say(f"  {TITLES[kind]}: {text}")
        if not log.events:
            self.say("  nothing to do")

    def run(self) -> int:
        with self.exclusive():
            self.load_state()
            self.state.starts += 1
            self.save_state()
            self.say(f"farm repository {self.repo} (start {self.state.starts})")
            self.recover()
            self.check_duplicates(self.prs())
            for number in range(1, self.max_rounds + 1):
                self.rounds = number
                self.state.rounds += 1
                self.save_state()
                log = RoundLog()
                before = self.snapshot()
                labels = self.labels(self.prs())
                self.publish(log, labels)
                moved = self.bot_pass(log)
                open_prs = [p for p in self.prs() if p.state == "open"]
                todo, failed = self.pending()
                if not moved and not open_prs and not todo and not self.active_migrations() \
                        and not log.of("problems"):
                    self.print_round(number, log)
                    self.mark("done")
                    self.finish(converged=True)
                    return EXIT_OK
                for pr in self.ready(open_prs, log):
                    if self.check(pr, log):
                        self.merge(pr, log)
                self.publish(log, self.labels(self.prs()))
                self.print_round(number, log)
                if self.snapshot() == before:
                    self.say("stalled: the round changed nothing on the forge, the branch or the index")
                    self.report_open()
                    self.finish(converged=False)
                    return EXIT_FAILED
            self.say(f"did not converge in {self.max_rounds} rounds")
            self.report_open()
            self.finish(converged=False)
            return EXIT_FAILED

    def report_open(self) -> None:
        for pr in self.prs():
            if pr.state == "open":
                self.say(f"  still open: {pr_label(pr)}")
        for m in self.active_migrations():
            self.say(f"  still active: migration {m}")
        todo, failed = self.pending()
        for name, _, version in todo:
            self.say(f"  not published: {name} {version}")
        for name, version in failed:
            self.say(f"  failed to build: {name} {version}")

    def finish(self, converged: bool) -> None:
        self.save_state()
        prs = self.prs()
        states = ", ".join(f"{n} {s}" for s, n in sorted(
            {s: sum(1 for p in prs if p.state == s) for s in {p.state for p in prs}}.items()))
        wall = time.monotonic() - self.started
        self.say(f"{'converged' if converged else 'stopped'} after {self.rounds} round(s) of this start; "
                 f"{len(prs)} bot PR(s): {states or 'none'}")
        self.say(f"wall time {wall:.1f} s, compiling {self.compile_s:.1f} s (this start); "
                 f"{self.state.wall_s:.1f} s, compiling {self.state.compile_s:.1f} s "
                 f"({self.state.starts} start(s) on this repository)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("repo", type=Path, help="the farm repository (its default branch checked out)")
    parser.add_argument("--max-rounds", type=int, default=40, help="give up after this many rounds (default 40)")
    parser.add_argument("--no-updates", action="store_true", help="bot passes skip upstream version checks")
    parser.add_argument("--no-pr-builds", action="store_true", help="merge open bot PRs without building them first")
    args = parser.parse_args(argv)
    try:
        driver = Driver(args.repo, max_rounds=args.max_rounds, updates=not args.no_updates,
                        pr_builds=not args.no_pr_builds)
        return driver.run()
    except Duplicate as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_DUPLICATE
    except FarmError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
