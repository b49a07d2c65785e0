"""What farm adds around a real build, and what a no-op rebuild costs.

Builds a real recipe (default: libtiff, with zlib built first) in a scratch farm with
the sources already in the cache, and reports compile time against everything farm adds
(fetch from cache and extract, host wheels, pack, repair, link check, venv test,
publish). Then runs `farm build --all` again with nothing changed.

    python benchmarks/build_overhead.py [--recipe libtiff]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from farm.build import Builder
from farm.catalog import Catalog
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    def __init__(self) -> None:
        self.stages: dict[str, dict[str, float]] = {}

    def stage(self, recipe: str, name: str) -> None:
        pass

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None:
        self.stages.setdefault(recipe, {})[name] = seconds

    def download(self, done: int, total: int | None) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def log_file(self, recipe: str, path: Path) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", default="libtiff")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="farm-bench-") as tmp:
        root = Path(tmp)
        full = Catalog.from_settings(load_settings(ROOT))
        wanted = [args.recipe, *full.graph().dependencies(args.recipe, transitive=True)]
        for name in wanted:  # the scratch farm holds the recipe and what it links, so --all is exactly these
            shutil.copytree(full.document(name).folder, root / "recipes" / name)
        shutil.copy(ROOT / "recipes" / "pins.yaml", root / "recipes" / "pins.yaml")
        settings = load_settings(root)
        recorder = Recorder()
        builder = Builder(settings, Catalog.from_settings(settings), recorder)
        builder.build([args.recipe])  # warms the source cache as a side effect
        stages = recorder.stages[args.recipe]
        compile_s = stages["compile"]
        overhead = {k: v for k, v in stages.items() if k != "compile"}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "farm", "build", "--all", "--root", str(root)], check=True,
                       capture_output=True)
        noop = time.perf_counter() - start
    print(f"recipe {args.recipe}: stages " + ", ".join(f"{k} {v:.2f}s" for k, v in stages.items()))
    print(f"compile (the recipe's own build script) : {compile_s:8.2f} s")
    print(f"farm's additions (all other stages)     : {sum(overhead.values()):8.2f} s")
    print(f"  ratio additions / compile             : {sum(overhead.values()) / compile_s:8.2f}")
    print(f"second 'farm build --all', nothing changed: {noop:6.2f} s (a whole process, every recipe)")
    print(f"  ratio no-op rebuild / full build      : {noop / sum(stages.values()):8.3f}")


if __name__ == "__main__":
    main()
