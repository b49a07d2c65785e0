#!/usr/bin/env bash
set -euo pipefail
# arc4random is new in glibc 2.36: the seed comes from getrandom (2.25) so the wheel runs on
# older systems; no libbsd (an undeclared library) for it either. RDRAND stays off (upstream's default).
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DBUILD_TESTING=OFF \
  -DDISABLE_WERROR=ON -DDISABLE_EXTRA_LIBS=ON -DENABLE_RDRAND=OFF -DENABLE_THREADING=OFF \
  -DHAVE_ARC4RANDOM=0
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
