#!/usr/bin/env bash
# End to end for OpenBLAS: build the release wheels (DYNAMIC_ARCH, LP64 and ILP64) here,
# with OpenBLAS's own BLAS/CBLAS/utest suites run during the build (see the build log),
# then measure them against scipy-openblas32.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
start=$(date +%s)
.venv/bin/farm build openblas
echo "openblas release build: $(( $(date +%s) - start )) s"
for log in .farm/logs/openblas-interfacelp64.log .farm/logs/openblas64-interfaceilp64.log; do
  [ -f "$log" ] || continue
  echo "== OpenBLAS's own tests in $log:"
  grep -E "tests passed|tests failed|Test +#" "$log" | tail -12 || true
done
.venv/bin/python benchmarks/blas.py
# the newest release wheel of each (dev builds carry a +label; file names do not sort by version)
newest() { .venv/bin/python -c 'import sys; from pathlib import Path; from farm.index import newest_release; print(newest_release(Path("index"), sys.argv[1]))' "$1"; }
.venv/bin/farm audit "$(newest wheelfarm-openblas)" "$(newest wheelfarm-openblas64)"
