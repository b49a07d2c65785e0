#!/usr/bin/env bash
set -euo pipefail
# What GDAL, PROJ and Python's own sqlite3 expect of the library.
export CPPFLAGS="${CPPFLAGS:-} -DSQLITE_ENABLE_COLUMN_METADATA=1 -DSQLITE_ENABLE_RTREE=1 \
  -DSQLITE_ENABLE_FTS5=1 -DSQLITE_ENABLE_MATH_FUNCTIONS=1 -DSQLITE_ENABLE_DBSTAT_VTAB=1 \
  -DSQLITE_ENABLE_UNLOCK_NOTIFY=1 -DSQLITE_SECURE_DELETE=1 -DSQLITE_MAX_VARIABLE_NUMBER=250000"
# The shell's zlib functions (.archive, sqlar) would link the machine's libz, which the farm's zlib
# provides and the link check refuses undeclared; the library never uses zlib, so the shell goes without
export ac_cv_search_deflate=no ac_cv_header_zlib_h=no
./configure --prefix="$PREFIX" --enable-shared --disable-static --disable-readline \
  --disable-editline --disable-tcl --enable-threadsafe
make -j"$CPU_COUNT"
make install
# The license of the amalgamation is a dedication to the public domain; ship it.
[ -f LICENSE.md ] || printf '%s\n' "The author disclaims copyright to this source code (SQLite blessing)." > LICENSE.md
