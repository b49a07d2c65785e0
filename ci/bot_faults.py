"""Kill ci/bot_rounds.py with SIGKILL at random points and check that it still converges.

Usage: python ci/bot_faults.py [--kills 10] [--seed N] [--graph full|small] [--keep]

1. A cheap farm in a temporary git repository: small libraries whose C is written by their
   build scripts (a build takes about a second), their release tarballs served by a local
   "upstream" on 127.0.0.1. ``rz`` 1.0 sits under ``rb``, ``rc`` links both, ``rd`` links
   ``rc`` only (``--graph small``: ``rz`` and ``rb``). Upstream has released rz 1.1, outside
   rz's ABI range (``max_pin: x.x``), so the bot's bump PR also starts the migration
   ``rz-1.1``, a pin move of the root library: ``rb`` in wave 1, ``rc`` in wave 2 (``rd`` is
   not rebuilt), then the completion PR writes the pin and retires the migration.
2. The driver runs once, uninterrupted, in a copy: the reference end state (recipes/ and
   pins.yaml on the branch, the bot's PRs by branch and state, the index's files and
   sha256) and where its phases start and how long each takes.
3. In a fresh copy it runs again and is killed (its whole process group, SIGKILL) at
   ``--kills`` points: positions among the reference's phase markers (bot passes, merges,
   publishing), drawn with the printed seed, each plus a random part of that phase's
   duration; it is started again after each kill. After every kill the index must be whole
   (every file a page names exists with the sha256 the page gives, its metadata file too,
   every page parses, the record lists what the pages list, nothing temporary is served)
   and the forge must hold no duplicate PR.
4. It runs to the end, and its end state must equal the reference's.

It prints a table (kill, seconds into that start, the phase it hit, the index check) and
exits 1 on any mismatch. Builds use a fixed SOURCE_DATE_EPOCH, so the wheels of both runs
must be byte-identical (``--names-only`` compares wheel names only).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bot_rounds  # noqa: E402  (the driver, beside this file)

DRIVER = HERE / "bot_rounds.py"
#: a fixed build time, so rebuilds and the two runs make the same bytes
EPOCH = "1700000000"
GIT_ENV = {"GIT_AUTHOR_NAME": "maintainer", "GIT_AUTHOR_EMAIL": "maintainer@example.invalid",
           "GIT_COMMITTER_NAME": "maintainer", "GIT_COMMITTER_EMAIL": "maintainer@example.invalid",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}
#: the phase markers' first word -> what the table calls it
CATEGORY = {"bot": "bot pass", "check": "merge", "merge": "merge", "publish": "publish", "build": "publish",
            "index": "publish"}

# -- the farm --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    name: str
    host: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("1.0",)
    #: upstream is asked for new releases (the root library)
    updates: bool = False


GRAPHS: dict[str, tuple[Library, ...]] = {
    "full": (Library("rz", (), ("1.0", "1.1"), updates=True), Library("rb", ("rz",)), Library("rc", ("rz", "rb")),
             Library("rd", ("rc",))),
    "small": (Library("rz", (), ("1.0", "1.1"), updates=True), Library("rb", ("rz",))),
}


def tarball(name: str, version: str) -> bytes:
    """A release tarball that is the same bytes every time: a license and a version file."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member, text in (("LICENSE", "Permission is granted to use this test library for any purpose.\n"),
                             ("VERSION", f"{version}\n")):
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{member}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


