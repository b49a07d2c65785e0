#!/usr/bin/env bash
set -euo pipefail
# The shared library only; the zstd tool links it (no second, static copy in bin/).
# The tool's gzip/xz/lz4 formats would link zlib, liblzma and liblz4: off, zstd stays a leaf.
cmake -S build/cmake -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DZSTD_BUILD_SHARED=ON -DZSTD_BUILD_STATIC=OFF \
  -DZSTD_BUILD_PROGRAMS=ON -DZSTD_PROGRAMS_LINK_SHARED=ON \
  -DZSTD_BUILD_TESTS=OFF -DZSTD_BUILD_CONTRIB=OFF \
  -DZSTD_MULTITHREAD_SUPPORT=ON -DZSTD_LEGACY_SUPPORT=ON \
  -DZSTD_ZLIB_SUPPORT=OFF -DZSTD_LZMA_SUPPORT=OFF -DZSTD_LZ4_SUPPORT=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
