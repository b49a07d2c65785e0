#!/usr/bin/env bash
set -euo pipefail
# Debian's repack drops these two data files; install the rest of the data folder (GDAL 3.13
# lists them in ogr/CMakeLists.txt).
for f in cubewerx_extra.wkt ecw_cs.wkt; do
  [ -f "ogr/data/$f" ] || sed -i "\|/data/$f\$|d" ogr/CMakeLists.txt
done
# Only declared libraries: GDAL_USE_EXTERNAL_LIBS=OFF ignores whatever else the machine
# has, and each wanted one is named; each is a farm wheel. Every driver that needs nothing
# else is built (GDAL's default); those needing a library we do not have stay off by
# themselves. GDAL's internal copies only where upstream has no library of its own
# (libcsf, shapelib's fork, opencad, degrib, the PCIDSK SDK, OSM's protobuf reader).
# iconv is glibc's, as on every manylinux system. LIBKML stays off: libkml needs uriparser,
# whose source the archive this farm reaches does not serve.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DBUILD_TESTING=OFF -DBUILD_DOCS=OFF -DBUILD_PYTHON_BINDINGS=OFF -DBUILD_JAVA_BINDINGS=OFF \
  -DBUILD_CSHARP_BINDINGS=OFF -DENABLE_GNM=ON \
  -DGDAL_USE_EXTERNAL_LIBS=OFF -DGDAL_USE_INTERNAL_LIBS=WHEN_NO_EXTERNAL \
  -DGDAL_USE_ICONV=ON \
  -DGDAL_USE_ZLIB=ON -DGDAL_USE_DEFLATE=ON -DGDAL_USE_ZSTD=ON -DGDAL_USE_LIBLZMA=ON -DGDAL_USE_LZ4=ON \
  -DGDAL_USE_BLOSC=ON -DGDAL_USE_LERC=ON \
  -DGDAL_USE_TIFF=ON -DGDAL_USE_GEOTIFF=ON -DGDAL_USE_PNG=ON -DGDAL_USE_JPEG=ON -DGDAL_USE_GIF=ON \
  -DGDAL_USE_WEBP=ON -DGDAL_USE_OPENJPEG=ON \
  -DGDAL_USE_HDF5=ON -DGDAL_USE_NETCDF=ON \
  -DGDAL_USE_SQLITE3=ON -DGDAL_USE_SPATIALITE=ON -DGDAL_USE_PCRE2=ON -DGDAL_USE_FREEXL=ON \
  -DGDAL_USE_GEOS=ON -DGDAL_USE_QHULL=ON -DGDAL_USE_JSONC=ON \
  -DGDAL_USE_CURL=ON -DGDAL_USE_OPENSSL=ON -DGDAL_USE_EXPAT=ON -DGDAL_USE_LIBXML2=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# gdal-config --dep-libs and gdal.pc's Libs.private list the host wheels' build folders (for
# static links); a shared libgdal needs none of them: drop every token naming one.
host="$(dirname "$PREFIX")/host"
sed -i -E "s#[^ \"]*$host[^ \"]*##g" "$PREFIX/bin/gdal-config" "$PREFIX/lib/pkgconfig/gdal.pc"
