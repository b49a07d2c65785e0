#!/usr/bin/env bash
set -euo pipefail
# SIMD needs nasm; REQUIRE_SIMD makes a missing assembler an error instead of a slow library.
# The 2.1 series resolves a relative CMAKE_INSTALL_LIBDIR against the source tree: give it whole.
# CMAKE_POLICY_VERSION_MINIMUM: the 2.1 series declares an old minimum that CMake 4 refuses.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR="$PREFIX/lib" \
  -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
  -DENABLE_SHARED=ON -DENABLE_STATIC=OFF \
  -DWITH_TURBOJPEG=ON -DWITH_JPEG8=OFF -DWITH_JAVA=OFF \
  -DREQUIRE_SIMD=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# (the package folder is wheelfarm/libjpeg_turbo: farm gives hyphenated names an importable folder)