class Upstream:
    """Release pages and tarballs on 127.0.0.1, the way a project's download page lists them."""

    def __init__(self, libraries: Sequence[Library]) -> None:
        self.routes: dict[str, bytes] = {}
        for lib in libraries:
            names = []
            for v in lib.versions:
                self.routes[f"/{lib.name}/{lib.name}-{v}.tar.gz"] = tarball(lib.name, v)
                names.append(f'<a href="{lib.name}-{v}.tar.gz">{lib.name}-{v}.tar.gz</a>')
            self.routes[f"/{lib.name}/"] = ("<html><body>\n" + "\n".join(names) + "\n</body></html>\n").encode()
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                body = routes.get(urllib.parse.urlsplit(self.path).path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Upstream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sha256(self, name: str, version: str) -> str:
        return hashlib.sha256(self.routes[f"/{name}/{name}-{version}.tar.gz"]).hexdigest()


def build_script(lib: Library) -> str:
    calls = " + ".join([*(f"{d}_value()" for d in lib.host), "1"])
    decls = "".join(f"int {d}_value(void);\n" for d in lib.host)
    links = " ".join(f"-l{d}" for d in lib.host)
    return f"""#!/usr/bin/env bash
set -euo pipefail
cat > {lib.name}.c <<'C'
{decls}int {lib.name}_value(void) {{ return {calls}; }}
C
mkdir -p "$PREFIX/lib" "$PREFIX/include"
echo 'int {lib.name}_value(void);' > "$PREFIX/include/{lib.name}.h"
cc $CFLAGS $CPPFLAGS -shared -fPIC -Wl,-soname,lib{lib.name}.so.1 -o "$PREFIX/lib/lib{lib.name}.so.1" {lib.name}.c \\
  $LDFLAGS {links}
ln -sf lib{lib.name}.so.1 "$PREFIX/lib/lib{lib.name}.so"
"""


def recipe(lib: Library, upstream: Upstream) -> str:
    first = lib.versions[0]
    hosts = "".join(f"\n    - {h}" for h in lib.host) or " []"
    updates = (f'\nupdates:\n  url: {upstream.url}/{lib.name}/\n  pattern: "{lib.name}-(\\\\d+\\\\.\\\\d+)\\\\.tar\\\\.gz"\n'
               if lib.updates else "")
    return f"""# A test library: its C is written by build.sh; the tarball carries the license.
schema_version: 1
context:
  version: "{first}"

package:
  name: {lib.name}
  version: ${{{{ version }}}}

source:
  - url: {upstream.url}/{lib.name}/{lib.name}-${{{{ version }}}}.tar.gz
    sha256: {upstream.sha256(lib.name, first)}

build:
  number: 0
  script: build.sh

requirements:
  build:
    - c-compiler
  host:{hosts}

abi:
  max_pin: x.x

provides:
  sonames: [lib{lib.name}.so.1]

test:
  python:
    - import wheelfarm.{lib.name} as m; m.load_library()

about:
  license: LicenseRef-Test
  license_file: LICENSE
  summary: a test library ({lib.name})
{updates}
maintainers:
  - wheelfarm/core
"""


PINS = """# What every recipe builds against.
schema_version: 1
toolchain:
  c_compiler: gcc
  c_compiler_version: "12"
platforms:
  linux-x86_64:
    policy: manylinux_2_28
pins:
{pins}"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV})
    return done.stdout


def make_farm(root: Path, upstream: Upstream, graph: str = "full") -> Path:
    """The farm's repository at ``root``: recipes and pins committed on ``main``, nothing built."""
    libraries = GRAPHS[graph]
    for lib in libraries:
        folder = root / "recipes" / lib.name
        folder.mkdir(parents=True)
        (folder / "recipe.yaml").write_text(recipe(lib, upstream), encoding="utf-8")
        (folder / "build.sh").write_text(build_script(lib), encoding="utf-8")
        (folder / "build.sh").chmod(0o755)
    pins = "".join(f'  {lib.name}: "{lib.versions[0]}"\n' for lib in libraries if lib.updates)
    (root / "recipes" / "pins.yaml").write_text(PINS.format(pins=pins), encoding="utf-8")
    (root / ".gitignore").write_text(".farm/\nindex/\nwheelhouse/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A small farm")
    return root


def driver_env() -> dict[str, str]:
    env = {**os.environ, **GIT_ENV, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONUNBUFFERED": "1"}
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(var, None)
    env["NO_PROXY"] = env["no_proxy"] = ",".join(x for x in (os.environ.get("NO_PROXY"), "127.0.0.1", "localhost") if x)
    return env


# -- checks ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_index(index: Path) -> tuple[list[str], str]:
    """(problems, a note) about the index as an installer sees it now."""
    simple = index / "simple"
    if not simple.exists():
        return [], "no pages yet"
    problems: list[str] = []
    if not simple.is_symlink() or not (index / "current").is_symlink():
        problems.append("simple/ or current is not the generation link")
    gen = (index / "current").resolve()
    for path in sorted(gen.joinpath("simple").rglob("*")):
        if path.is_file() and path.name not in ("index.html", "index.json"):
            problems.append(f"served but not a page: {path.relative_to(gen)}")
    try:
        root = json.loads((simple / "index.json").read_text(encoding="utf-8"))
        projects = [str(p["name"]) for p in root["projects"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return problems + [f"simple/index.json: {exc}"], ""
    if not (simple / "index.html").is_file():
        problems.append("simple/index.html is missing")
    named: set[str] = set()
    for project in projects:
        page = simple / project
        try:
            doc = json.loads((page / "index.json").read_text(encoding="utf-8"))
            files = doc["files"]
            page_html = (page / "index.html").read_text(encoding="utf-8")
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"{project}: {exc}")
            continue
        hrefs = {html.unescape(h) for h in re.findall(r'href="([^"]+)"', page_html)}
        for entry in files:
            name, url, sha = str(entry["filename"]), str(entry["url"]), str(entry["hashes"]["sha256"])
            named.add(name)
            if name.startswith(".") or name.endswith(".part"):
                problems.append(f"{project}: names a temporary file {name}")
            if f"{url}#sha256={sha}" not in hrefs:
                problems.append(f"{project}/index.html lacks {name} with its sha256")
            target = Path(os.path.normpath(page / urllib.parse.unquote(url)))  # as a URL resolves it
            if not target.is_file():
                problems.append(f"{project}: {name} is named but missing")
                continue
            if _sha256(target) != sha or target.stat().st_size != entry.get("size", target.stat().st_size):
                problems.append(f"{project}: {name} does not have the sha256 or size the page gives")
            meta = entry.get("core-metadata")
            if isinstance(meta, dict):
                mfile = target.with_name(target.name + ".metadata")
                if not mfile.is_file() or _sha256(mfile) != meta.get("sha256"):
                    problems.append(f"{project}: the metadata file of {name} is missing or differs")
    try:
        lines = (gen / "record.jsonl").read_text(encoding="utf-8").splitlines()[1:]  # after the format line
        recorded = {json.loads(line)["filename"] for line in lines if line}
        if recorded != named:
            problems.append(f"record.jsonl and the pages differ: {sorted(recorded ^ named)}")
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"record.jsonl: {exc}")
    leftovers = sorted(p.name for p in (index / "files").glob(".*")) if (index / "files").is_dir() else []
    note = f"{len(named)} files" + (f"; {len(leftovers)} unserved temporary file(s) in files/" if leftovers else "")
    return problems, note


def forge_prs(repo: Path) -> list[Any]:
    from farm.bot.forge_local import LocalForge

    return LocalForge(repo).list_prs("farm-bot/")


def left_behind(repo: Path) -> list[str]:
    """What a kill left unfinished, as the repository, the forge and the index show it."""
    from farm.bot.forge_local import LocalForge
    from farm.bot.journal import Journal

    out: list[str] = []
    git_dir = repo / ".git"
    try:
        merging = json.loads((git_dir / "farm-rounds" / "state.json").read_text()).get("merging")
    except (OSError, ValueError):
        merging = None
    if merging:
        extra = [n for n in ("MERGE_HEAD", "index.lock") if (git_dir / n).exists()]
        out.append(f"merge of #{merging['number']} begun" + (f" ({', '.join(extra)})" if extra else ""))
    locks = sorted(str(p.relative_to(git_dir)) for p in git_dir.rglob("*.lock")
                   if p.name not in ("lock", "run.lock") and p.parent.name not in ("farm-bot", "farm-rounds"))
    out += [f"git lock {lock}" for lock in locks]
    forge = LocalForge(repo)
    heads = {pr.head for pr in forge.list_prs("farm-bot/")}
    branches = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/farm-bot/").split()
    out += [f"branch without PR {b}" for b in branches if b not in heads]
    intents = Journal.loads(forge.load_state()).intents
    if intents:
        out.append(f"{len(intents)} journal intent(s)")
    published = set()
    simple = repo / "index" / "simple"
    for page in simple.glob("*/index.json") if simple.is_dir() else []:
        published |= {e["filename"] for e in json.loads(page.read_text())["files"]}
    wheelhouse = repo / "wheelhouse"
    out += [f"built, not published {w.name.split('-py3')[0]}" for w in sorted(wheelhouse.glob("*.whl"))
            if w.name not in published] if wheelhouse.is_dir() else []
    return out


def end_state(repo: Path) -> dict[str, Any]:
    tree = {}
    for line in git(repo, "ls-tree", "-r", "HEAD", "--", "recipes").splitlines():
        meta, path = line.split("\t", 1)
        tree[path] = meta.split()[2]
    prs: dict[str, list[str]] = {}
    for pr in forge_prs(repo):
        prs.setdefault(pr.head, []).append(pr.state)
    index = repo / "index"
    files: dict[str, str] = {}
    simple = index / "simple"
    if (simple / "index.json").is_file():
        for p in json.loads((simple / "index.json").read_text())["projects"]:
            for entry in json.loads((simple / p["name"] / "index.json").read_text())["files"]:
                files[entry["filename"]] = entry["hashes"]["sha256"]
                files[entry["filename"] + ".metadata"] = entry.get("core-metadata", {}).get("sha256", "")
    failures = sorted(str(p.relative_to(index)) for p in (index / "failures").rglob("*.log")) \
        if (index / "failures").is_dir() else []
    return {"tree": tree, "prs": prs, "files": files, "failures": failures,
            "branches": sorted(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()),
            "clean": git(repo, "status", "--porcelain", "--untracked-files=no") == ""}


def compare(ref: Mapping[str, Any], got: Mapping[str, Any], names_only: bool) -> list[str]:
    out = []
    for path in sorted(set(ref["tree"]) | set(got["tree"])):
        if ref["tree"].get(path) != got["tree"].get(path):
            out.append(f"recipes differ at {path}")
    if ref["prs"] != got["prs"]:
        out.append(f"PRs differ: reference {ref['prs']}, this run {got['prs']}")
    if names_only:
        if set(ref["files"]) != set(got["files"]):
            out.append(f"index files differ: {sorted(set(ref['files']) ^ set(got['files']))}")
    else:
        for name in sorted(set(ref["files"]) | set(got["files"])):
            if ref["files"].get(name) != got["files"].get(name):
                out.append(f"index file differs: {name} (reference {ref['files'].get(name, 'absent')[:12]}, "
                           f"this run {got['files'].get(name, 'absent')[:12]})")
    for key in ("failures", "branches", "clean"):
        if ref[key] != got[key]:
            out.append(f"{key} differ: reference {ref[key]}, this run {got[key]}")
    dups = bot_rounds.duplicates(forge_prs_for(got))
    return out + [f"duplicate: {d}" for d in dups]


def forge_prs_for(state: Mapping[str, Any]) -> list[Any]:
    """Stand-ins with the head and state only, for :func:`bot_rounds.duplicates` (branches)."""
    from farm.bot.forge import PullRequest

    out = []
    for n, (head, states) in enumerate(sorted(state["prs"].items())):
        for s in states:
            out.append(PullRequest(n, head, "main", "", "", s, ""))
    return out


# -- running and killing the driver ------------------------------------------------------------


@dataclass
class Marker:
    at: float  # seconds since that start of the driver
    text: str  # without the leading "@@ "

    @property
    def phase(self) -> str:
        return self.text.split(" | ", 1)[0]

    @property
    def category(self) -> str:
        return CATEGORY.get(self.text.split()[0], self.text.split()[0])


@dataclass
class Started:
    """One start of the driver, its output read line by line as it comes."""

    proc: subprocess.Popen[str]
    started: float
    lines: list[str] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    ended: bool = False

    @classmethod
    def start(cls, repo: Path, env: Mapping[str, str], args: Sequence[str] = ()) -> Started:
        proc = subprocess.Popen([sys.executable, "-u", str(DRIVER), str(repo), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=dict(env), start_new_session=True)
        run = cls(proc, time.monotonic())
        threading.Thread(target=run._read, daemon=True).start()
        return run

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                if line.startswith("@@ "):
                    self.markers.append(Marker(time.monotonic() - self.started, line[3:].strip()))
                self.cond.notify_all()
        self.proc.stdout.close()
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def wait_marker(self, wanted: Callable[[Marker], bool], seen: int) -> tuple[int, Marker | None]:
        """The first marker from position ``seen`` on that ``wanted`` accepts (None: the run ended)."""
        with self.cond:
            while True:
                while seen < len(self.markers):
                    m = self.markers[seen]
                    seen += 1
                    if wanted(m):
                        return seen, m
                if self.ended:
                    return seen, None
                self.cond.wait(0.5)

    def kill(self) -> float:
        at = time.monotonic() - self.started
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the group's other members go too
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        with self.cond:
            while not self.ended:
                self.cond.wait(0.5)
        return at

    def finish(self) -> int:
        rc = self.proc.wait()
        with self.cond:
            while not self.ended:
                self.cond.wait(0.5)
        return rc

    def last_marker(self) -> Marker | None:
        with self.cond:
            return self.markers[-1] if self.markers else None


@dataclass(frozen=True)
class KillPoint:
    """Kill ``delay`` seconds after the first marker that ``wanted`` accepts; ``label`` says which."""

    label: str
    wanted: Callable[[Marker], bool]
    delay: float


@dataclass
class KillRecord:
    number: int
    point: KillPoint
    seconds: float | None
    hit: str
    index_problems: list[str]
    index_note: str
    forge_problems: list[str]
    output: list[str]
    #: what the kill left unfinished
    left: list[str] = field(default_factory=list)
    #: what the next start found and finished or undid (its recovery lines)
    recovered: list[str] = field(default_factory=list)


def recovery(lines: Sequence[str]) -> list[str]:
    """The lines a start printed while finishing what the kill before it left behind."""
    out: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("@@ "):
            if inside:
                break
            inside = line.startswith("@@ recover")
        elif inside:
            out.append(line.strip())
    return out


def plan_kills(reference: Sequence[Marker], count: int, rng: random.Random) -> list[KillPoint]:
    """``count`` kill points among the reference's markers of bot passes, merges and publishing,
    spread over the three (the last round, which only confirms, is left out)."""
    last_bot = max(i for i, m in enumerate(reference) if m.category == "bot pass")
    pools: dict[str, list[int]] = {}
    for i, m in enumerate(reference[:last_bot]):
        if m.category in ("bot pass", "merge", "publish"):
            pools.setdefault(m.category, []).append(i)
    chosen: list[int] = []
    cats = sorted(pools)
    while len(chosen) < count and any(pools.values()):
        for cat in rng.sample(cats, len(cats)):
            if pools[cat] and len(chosen) < count:
                chosen.append(pools[cat].pop(rng.randrange(len(pools[cat]))))
    points = []
    position = {m.text: [] for m in reference}  # type: dict[str, list[int]]
    for i, m in enumerate(reference):
        position[m.text].append(i)
    for i in sorted(chosen):
        duration = (reference[i + 1].at if i + 1 < len(reference) else reference[i].at + 0.5) - reference[i].at
        delay = round(rng.uniform(0.0, max(duration, 0.01)), 3)

        def wanted(m: Marker, target: int = i) -> bool:
            return any(j >= target for j in position.get(m.text, ()))

        points.append(KillPoint(f"{reference[i].phase} +{delay:.3f}s", wanted, delay))
    return points


def run_with_kills(repo: Path, points: Sequence[KillPoint], env: Mapping[str, str], args: Sequence[str] = (),
                   log: Callable[[str], None] = print) -> tuple[list[KillRecord], Started]:
    """Start the driver, kill it at each point in turn (starting it again each time), then let it end."""
    records: list[KillRecord] = []
    for number, point in enumerate(points, 1):
        run = Started.start(repo, env, args)
        seen, marker = run.wait_marker(point.wanted, 0)
        if marker is not None:
            end = time.monotonic() + point.delay
            with run.cond:
                while not run.ended and time.monotonic() < end:
                    run.cond.wait(max(0.0, end - time.monotonic()))
        if run.ended:
            rc = run.finish()
            records.append(KillRecord(number, point, None, f"(the run ended first, exit {rc})", [], "", [],
                                      run.lines))
            log(f"kill {number}: the run ended (exit {rc}) before {point.label}")
            continue
        at = run.kill()
        hit = run.last_marker()
        problems, note = check_index(repo / "index")
        forge: list[str] = []
        try:
            forge = [f"duplicate {d}" for d in bot_rounds.duplicates(forge_prs(repo))]
        except Exception as exc:  # a forge file the kill damaged is itself the finding
            forge = [f"the forge's records do not read: {exc}"]
        phase = f"{hit.category}: {hit.phase} (+{at - hit.at:.2f}s)" if hit else "before the first phase"
        records.append(KillRecord(number, point, at, phase, problems, note, forge, run.lines, left_behind(repo)))
        log(f"kill {number}: {point.label} -> killed at {at:.2f}s in {phase}; index "
            f"{'ok' if not problems else 'BROKEN: ' + '; '.join(problems)}")
    final = Started.start(repo, env, args)
    final.finish()
    for record, after in zip(records, [*(r.output for r in records[1:]), final.lines]):
        record.recovered = recovery(after)
    return records, final


def table(records: Sequence[KillRecord]) -> str:
    rows = [("kill", "seconds", "phase hit", "index check", "left behind / the next start found")]
    for r in records:
        check = "ok" if not r.index_problems else "BROKEN: " + "; ".join(r.index_problems)
        if r.index_note:
            check += f" ({r.index_note})"
        if r.forge_problems:
            check += "; forge: " + "; ".join(r.forge_problems)
        rows.append((str(r.number), f"{r.seconds:.2f}" if r.seconds is not None else "-", r.hit, check,
                     ("; ".join(r.left) or "-") + " / " + ("; ".join(r.recovered) or "-")))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
                     for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None, help="the kill points' seed (default: drawn and printed)")
    parser.add_argument("--graph", choices=sorted(GRAPHS), default="full")
    parser.add_argument("--names-only", action="store_true", help="compare the index's file names, not their bytes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    print(f"seed {seed} (run again with --seed {seed})", flush=True)
    rng = random.Random(seed)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bot-faults-"))
    env = driver_env()
    failed: list[str] = []
    try:
        with Upstream(GRAPHS[args.graph]) as upstream:
            seed_repo = make_farm(work / "seed", upstream, args.graph)
            ref_repo, fault_repo = work / "ref", work / "flt"  # names of one length: the same build paths
            shutil.copytree(seed_repo, ref_repo, symlinks=True)
            print(f"reference run in {ref_repo}", flush=True)
            ref = Started.start(ref_repo, env)
            rc = ref.finish()
            print("\n".join("  " + line for line in ref.lines if not line.startswith("@@ ")), flush=True)
            if rc != 0:
                failed.append(f"the reference run failed (exit {rc})")
                print(failed[-1], f"; the repositories are in {work}", flush=True)
                return 1
            reference = end_state(ref_repo)
            problems, note = check_index(ref_repo / "index")
            if problems:
                failed += [f"reference index: {p}" for p in problems]
            points = plan_kills(ref.markers, args.kills, rng)
            print(f"\n{len(points)} kill points (seed {seed}):", flush=True)
            for n, p in enumerate(points, 1):
                print(f"  {n}: {p.label}", flush=True)
            shutil.copytree(seed_repo, fault_repo, symlinks=True)
            print(f"\nrun with kills in {fault_repo}", flush=True)
            records, final = run_with_kills(fault_repo, points, env)
            final_rc = final.proc.returncode
            print("\nthe last start, to the end:", flush=True)
            print("\n".join("  " + line for line in final.lines if not line.startswith("@@ ")), flush=True)
            got = end_state(fault_repo)
        print("\n" + table(records), flush=True)
        kills = sum(1 for r in records if r.seconds is not None)
        if kills < len(points):
            failed.append(f"only {kills} of {len(points)} kills happened")
        for r in records:
            failed += [f"kill {r.number}: index: {p}" for p in r.index_problems]
            failed += [f"kill {r.number}: forge: {p}" for p in r.forge_problems]
        if final_rc != 0:
            failed.append(f"the last start did not converge (exit {final_rc})")
        failed += compare(reference, got, args.names_only)
        final_problems, final_note = check_index(fault_repo / "index")
        failed += [f"final index: {p}" for p in final_problems]
        print(f"\nreference: {len(reference['prs'])} PR branches, {len(reference['files']) // 2} wheels; "
              f"after the kills: {len(got['prs'])} PR branches, {len(got['files']) // 2} wheels ({final_note})")
        print(f"total {time.monotonic() - started:.1f} s")
        if failed:
            print("FAILED:\n" + "\n".join(f"  {f}" for f in failed))
            print(f"the repositories are in {work}")
            return 1
        print(f"OK: {kills} kills, the same end state as the reference")
        return 0
    finally:
        if not args.keep and not failed:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            print(f"kept {work}")


if __name__ == "__main__":
    sys.exit(main())
