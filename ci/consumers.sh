#!/usr/bin/env bash
# The Python packages the farm builds against its libraries, end to end:
#
#   1. farm build every consumer recipe (the library stack first; unchanged builds are skipped);
#   2. a fresh venv with pip, then one with uv, each given the farm's index beside the default one,
#      exactly as a user would: `pip install --extra-index-url <farm>/simple rasterio fiona ...`;
#   3. in each: every package is the farm's build (+wheelfarm), every import order maps one copy of
#      each native library (from /proc/self/maps), and each package's own test suite runs;
#   4. a table of passed/failed/skipped per package and installer; non-zero exit if anything failed.
#
#   bash ci/consumers.sh                     every consumer recipe
#   CONSUMERS="shapely pyproj" bash ci/consumers.sh
#   CONSUMERS_SKIP_BUILD=1 bash ci/consumers.sh   (test what the index already has)
#   CONSUMERS_SUITES="numpy scipy" bash ci/consumers.sh   (install and check every consumer, run only these suites)
#   CONSUMERS_INSTALLERS=uv bash ci/consumers.sh   (one installer instead of pip, then uv)
#
# Deselections: tests that need the network (their own `network` markers, or named below with the
# reason), and tests an open upstream issue shows failing on every build of our GDAL release
# (named below with the issue), and nothing else. A failure that comes from a driver or feature
# our GDAL lacks is reported here as a failure: fixing it belongs to the GDAL recipe, never to this list.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -x .venv/bin/farm ] || bash ci/setup.sh
FARM=.venv/bin/farm
PY="${PYTHON:-python3}"
UV="$ROOT/.venv/bin/uv"
INDEX="file://${FARM_INDEX:-$ROOT/index}/simple/"
WORK="${CONSUMERS_WORK:-$ROOT/.farm/consumers}"
read -r -a RECIPES <<<"${CONSUMERS:-shapely pyproj gdal-python pyogrio fiona rasterio numpy scipy}"

step() { printf '\n== %s\n' "$*"; }
rm -rf "$WORK" && mkdir -p "$WORK"

if [ -z "${CONSUMERS_SKIP_BUILD:-}" ]; then
  step "farm build ${RECIPES[*]}"
  start=$(date +%s)
  "$FARM" build "${RECIPES[@]}" 2>&1 | tee "$WORK/build.log"
  echo "built in $(( $(date +%s) - start )) s"
fi

# each recipe's distribution, import name and sdist (from farm's content-addressed cache)
.venv/bin/python - "$WORK/consumers.tsv" "${RECIPES[@]}" <<'PYEOF'
import sys
from farm.catalog import Catalog
from farm.fetch import SourceCache
from farm.kinds import kind_of
from farm.settings import find_root, load_settings
from pathlib import Path
settings = load_settings(find_root(Path.cwd()))
catalog = Catalog.from_settings(settings)
cache = SourceCache(settings.cache, settings.source_order, settings.download_timeout)
with open(sys.argv[1], "w") as out:
    for name in sys.argv[2:]:
        recipe = catalog.variants_of(name)[0]
        assert recipe.python is not None, f"{name} is not a Python-package recipe"
        sdist = cache.fetch(recipe.sources[0]).path
        dist = kind_of(recipe).dist_name(recipe, settings.namespace)
        out.write(f"{name}\t{dist}\t{recipe.python.module}\t{kind_of(recipe).wheel_version(recipe, settings.namespace)}\t{sdist}\n")
PYEOF
mapfile -t ROWS <"$WORK/consumers.tsv"
DISTS=(); MODULES=()
# each at the public version the farm builds: where upstream has released a newer one (pyproj 3.7.2
# against our 3.6.1), pip would take that from the default index, local label or not
for row in "${ROWS[@]}"; do
  IFS=$'\t' read -r _ dist module version _ <<<"$row"; DISTS+=("$dist==${version%%+*}"); MODULES+=("$module")
done

# what the suites import beyond pytest (their own test extras, minus anything that reaches the network)
# At the versions these releases were tested with: pyarrow before 20 and pandas before 3 (chosen
# for GDAL 3.6, whose bindings needed NumPy 1.x and whose pyogrio tests expect object columns
# where pandas 3 makes them str; kept for the suites' records), affine before 3 (rasterio
# 1.4.4's suite turns affine 3's deprecation of `*` for matrix products into errors); pyparsing
# for fiona's expression features (fiona.features), which its tests import; numpy's and scipy's suites run
# in two processes (pytest-xdist) and use threadpoolctl, pooch (scipy.datasets) and mpmath, and
# numpy's build its test extensions with meson, ninja and Cython 3.0, and test numpy.distutils with
# setuptools (as its test requirements say; uv's venvs come without it)
TEST_TOOLS=(pytest pytest-xdist hypothesis packaging pytz fsspec "pandas<3" boto3 geopandas "pyarrow<20" "affine<3" pyparsing
            threadpoolctl pooch mpmath meson ninja "cython>=3.0,<3.1" "setuptools<66")

