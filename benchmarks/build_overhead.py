"""What farm adds around a real build, with uv and with pip, and what a no-op rebuild costs.

For each recipe (default: zlib and libtiff; ``--gdal`` adds gdal, whose stack takes about
15 minutes on 2 cores), in a scratch farm per installer with the sources already in the
cache and the recipe's dependencies built (once, then copied to each installer's farm), it
runs ``farm build <recipe>`` as a user does (a whole process) and splits its wall time into

- compile: the recipe's own build script (the ``compile`` stage);
- the recipe's own test commands (``test.commands`` and ``test.python``, timed in the log);
- farm's overhead: everything else (start-up, planning, fetch from the cache and extract,
  host wheels, pack, repair, link check, the test environment, publish).

The recipe is built ``--repeat`` times and the run where farm added least counts (gdal once:
its wheel is not byte-reproducible, so the index would refuse a second one under the same
name). Then ``farm build --all`` runs again with nothing changed, over every recipe of the
scratch farm.

Targets (exit 1 when one is missed): overhead at most 1 s for zlib with uv, at most 5% of
the compile for gdal with uv, and the no-op ``--all`` under 0.5 s.

    python benchmarks/build_overhead.py [--recipe zlib --recipe libtiff] [--gdal]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from farm.catalog import Catalog
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
INSTALLERS = ("uv", "pip")
#: (recipe, installer) -> the most farm may add, in seconds, as a function of the compile time
TARGETS = {("zlib", "uv"): lambda compile_s: 1.0, ("gdal", "uv"): lambda compile_s: 0.05 * compile_s}
NOOP_TARGET = 0.5
#: Built once per installer: their builds are not reproducible byte for byte (the index refuses to
#: publish a changed wheel under the same name), and a compile of minutes does not hide in noise.
ONCE = frozenset({"gdal"})

_STAGE = re.compile(r"^  (\S+)\s+(\S+)\s.*?(\d+\.\d)s$")
_TIMED = re.compile(r"^\((\d+\.\d+) s\)$")


@dataclass(frozen=True)
class Measured:
    recipe: str
    installer: str
    total: float
    compile: float
    tests: float
    stages: dict[str, float]

    @property
    def overhead(self) -> float:
        return self.total - self.compile - self.tests


def scratch_farm(root: Path, recipes: list[str]) -> list[str]:
    """A farm in ``root`` holding ``recipes`` and everything they link; returns its recipe names."""
    full = Catalog.from_settings(load_settings(ROOT))
    wanted = sorted({*recipes, *(d for r in recipes for d in full.graph().dependencies(r, transitive=True))})
    for name in wanted:
        shutil.copytree(full.document(name).folder, root / "recipes" / name)
    shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
    return wanted


def farm(root: Path, installer: str, *args: str) -> tuple[float, str]:
    env = dict(os.environ, FARM_INSTALLER=installer)
    env.pop("GITHUB_ACTIONS", None)  # the plain printer: one line per finished stage
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "farm", "build", *args, "--root", str(root)], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"farm build {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return wall, done.stderr


def recipe_test_seconds(log: Path, commands: list[str], statements: list[str]) -> float:
    """The time the log records for the recipe's own test commands and statements.

    farm's test stage writes ``$ <command>`` before each step and ``(<seconds> s)`` after it.
    """
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    commands_first = {f"$ bash -eo pipefail -c {c}".splitlines()[0] for c in commands}
    statements_first = {f" -c {s}".splitlines()[0] for s in statements}
    total = 0.0
    for i, line in enumerate(lines):
        ours = line in commands_first or (line.startswith("$ ") and any(line.endswith(s) for s in statements_first))
        if not ours:
            continue
        for later in lines[i + 1:]:
            if m := _TIMED.match(later):
                total += float(m.group(1))
                break
    return total


def measure(root: Path, recipe: str, installer: str, repeat: int) -> Measured:
    """The run of ``repeat`` in which farm added least (this machine's load varies by a factor of two)."""
    cat = Catalog.from_settings(load_settings(root))
    deps = cat.graph().dependencies(recipe, transitive=True)
    if deps:
        farm(root, installer, *deps)  # built first, not measured
    runs = []
    for _ in range(repeat):
        for key in (root / ".farm" / "keys").glob(f"{recipe}-*.json"):
            key.unlink()  # only the recipe itself is built again (its dependencies stay unchanged)
        runs.append(_measure_once(root, cat, recipe, installer))
    return min(runs, key=lambda m: m.overhead)


def _measure_once(root: Path, cat: Catalog, recipe: str, installer: str) -> Measured:
    wall, out = farm(root, installer, recipe)
    stages = {m.group(2): float(m.group(3)) for line in out.splitlines()
              if (m := _STAGE.match(line)) and m.group(1) == recipe}
    variant = cat.variants_of(recipe)[0]
    logs = sorted((root / ".farm" / "logs").glob(f"{recipe}-*.log"), key=lambda p: p.stat().st_mtime)
    tests = recipe_test_seconds(logs[-1], list(variant.test.commands), list(variant.test.python))
    return Measured(recipe, installer, wall, stages["compile"], tests, stages)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", action="append", help="recipes to measure (default: zlib, libtiff)")
    ap.add_argument("--gdal", action="store_true", help="measure gdal too (its stack is built once, then copied to each installer's farm)")
    ap.add_argument("--repeat", type=int, default=3, help="builds of each recipe per installer; the best counts")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    recipes = args.recipe or ["zlib", "libtiff"]
    if args.gdal and "gdal" not in recipes:
        recipes.append("gdal")
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="farm-bench-") as tmp:
        base = args.keep or Path(tmp)
        # The dependencies are built once, outside the measurement, and each installer's farm starts
        # from a copy: gdal's stack takes longer than all the measured builds together.
        seed = base / "dependencies"
        shutil.rmtree(seed, ignore_errors=True)
        names = scratch_farm(seed, recipes)
        graph = Catalog.from_settings(load_settings(seed)).graph()
        deps = sorted({d for r in recipes for d in graph.dependencies(r, transitive=True)})
        if deps:
            farm(seed, "uv", *deps)
        roots = {}
        for installer in INSTALLERS:
            root = base / installer
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(seed, root, symlinks=True)
            roots[installer] = root
            for recipe in [n for wave in graph.waves(only=set(recipes)) for n in wave]:  # dependencies first
                results.append(measure(root, recipe, installer, 1 if recipe in ONCE else args.repeat))
        farm(roots["uv"], "uv", "--all")  # the key files are in place; then, nothing changed:
        noops = [farm(roots["uv"], "uv", "--all")[0] for _ in range(3)]
    noop = min(noops)
    missed = []
    print(f"{'recipe':<10} {'installer':<9} {'total':>8} {'compile':>8} {'tests':>7} {'farm':>7} {'farm/compile':>12}")
    for m in results:
        print(f"{m.recipe:<10} {m.installer:<9} {m.total:8.2f} {m.compile:8.2f} {m.tests:7.2f} {m.overhead:7.2f} "
              f"{m.overhead / m.compile:12.1%}")
        target = TARGETS.get((m.recipe, m.installer))
        if target is not None and m.overhead > target(m.compile):
            missed.append(f"{m.recipe} with {m.installer}: farm adds {m.overhead:.2f} s, target {target(m.compile):.2f} s")
    for m in results:
        rest = {k: v for k, v in m.stages.items() if k != "compile"}
        print(f"  {m.recipe} ({m.installer}) stages: " + ", ".join(f"{k} {v:.1f}" for k, v in rest.items()) +
              f"; outside the stages {m.total - sum(m.stages.values()):.2f} s")
    print(f"farm build --all, nothing changed ({len(names)} recipes): {noop:.2f} s (best of {len(noops)}: "
          + ", ".join(f"{n:.2f}" for n in noops) + ")")
    if noop >= NOOP_TARGET:
        missed.append(f"no-op --all took {noop:.2f} s, target < {NOOP_TARGET} s")
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
