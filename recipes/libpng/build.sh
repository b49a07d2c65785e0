#!/usr/bin/env bash
set -euo pipefail
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DPNG_SHARED=ON -DPNG_STATIC=OFF -DPNG_TESTS=OFF -DPNG_EXECUTABLES=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# The exported CMake targets name the host zlib wheel's build folder; a shared libpng
# carries its own link to libz.so.1, so CMake users need not link it again.
host="$(dirname "$PREFIX")/host"
find "$PREFIX/lib" -name '*.cmake' -exec sed -i -E "s#$host/[^;\"]*##g; s#;;#;#g; s#\";#\"#g" {} +