RIO_DATA_SHA256=dfa248fdc46f0e08ab957712b13a86d7cd49bce72f34b7fdca94af3b2d850181
rio_data() {  # rio_data SRC: rasterio's tests/data from Debian's rasterio_1.4.3.orig.tar.gz
  local dest="$WORK/rio-data"
  mkdir -p "$dest"
  .venv/bin/python - "$dest" <<'PYEOF'
import sys
from pathlib import Path
from farm.debian import AptArchive
from farm.settings import find_root, load_settings
settings = load_settings(find_root(Path.cwd()))
AptArchive(settings.cache).fetch("rasterio", "1.4.3-2", "trixie", Path(sys.argv[1]))
PYEOF
  echo "$RIO_DATA_SHA256  $dest/rasterio_1.4.3.orig.tar.gz" | sha256sum -c --quiet
  tar -xzf "$dest/rasterio_1.4.3.orig.tar.gz" -C "$1" --strip-components=1 rasterio-1.4.3/tests/data
}

suite() {  # suite RECIPE SDIST VENV -> prints pytest's summary line
  local recipe=$1 sdist=$2 venv=$3 src="$WORK/src/$1"
  mkdir -p "$src" && tar -xzf "$sdist" -C "$src" --strip-components=1
  local py="$venv/bin/python" args=(-q -p no:cacheprovider -rN)
  case "$recipe" in
    shapely) (cd "$WORK" && "$py" -m pytest "${args[@]}" --pyargs shapely.tests) ;;
    pyogrio) (cd "$WORK" && "$py" -m pytest "${args[@]}" -m "not network" --pyargs pyogrio.tests) ;;
    pyproj)
      # four datadir tests assert the lookup order when no other data source exists; the
      # wheelfarm-proj step the recipe's patch adds answers first, as intended
      rm -rf "$src/pyproj"
      (cd "$src" && PATH="$venv/bin:$PATH" "$py" -m pytest "${args[@]}" -m "not network" test \
        --deselect test/test_datadir.py::test_get_data_dir__missing \
        --deselect test/test_datadir.py::test_get_data_dir__from_prefix \
        --deselect test/test_datadir.py::test_get_data_dir__from_prefix__conda_windows \
        --deselect test/test_datadir.py::test_get_data_dir__from_path) ;;
    fiona)
      # test_opener_fsspec_zip_http_fs reads a zip over https from GitHub without a network marker.
      # Seven tests expect what GDAL did before 3.13: GeoJSON's old spacing and bool output, and
      # fiona.remove through the GeoJSON driver, which 3.13 refuses ("Driver does not support
      # dataset removal operation"). Upstream's Toblerity/Fiona#1512 (open) lists the same seven.
      rm -rf "$src/fiona"
      (cd "$src" && PATH="$venv/bin:$PATH" "$py" -m pytest "${args[@]}" -m "not network and not wheel" tests \
        --deselect tests/test_pyopener.py::test_opener_fsspec_zip_http_fs \
        --deselect tests/test_collection.py::test_open_kwargs \
        --deselect "tests/test_fio_rm.py::test_remove[GeoJSON]" \
        --deselect "tests/test_remove.py::test_remove[GeoJSON-path-True]" \
        --deselect "tests/test_remove.py::test_remove[GeoJSON-path-False]" \
        --deselect "tests/test_remove.py::test_remove[GeoJSON-collection-True]" \
        --deselect "tests/test_remove.py::test_remove[GeoJSON-collection-False]" \
        --deselect tests/test_subtypes.py::test_write_bool_subtype) ;;
    rasterio)
      # the sdist leaves the test data out ("not distributed with sdists since 0.12"): it comes from
      # Debian's orig tarball of rasterio 1.4.3 (upstream's git tag, data included), sha256-checked
      rio_data "$src"
      rm -rf "$src/rasterio"
      (cd "$src" && PATH="$venv/bin:$PATH" "$py" -m pytest "${args[@]}" -m "not network and not wheel" tests) ;;
    numpy)
      # the whole suite, slow tests included, run from outside the sources (the installed package)
      # under the sdist's own pytest.ini: its markers and warning filters (warnings are errors,
      # NumPy 2's matrix PendingDeprecationWarning excepted) are part of the suite
      (cd "$WORK" && PATH="$venv/bin:$PATH" "$py" -m pytest "${args[@]}" -c "$src/pytest.ini" --rootdir "$WORK" \
        -n 2 --pyargs numpy) ;;
    scipy)
      # the same; scipy.datasets' tests download their files from GitHub (no network marker)
      (cd "$WORK" && PATH="$venv/bin:$PATH" "$py" -m pytest "${args[@]}" -c "$src/pytest.ini" --rootdir "$WORK" \
        -n 2 --pyargs scipy -k "not TestDatasets") ;;
    gdal-python)
      # the sdist carries no tests (GDAL's autotest lives in its source tree); the recipe's own
      # tests ran in the build, and the one-copy check below imports osgeo.gdal/gdal_array
      echo "no test suite in the sdist" ;;
    *) echo "no suite known for $recipe"; return 1 ;;
  esac
}

