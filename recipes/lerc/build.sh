#!/usr/bin/env bash
set -euo pipefail
# libLerc.so.4 (C++ inside, the C API of Lerc_c_api.h outside) and Lerc.pc; no tools to build.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
