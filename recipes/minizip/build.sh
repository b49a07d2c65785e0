#!/usr/bin/env bash
set -euo pipefail
# Debian's automake.patch adds zlib's contrib/minizip build system (configure.ac, Makefile.am,
# minizip.pc.in): libminizip.so.1, headers in include/minizip. The demos are the minizip and
# miniunzip tools Debian ships too.
autoreconf -fi
./configure --prefix="$PREFIX" --enable-shared --disable-static --enable-demos
make -j"$CPU_COUNT"
make install
# the license is the zlib one, stated in every header
sed -n '1,/^  3\. This notice/p' unzip.h | sed 's/^\/\* //' > LICENSE
