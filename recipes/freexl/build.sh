#!/usr/bin/env bash
set -euo pipefail
# .xls (BIFF) always; .xlsx and .ods (xmldocs) through the minizip and expat wheels.
# iconv and nl_langinfo are the C library's.
./configure --prefix="$PREFIX" --enable-shared --disable-static --enable-xmldocs --disable-gcov
make -j"$CPU_COUNT"
make install
