#!/usr/bin/env bash
# The geo stack end to end: build every recipe GDAL needs, in dependency order (farm build
# gdal; what is already built with an unchanged key is skipped), report each recipe's time,
# then build and test the real consumers (tests/geo/consumers.sh).
#
#   bash ci/geo-stack.sh                      build + consumers
#   GEO_SKIP_CONSUMERS=1 bash ci/geo-stack.sh build only
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ -x .venv/bin/farm ] || bash ci/setup.sh
FARM=.venv/bin/farm
# libjpeg-turbo's SIMD code needs nasm (farm names the package when it is missing)
if ! command -v nasm >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q nasm >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q nasm >/dev/null; }
fi

mkdir -p .farm
log=.farm/geo-stack.log
start=$(date +%s)
"$FARM" build gdal 2>&1 | tee "$log"
end=$(date +%s)

echo
echo "== time per recipe (farm's stage timings, summed)"
awk '
  $2 == "unchanged" { state[$1] = "unchanged"; order[++n] = $1; next }
  NF >= 3 && $NF ~ /^[0-9.]+s$/ && $2 ~ /^(fetch|host|compile|pack|repair|check|test|publish)$/ {
    if (!($1 in secs)) order[++n] = $1
    secs[$1] += substr($NF, 1, length($NF) - 1); stage[$1, $2] = substr($NF, 1, length($NF) - 1)
    state[$1] = "built"
  }
  END {
    printf "  %-14s %-9s %9s %9s %9s\n", "recipe", "state", "total", "compile", "test"
    for (i = 1; i <= n; i++) {
      r = order[i]; if (seen[r]++) continue
      printf "  %-14s %-9s %8.1fs %8.1fs %8.1fs\n", r, state[r], secs[r], stage[r, "compile"], stage[r, "test"]
      total += secs[r]
    }
    printf "  %-14s %-9s %8.1fs\n", "all", "", total
  }' "$log"
echo "  wall clock: $((end - start))s"

echo
echo "== every stack wheel: auditwheel show, no build-machine path in any file"
.venv/bin/python tests/geo/check_wheels.py

if [ "${GEO_SKIP_CONSUMERS:-0}" != 1 ]; then
  bash tests/geo/consumers.sh
fi
