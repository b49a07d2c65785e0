#!/usr/bin/env bash
set -euo pipefail
# LZ4F_PUBLISH_STATIC_FUNCTIONS: liblz4 also exports the frame API's experimental functions,
# as Debian's liblz4-1 does, so programs built against a distribution's lz4 find them here too.
export CFLAGS="${CFLAGS:-} -DLZ4F_PUBLISH_STATIC_FUNCTIONS"
cmake -S build/cmake -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF \
  -DLZ4_BUILD_CLI=ON -DLZ4_BUILD_LEGACY_LZ4C=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# lz4cat and unlz4 are symbolic links to lz4 that choose their mode by name; the wheel
# ships lz4 itself (lz4 -dc and lz4 -d do the same)
rm -f "$PREFIX/bin/lz4cat" "$PREFIX/bin/unlz4"
