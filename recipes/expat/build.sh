#!/usr/bin/env bash
set -euo pipefail
# arc4random_buf is new in glibc 2.36: use getrandom (2.25) so the wheel runs on older systems
cmake -S expat -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DEXPAT_SHARED_LIBS=ON -DEXPAT_BUILD_TOOLS=ON -DEXPAT_BUILD_EXAMPLES=OFF \
  -DEXPAT_BUILD_TESTS=OFF -DEXPAT_BUILD_DOCS=OFF -DEXPAT_BUILD_PKGCONFIG=ON \
  -DHAVE_ARC4RANDOM_BUF=0 -DHAVE_ARC4RANDOM=0
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
