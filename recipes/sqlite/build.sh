#!/usr/bin/env bash
set -euo pipefail
# What GDAL, PROJ and Python's own sqlite3 expect of the library.
export CPPFLAGS="${CPPFLAGS:-} -DSQLITE_ENABLE_COLUMN_METADATA=1 -DSQLITE_ENABLE_RTREE=1 \
  -DSQLITE_ENABLE_FTS5=1 -DSQLITE_ENABLE_MATH_FUNCTIONS=1 -DSQLITE_ENABLE_DBSTAT_VTAB=1 \
  -DSQLITE_ENABLE_UNLOCK_NOTIFY=1 -DSQLITE_SECURE_DELETE=1 -DSQLITE_MAX_VARIABLE_NUMBER=250000"
# The shell's zlib functions (.archive, sqlar): 3.49+'s autosetup configure uses zlib wherever it
# finds it and cannot be told not to, so it finds the farm's (a host requirement)
# --soname=legacy: 3.49's autosetup configure names the library libsqlite3.so.0, as every
# release before did; without it the library has no SONAME at all
./configure --prefix="$PREFIX" --enable-shared --disable-static --disable-readline \
  --disable-editline --disable-tcl --enable-threadsafe --soname=legacy
make -j"$CPU_COUNT"
make install
# The license of the amalgamation is a dedication to the public domain; ship it.
[ -f LICENSE.md ] || printf '%s\n' "The author disclaims copyright to this source code (SQLite blessing)." > LICENSE.md
