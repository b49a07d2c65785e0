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
# the newest release wheel of each (file names do not sort by version; dev builds carry a +label)
newest() {
  .venv/bin/python - "$1" <<'PY'
import sys
from pathlib import Path
from packaging.utils import parse_wheel_filename as parse
files = [f for f in Path("index/files").glob(sys.argv[1] + "-*.whl") if not parse(f.name)[1].local]
print(max(files, key=lambda f: parse(f.name)[1]))
PY
}
.venv/bin/farm audit "$(newest wheelfarm_openblas)" "$(newest wheelfarm_openblas64)"
