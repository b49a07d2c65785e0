#!/usr/bin/env bash
set -euo pipefail
# The codecs of the GDALs we replace: deflate (zlib, and libdeflate where it is faster), JPEG,
# ZSTD, LZMA, WEBP and LERC, each through its own farm wheel. JBIG and old-JPEG stay off:
# no GDAL we replace has them. Not tiffgt, the OpenGL viewer: it would link the machine's
# OpenGL, GLUT and X11 libraries, which auditwheel grafted into the wheel.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -Dzlib=ON -Djpeg=ON -Dold-jpeg=OFF -Djbig=OFF -Dlerc=ON -Dlzma=ON -Dzstd=ON \
  -Dwebp=ON -Dlibdeflate=ON -Dpixarlog=ON -Dcxx=OFF \
  -Dtiff-tools=ON -Dtiff-tests=OFF -Dtiff-contrib=OFF -Dtiff-docs=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_OpenGL=ON -DCMAKE_DISABLE_FIND_PACKAGE_GLUT=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
