#!/usr/bin/env bash
set -euo pipefail
# mod_spatialite is a loadable SQLite extension, dlopen()ed by path: one unversioned file
# (mod_spatialite.so, as SQLite's load_extension('.../mod_spatialite') finds it), not a
# versioned library behind a development link
sed -i 's/^\(@ANDROID_FALSE@@MINGW_FALSE@mod_spatialite_la_LDFLAGS = -module\) -version-info 9:0:1$/\1 -avoid-version/' src/Makefile.in
grep -q "^@ANDROID_FALSE@@MINGW_FALSE@mod_spatialite_la_LDFLAGS = -module -avoid-version$" src/Makefile.in
# spatialite.pc: the shared library only under Libs (it carries its own links); the rest is
# for static links
sed -i -e 's/^Libs: -L${libdir} -lspatialite \(.*\)$/Libs: -L${libdir} -lspatialite\nLibs.private: \1/' spatialite.pc.in
# Everything SpatiaLite offers, each through a farm wheel: PROJ (ST_Transform), GEOS with
# librttopo (topology, ST_MakeValid...), FreeXL (VirtualXL), libxml2 (XmlBLOB, WFS),
# minizip (zipped shapefiles), zlib; iconv from the C library. Examples off (not installed).
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --enable-proj --enable-geos --enable-rttopo --enable-freexl --enable-libxml2 --enable-minizip \
  --enable-iconv --enable-mathsql --enable-epsg --enable-geopackage --enable-gcp \
  --enable-geosadvanced --enable-geosreentrant --enable-geos370 --enable-geos3100 --enable-geos3110 \
  --with-geosconfig="$("$PKG_CONFIG" --variable=prefix geos)/bin/geos-config" \
  --disable-examples --disable-gcov
make -j"$CPU_COUNT"
make install
# one wheel each (recipe.yaml): the library with its headers and spatialite.pc, or the extension alone
if [[ "$SPATIALITE_PART" == module ]]; then
  find "$PREFIX/lib" -maxdepth 1 -name 'libspatialite*' -delete
  rm -rf "$PREFIX/include" "$PREFIX/lib/pkgconfig"
  exit 0
fi
rm -f "$PREFIX"/lib/mod_spatialite*
# the host wheels' build folders (from geos-config and configure's searches) are no one's
host="$(dirname "$PREFIX")/host"
sed -i -e "s|-L$host/[^ \"']*||g" -e "s|-I$host/[^ \"']*||g" -e "s|-Wl,-rpath,[^ \"']*||g" \
  "$PREFIX/lib/pkgconfig/spatialite.pc"
