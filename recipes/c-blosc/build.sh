#!/usr/bin/env bash
set -euo pipefail
# Debian's repack drops internal-complibs (the bundled lz4, zlib, zstd and snappy): the codecs
# come from the lz4, zlib and zstd wheels, and a codec not found fails the build instead of
# falling back to sources that are not there. Snappy (which Debian enables) has no recipe: off.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED=ON -DBUILD_STATIC=OFF -DBUILD_TESTS=OFF -DBUILD_FUZZERS=OFF -DBUILD_BENCHMARKS=OFF \
  -DDEACTIVATE_LZ4=OFF -DPREFER_EXTERNAL_LZ4=ON \
  -DDEACTIVATE_ZLIB=OFF -DPREFER_EXTERNAL_ZLIB=ON \
  -DDEACTIVATE_ZSTD=OFF -DPREFER_EXTERNAL_ZSTD=ON \
  -DDEACTIVATE_SNAPPY=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
