"""Fetch into DEST the wheels of a recipe's host dependencies (all of them, transitively)
that DEST lacks: those a change does not rebuild, which CI takes from the farm's index at
the versions the pins ask for. The farm's builder finds host dependencies in its
wheelhouse; the earlier waves' wheels are already there.

Usage: python ci/host_wheels.py RECIPE --platform linux-x86_64 --index-url URL/simple/ --dest wheelhouse
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from farm.build import Builder, BuildError
from farm.catalog import Catalog
from farm.platforms import parse
from farm.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("recipe")
    parser.add_argument("--platform", required=True)
    parser.add_argument("--index-url", default="", help="the farm's index (PEP 503); empty: fetch nothing")
    parser.add_argument("--dest", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="the farm's repository")
    args = parser.parse_args()
    dest = args.dest.resolve()
    dest.mkdir(parents=True, exist_ok=True)
    settings = load_settings(args.root, overrides={"wheelhouse": str(dest)})
    builder = Builder(settings, Catalog.from_settings(settings, parse(args.platform)))
    missing = []
    for name in builder.catalog.graph().dependencies(args.recipe, transitive=True):
        try:
            print(f"{name}: {builder.wheel_for(name).name} (already there: an earlier wave built it)")
        except BuildError:
            missing.append(name)
    for name in missing:
        pin = builder.catalog.pins.pins.get(name)
        spec = settings.dist_name(name) + (f"=={pin}.*" if pin else "")
        if not args.index_url:
            print(f"{spec}: neither built by this change nor fetchable: set the FARM_INDEX_URL variable",
                  file=sys.stderr)
            return 1
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "--dest", str(dest), "--index-url", args.index_url, spec], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
