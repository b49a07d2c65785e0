"""What ``farm build`` costs when nothing changed, over a whole built farm.

Runs ``farm build <every recipe the farm has built>`` as a user does (a whole process, the
farm's settings and FARM_* variables honoured) ``--repeat`` times after one warm-up, and
prints the best and every time. A recipe counts as built when the farm's work folder holds a
build key for it; the others (never built in this farm) are named and left out, since for
them the command would build, not check. Target: under 0.5 s (exit 1 when missed), and the
command must build nothing.

    FARM_WORK=... FARM_WHEELHOUSE=... FARM_INDEX=... python benchmarks/noop.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.catalog import Catalog  # noqa: E402
from farm.settings import load_settings  # noqa: E402

TARGET = 0.5


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    settings = load_settings(ROOT)
    catalog = Catalog.from_settings(settings)
    keys = [p.name for p in (settings.work / "keys").glob("*.json")]
    built = sorted(n for n in catalog.documents if any(k.startswith(f"{n}-") for k in keys))
    left_out = sorted(set(catalog.documents) - set(built))
    if not built:
        sys.exit(f"{settings.work / 'keys'}: no build keys; build the farm first")
    cmd = [sys.executable, "-m", "farm", "build", *built]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if first.returncode != 0 or " 0 built" not in first.stdout + first.stderr:
        sys.exit(f"farm build {' '.join(built)} did not run as a no-op:\n{(first.stdout + first.stderr)[-2000:]}")
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"farm build, nothing changed, {len(built)} of the catalog's {len(catalog.documents)} recipes: "
          f"{best:.2f} s (best of {len(times)}: {', '.join(f'{t:.2f}' for t in times)}); target < {TARGET} s")
    if left_out:
        print(f"  not built in {settings.work}, so left out: {', '.join(left_out)}")
    if best >= TARGET:
        print(f"MISSED: {best:.2f} s >= {TARGET} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
