#!/usr/bin/env bash
set -euo pipefail
# zlib (deflate) and JPEG among the codecs: every other one would be an undeclared dependency.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -Dzlib=ON -Djpeg=ON -Dold-jpeg=OFF -Djbig=OFF -Dlerc=OFF -Dlzma=OFF -Dzstd=OFF \
  -Dwebp=OFF -Dlibdeflate=OFF -Dpixarlog=ON -Dcxx=OFF \
  -Dtiff-tools=ON -Dtiff-tests=OFF -Dtiff-contrib=OFF -Dtiff-docs=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
