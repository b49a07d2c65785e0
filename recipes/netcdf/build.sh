#!/usr/bin/env bash
set -euo pipefail
# netCDF-C, shared: classic, 64-bit offset and CDF-5 files, NetCDF-4 through the hdf5 wheel,
# DAP2 (OPeNDAP) and byte-range reads of remote files through the curl wheel, NCZarr on local
# storage, and the tools (ncdump, ncgen, ncgen3, nccopy). Off: DAP4 (its XML parser would be
# libxml2, not declared), every compressor netCDF looks for beyond zlib (szip, bzip2, blosc,
# zstd: the machine's would be linked) and libzip, the filter plugins, NCZarr on S3, HDF4,
# PnetCDF/MPI, tests, examples, docs.

# 4.9.0's CMake names the library libnetcdf.so.19} (upstream issue 2390; Debian's fix)
sed -i 's/^SET(netCDF_LIB_VERSION 19})$/SET(netCDF_LIB_VERSION 19)/' CMakeLists.txt
grep -q '^SET(netCDF_LIB_VERSION 19)$' CMakeLists.txt

hdf5="$("$PKG_CONFIG" --variable=prefix hdf5)"
# HDF5 by its files, not FindHDF5: netCDF's feature checks (check_library_exists) need a
# library file, not the imported target that hdf5-config.cmake defines
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DENABLE_NETCDF_4=ON -DENABLE_HDF5=ON \
  -DHDF5_C_LIBRARY="$hdf5/lib/libhdf5.so" -DHDF5_HL_LIBRARY="$hdf5/lib/libhdf5_hl.so" \
  -DHDF5_INCLUDE_DIR="$hdf5/include" \
  -DENABLE_DAP=ON -DENABLE_DAP2=ON -DENABLE_DAP4=OFF -DENABLE_BYTERANGE=ON \
  -DENABLE_LIBXML2=OFF \
  -DENABLE_NCZARR=ON -DENABLE_NCZARR_S3=OFF -DENABLE_NCZARR_FILTERS=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Szip=ON -DCMAKE_DISABLE_FIND_PACKAGE_Bz2=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_Blosc=ON -DCMAKE_DISABLE_FIND_PACKAGE_Zstd=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_Zip=ON \
  -DENABLE_PLUGINS=OFF -DPLUGIN_INSTALL_DIR=NO \
  -DENABLE_HDF4=OFF -DENABLE_PNETCDF=OFF -DENABLE_PARALLEL4=OFF \
  -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF -DENABLE_DOXYGEN=OFF -DENABLE_FILTER_TESTING=OFF \
  -DENABLE_DAP_REMOTE_TESTS=OFF -DENABLE_EXTREME_NUMBERS=OFF
cmake --build _build -j "$CPU_COUNT"
cmake --install _build

# The host wheels' build folders out of the installed text files: the shared libnetcdf
# carries its own links to libhdf5, libcurl and libz; nc-config --libs and netcdf.pc keep
# -lnetcdf, and the static-link lines (Libs.private, --static) name libraries by -l only.
host="$(dirname "$PREFIX")/host"
for f in "$PREFIX/bin/nc-config" "$PREFIX/lib/pkgconfig/netcdf.pc" "$PREFIX/lib/libnetcdf.settings" \
         "$PREFIX/lib/cmake/netCDF/netCDFConfig.cmake"; do
  sed -i -E -e "s#-L$host/[^ \"']*##g; s#-I$host/[^ \"']*##g; s#-Wl,-rpath(-link)?,[^ \"']*##g" \
    -e "s#$host/[^ \"']*/lib(hdf5_hl|hdf5|curl|z)\\.so#-l\\1#g" "$f"
done
# the exported target's link interface: the host wheels' files go (the shared library links
# them itself), and the machine's libm by its path becomes plain m (other systems keep it
# elsewhere)
find "$PREFIX/lib/cmake" -name '*.cmake' -exec sed -i -E \
  "s#$host/[^;\"]*##g; s#/usr/lib[^;\" ]*/lib(m|dl|pthread)\\.so#\\1#g; s#;;+#;#g; s#\";#\"#g; s#;\"#\"#g" {} +
sed -i -e "s#$PREFIX#<the wheel's netcdf folder>#g" -e "s#$SRC_DIR#<the source tree>#g" "$PREFIX/lib/libnetcdf.settings"
if grep -rl "$host\|$SRC_DIR" "$PREFIX/bin/nc-config" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake" "$PREFIX/lib/libnetcdf.settings"; then
  echo "build paths left in the files above" >&2; exit 1
fi
