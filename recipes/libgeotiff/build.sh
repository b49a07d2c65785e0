#!/usr/bin/env bash
set -euo pipefail
# libgeotiff's zlib and JPEG options only let geotifcp link those libraries directly: its
# -c zip / -c jpeg compression is done by libtiff, which the libtiff wheel builds with both.
# They stay off, so libgeotiff links PROJ and libtiff only (as Debian's libgeotiff5 does).
# geotifcp includes libgeotiff's private geo_keyp.h, which includes proj.h, but its target
# is given no PROJ include folder (a system PROJ is in /usr/include): the host folders go in CFLAGS
export CFLAGS="${CFLAGS:-} ${CPPFLAGS:-}"
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DWITH_UTILITIES=ON -DWITH_TIFF=ON -DWITH_ZLIB=OFF -DWITH_JPEG=OFF -DWITH_TOWGS84=ON \
  -DBUILD_MAN=OFF -DBUILD_DOC=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# The exported CMake targets name the host wheels' build folders (PROJ's and libtiff's
# libraries); a shared libgeotiff carries its own links to them.
host="$(dirname "$PREFIX")/host"
find "$PREFIX" -name '*.cmake' -exec sed -i -E "s#$host/[^;\"]*##g; s#;;#;#g; s#\";#\"#g; s#;\"#\"#g" {} +
