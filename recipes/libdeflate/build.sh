#!/usr/bin/env bash
set -euo pipefail
# libdeflate builds with CMake only since 1.15 (the Makefile is gone). The gzip tool links
# the shared library; the static archive is not built.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DLIBDEFLATE_BUILD_STATIC_LIB=OFF \
  -DLIBDEFLATE_BUILD_SHARED_LIB=ON \
  -DLIBDEFLATE_BUILD_GZIP=ON \
  -DLIBDEFLATE_BUILD_TESTS=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
