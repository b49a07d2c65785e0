#!/usr/bin/env bash
set -euo pipefail
# netCDF-C, shared: classic, 64-bit offset and CDF-5 files, NetCDF-4 through the hdf5 wheel,
# DAP2 (OPeNDAP) and byte-range reads of remote files through the curl wheel, NCZarr on local
# storage, and the tools (ncdump, ncgen, ncgen3, nccopy). Off: DAP4 (its XML parser would be
# libxml2, not declared), every compressor netCDF looks for beyond zlib (szip, bzip2, blosc,
# zstd: the machine's would be linked) and libzip, the filter plugins, NCZarr on S3, HDF4,
# PnetCDF/MPI, tests, examples, docs.

# 4.10 names its options NETCDF_* (the old ENABLE_* are deprecated aliases) and finds HDF5
# with CMake's FindHDF5, here through the hdf5 wheel's hdf5-config.cmake. DAP4 would be on
# whenever HDF5 is; it is kept off (its XML parser would be the bundled tinyxml2, C++).
hdf5="$("$PKG_CONFIG" --variable=prefix hdf5)"
# libhdf5's byte-range driver (H5FDhttp.c) includes curl/curl.h, but only the netcdf target links
# CURL::libcurl and gets its include folder: give the curl wheel's to every target
export CFLAGS="${CFLAGS:-} $("$PKG_CONFIG" --cflags-only-I libcurl)"
cmake -S . -B _build -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_INSTALL_LIBDIR=lib \
  -DBUILD_SHARED_LIBS=ON \
  -DNETCDF_ENABLE_NETCDF4=ON -DNETCDF_ENABLE_HDF5=ON -DHDF5_ROOT="$hdf5" \
  -DZLIB_ROOT="$("$PKG_CONFIG" --variable=prefix zlib)" -DCURL_ROOT="$("$PKG_CONFIG" --variable=prefix libcurl)" \
  -DNETCDF_ENABLE_DAP=ON -DNETCDF_ENABLE_DAP2=ON -DNETCDF_ENABLE_DAP4=OFF -DNETCDF_ENABLE_BYTERANGE=ON \
  -DNETCDF_ENABLE_LIBXML2=OFF \
  -DNETCDF_ENABLE_NCZARR=ON -DNETCDF_ENABLE_NCZARR_ZIP=OFF -DNETCDF_ENABLE_S3=OFF \
  -DNETCDF_ENABLE_S3_AWS=OFF -DNETCDF_ENABLE_S3_INTERNAL=OFF \
  -DNETCDF_ENABLE_FILTER_SZIP=OFF -DNETCDF_ENABLE_FILTER_BZ2=OFF -DNETCDF_ENABLE_FILTER_BLOSC=OFF \
  -DNETCDF_ENABLE_FILTER_ZSTD=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Szip=ON -DCMAKE_DISABLE_FIND_PACKAGE_Bz2=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_Blosc=ON -DCMAKE_DISABLE_FIND_PACKAGE_Zstd=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_Zip=ON \
  -DNETCDF_ENABLE_PLUGINS=OFF -DNETCDF_PLUGIN_INSTALL=NO \
  -DNETCDF_ENABLE_HDF4=OFF -DNETCDF_ENABLE_PNETCDF=OFF -DNETCDF_ENABLE_PARALLEL4=OFF \
  -DNETCDF_ENABLE_TESTS=OFF -DNETCDF_ENABLE_EXAMPLES=OFF -DNETCDF_ENABLE_DOXYGEN=OFF \
  -DNETCDF_ENABLE_FILTER_TESTING=OFF -DNETCDF_ENABLE_DAP_REMOTE_TESTS=OFF \
  -DNETCDF_ENABLE_EXTREME_NUMBERS=OFF
# 4.10 compiles a filter-plugin search path into the library even with plugins off, led by
# <install prefix>/hdf5/lib/plugin (this build's folder), and names it as the install folder:
# HDF5's platform default, /usr/local/hdf5/lib/plugin, in both
sed -i -E -e "s#(NETCDF_PLUGIN_SEARCH_PATH \")$PREFIX/hdf5/lib/plugin:#\1#" \
  -e "s#$PREFIX/hdf5/lib/plugin#/usr/local/hdf5/lib/plugin#g" _build/config.h
if grep -q "$(dirname "$PREFIX")" _build/config.h; then
  echo "build paths left in _build/config.h" >&2; grep "$(dirname "$PREFIX")" _build/config.h >&2; exit 1
fi
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
