#!/usr/bin/env bash
set -euo pipefail
# No compiled-in data path (it would be this build's prefix): libproj looks for
# ../share/proj next to itself (dladdr), which is where the wheel keeps proj.db.
sed -i '/add_definitions(-DPROJ_DATA=/d' src/lib_proj.cmake
# libtiff 4.7 installs a CMake package, and CMake's FindTIFF then takes it and sets TIFF_LIBRARIES
# and the TIFF::TIFF target but not TIFF_LIBRARY, the variable PROJ 9.1 links: libproj.so came
# out without libtiff. Link the target, as PROJ does itself from 9.2 on.
sed -i 's/target_link_libraries(proj PRIVATE ${TIFF_LIBRARY})/target_link_libraries(proj PRIVATE TIFF::TIFF)/' src/lib_proj.cmake
grep -q 'PRIVATE TIFF::TIFF' src/lib_proj.cmake
# proj.db is generated from SQL by the sqlite wheel's own shell
sqlite3="$("$PKG_CONFIG" --variable=prefix sqlite3)/bin/sqlite3"
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DBUILD_TESTING=OFF \
  -DENABLE_TIFF=ON -DENABLE_CURL=ON \
  -DBUILD_APPS=ON -DBUILD_PROJSYNC=ON \
  -DEXE_SQLITE3="$sqlite3"
cmake --build _build -j "$CPU_COUNT"
cmake --install _build
