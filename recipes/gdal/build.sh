#!/usr/bin/env bash
set -euo pipefail
# Debian's repack drops these two data files; install the rest of the data folder.
for f in data/cubewerx_extra.wkt data/ecw_cs.wkt; do
  [ -f "$f" ] || sed -i "\|^    $f\$|d" gdal.cmake
done
# Only declared libraries: GDAL_USE_EXTERNAL_LIBS=OFF ignores whatever else the machine
# has, and each wanted one is named. Drivers: the core ones (GTiff/COG, VRT, MEM, GeoJSON,
# Shapefile, KML, MapInfo) plus the common optional ones below; everything else is off.
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DBUILD_TESTING=OFF -DBUILD_DOCS=OFF -DBUILD_PYTHON_BINDINGS=OFF -DBUILD_JAVA_BINDINGS=OFF \
  -DBUILD_CSHARP_BINDINGS=OFF -DENABLE_GNM=OFF \
  -DGDAL_USE_EXTERNAL_LIBS=OFF -DGDAL_USE_INTERNAL_LIBS=WHEN_NO_EXTERNAL \
  -DGDAL_USE_ZLIB=ON -DGDAL_USE_TIFF=ON -DGDAL_USE_GEOTIFF_INTERNAL=ON \
  -DGDAL_USE_PNG=ON -DGDAL_USE_JPEG=ON -DGDAL_USE_SQLITE3=ON -DGDAL_USE_GEOS=ON \
  -DGDAL_USE_CURL=ON -DGDAL_USE_EXPAT=ON \
  -DGDAL_BUILD_OPTIONAL_DRIVERS=OFF -DOGR_BUILD_OPTIONAL_DRIVERS=OFF \
  -DGDAL_ENABLE_DRIVER_JPEG=ON -DGDAL_ENABLE_DRIVER_PNG=ON -DGDAL_ENABLE_DRIVER_RAW=ON \
  -DGDAL_ENABLE_DRIVER_AAIGRID=ON -DGDAL_ENABLE_DRIVER_HFA=ON -DGDAL_ENABLE_DRIVER_MBTILES=OFF \
  -DGDAL_ENABLE_DRIVER_WMS=ON -DGDAL_ENABLE_DRIVER_WMTS=ON -DGDAL_ENABLE_DRIVER_HTTP=ON \
  -DOGR_ENABLE_DRIVER_SQLITE=ON -DOGR_ENABLE_DRIVER_GPKG=ON -DOGR_ENABLE_DRIVER_FLATGEOBUF=ON \
  -DOGR_ENABLE_DRIVER_CSV=ON -DOGR_ENABLE_DRIVER_GML=ON -DOGR_ENABLE_DRIVER_GPX=ON \
  -DOGR_ENABLE_DRIVER_OPENFILEGDB=ON -DOGR_ENABLE_DRIVER_PGDUMP=ON -DOGR_ENABLE_DRIVER_WFS=ON
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
# gdal-config --dep-libs and gdal.pc's Libs.private list the host wheels' build folders (for
# static links); a shared libgdal needs none of them: drop every token naming one.
host="$(dirname "$PREFIX")/host"
sed -i -E "s#[^ \"]*$host[^ \"]*##g" "$PREFIX/bin/gdal-config" "$PREFIX/lib/pkgconfig/gdal.pc"
