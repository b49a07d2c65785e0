#!/usr/bin/env bash
set -euo pipefail
# Only the reentrant library, libqhull_r (what GDAL and SciPy-style users link), shared, and
# the programs linked to it, as Debian's build does (LINK_APPS_SHARED). The deprecated
# non-reentrant libqhull and the static-only C++ library libqhullcpp are not built.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DLIB_INSTALL_DIR=lib -DINCLUDE_INSTALL_DIR=include -DBIN_INSTALL_DIR=bin \
  -DMAN_INSTALL_DIR=share/man/man1 -DDOC_INSTALL_DIR=share/doc/qhull \
  -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DLINK_APPS_SHARED=ON
cmake --build _build -j "$CPU_COUNT" --target qhull_r qhull rbox qconvex qdelaunay qvoronoi qhalf
cmake --install _build
# the install step writes pkg-config files and headers for every library, shipped or not
rm -f "$PREFIX"/lib/pkgconfig/{qhull,qhullstatic,qhullstatic_r,qhullcpp}.pc
rm -rf "$PREFIX/include/libqhull" "$PREFIX/include/libqhullcpp" "$PREFIX/share/doc"
