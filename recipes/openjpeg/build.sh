#!/usr/bin/env bash
set -euo pipefail
# libopenjp2 with the opj_compress/opj_decompress/opj_dump tools. The tools' PNG and TIFF
# formats and ICC colour management would link libpng/zlib, libtiff and lcms2: not looked
# for (they read and write PGX, PNM, BMP, TGA and raw). No JPIP (curl, FastCGI), viewer,
# Java or static library. The CMake package goes to lib/cmake, where the wheel registers it.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DOPENJPEG_INSTALL_PACKAGE_DIR=lib/cmake/openjpeg-2.5 \
  -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF \
  -DBUILD_CODEC=ON -DBUILD_JPIP=OFF -DBUILD_VIEWER=OFF -DBUILD_JAVA=OFF -DBUILD_DOC=OFF \
  -DBUILD_TESTING=OFF -DBUILD_THIRDPARTY=OFF -DBUILD_PKGCONFIG_FILES=ON -DOPJ_USE_THREAD=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_PNG=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_TIFF=ON -DCMAKE_DISABLE_FIND_PACKAGE_LCMS2=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_LCMS=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
