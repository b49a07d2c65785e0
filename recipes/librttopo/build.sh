#!/usr/bin/env bash
set -euo pipefail
# librttopo_geom.h includes geos_c.h: users need GEOS's include folder (not its library)
sed -i 's/^Cflags:/Requires.private: geos\nCflags:/' rttopo.pc.in
# the tag's archive has no configure script
./autogen.sh
# GEOS (its C API) is the only dependency: found through the geos wheel's geos-config
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --with-geosconfig="$("$PKG_CONFIG" --variable=prefix geos)/bin/geos-config"
make -j"$CPU_COUNT"
make install