declare -A RESULT
status=0
read -r -a INSTALLERS <<<"${CONSUMERS_INSTALLERS:-pip uv}"
for installer in "${INSTALLERS[@]}"; do
  step "$installer: a fresh venv, the farm's index beside the default one"
  venv="$WORK/venv-$installer"
  if [ "$installer" = uv ]; then
    "$UV" venv -q --python "$PY" "$venv"
    install=("$UV" pip install -q --python "$venv/bin/python")
  else
    "$PY" -m venv "$venv"
    install=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
  fi
  echo "\$ ${install[0]##*/} ${install[*]:1} --extra-index-url $INDEX ${DISTS[*]}"
  "${install[@]}" --extra-index-url "$INDEX" "${DISTS[@]}" "${TEST_TOOLS[@]}"

  # every consumer is the farm's build, and every order of import maps one copy of each library
  "$venv/bin/python" - "${MODULES[@]}" <<'PYEOF'
import importlib.metadata as md, itertools, subprocess, sys
modules = sys.argv[1:]
for dist in md.distributions():
    name = dist.metadata["Name"]
    if dist.version.endswith("+wheelfarm") or "+wheelfarm." in dist.version or name.lower().startswith("wheelfarm-"):
        print(f"  {name} {dist.version}")
probe = r'''
import collections, importlib, os, re, sys
def mapped():
    return {p[5].strip() for p in (l.split(None, 5) for l in open("/proc/self/maps")) if len(p) == 6}
import bz2, hashlib, lzma, ssl, zlib  # the standard library's: they link the machine's libz, liblzma, libbz2, libcrypto, libssl
before = mapped()  # the interpreter's own
for m in sys.argv[1:]:
    importlib.import_module(m)
libs = collections.defaultdict(set)
for path in mapped():
    if ".so" in path:
        stem = re.sub(r"(-[0-9a-f]{8})?\.so.*$", "", os.path.basename(path))
        if re.match(r"lib(gdal|proj|geos|geos_c|sqlite3|tiff|curl|ssl|crypto|png|jpeg|z|expat|openblas|lzma|zstd|hdf5|netcdf|xml2|webp|openjp2|spatialite|geotiff|Lerc|deflate)$", stem):
            libs[stem].add(path)
bad = {k: sorted(v) for k, v in libs.items() if len(v) > 1 or not all("/wheelfarm/" in p or p in before for p in v)}
print("  " + " -> ".join(sys.argv[1:]) + ": " + ", ".join(f"{k} x{len(v)}" for k, v in sorted(libs.items())))
sys.exit(f"more than one copy, or one not from the farm's wheels: {bad}" if bad else 0)
'''
orders = [modules[i:] + modules[:i] for i in range(len(modules))] + [list(reversed(modules))]
failed = 0
for order in orders:
    failed |= subprocess.run([sys.executable, "-c", probe, *order]).returncode
sys.exit(failed)
PYEOF

  for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r recipe dist _ version sdist <<<"$row"
    got="$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$dist'))")"
    [ "$got" = "$version" ] || { echo "$dist: $installer installed $got, not the farm's $version"; status=1; }
    if [ -n "${CONSUMERS_SUITES:-}" ] && ! grep -qw -- "$recipe" <<<"$CONSUMERS_SUITES"; then
      RESULT[$installer/$recipe]="installed and checked; suite not run (CONSUMERS_SUITES)"
      continue
    fi
    step "$installer: $recipe's own test suite"
    out="$WORK/$installer-$recipe.txt"
    suite "$recipe" "$sdist" "$venv" >"$out" 2>&1 || true
    tail -n 3 "$out"
    # pytest's summary: the last line ending "in <seconds>s" (or the note of a package without a suite)
    RESULT[$installer/$recipe]="$(grep -E '(passed|failed|skipped|errors?|deselected)\b.* in [0-9.]+s|no test suite' "$out" | tail -n 1 || true)"
    if grep -qE '[0-9]+ (failed|errors?)\b' <<<"${RESULT[$installer/$recipe]}"; then status=1; fi
    rm -rf "$WORK/src/$recipe"
  done
done

step "summary (installer, package: pytest's last line)"
for installer in "${INSTALLERS[@]}"; do
  for row in "${ROWS[@]}"; do
    IFS=$'\t' read -r recipe _ _ version _ <<<"$row"
    printf '  %-4s %-12s %-20s %s\n' "$installer" "$recipe" "$version" "${RESULT[$installer/$recipe]:-?}"
  done
done
exit $status
