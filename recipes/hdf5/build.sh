#!/usr/bin/env bash
set -euo pipefail
# The C library and the high-level library (libhdf5.so.310, libhdf5_hl.so.310), shared only,
# with the tools (h5dump, h5ls, ...), and the C++ API: GDAL asks CMake's FindHDF5 for the C
# and CXX components, and FindHDF5 reports HDF5 as not found when a requested component is
# missing. Deflate through the zlib wheel. Thread-safe as Debian builds it (pthreads from
# glibc; thread-safety with HL or C++ is "unsupported" upstream, hence ALLOW_UNSUPPORTED, as
# Debian's --enable-unsupported). Off: SZIP (libaec, see recipe.yaml), Fortran, Java, MPI,
# the ROS3 (curl/openssl), HDFS, direct and mirror drivers, tests, examples, docs. No build
# information is embedded in the executables (EMBEDDED_LIBINFO); the library itself always
# compiles in its settings summary (H5build_settings.c), whose build paths are taken out below.
# Configure from inside the build folder: the configure checks' test programs write their
# answers into the current folder, where CMake then reads them from the build folder
mkdir -p _build && cd _build
cmake .. -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DHDF5_INSTALL_CMAKE_DIR=lib/cmake/hdf5 \
  -DHDF5_INSTALL_DATA_DIR=share/hdf5 \
  -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DONLY_SHARED_LIBS=ON \
  -DBUILD_TESTING=OFF -DHDF5_BUILD_EXAMPLES=OFF -DHDF5_BUILD_DOC=OFF \
  -DHDF5_BUILD_HL_LIB=ON -DHDF5_BUILD_TOOLS=ON -DHDF5_BUILD_HL_TOOLS=ON -DHDF5_BUILD_UTILS=OFF \
  -DHDF5_BUILD_CPP_LIB=ON -DHDF5_BUILD_FORTRAN=OFF -DHDF5_BUILD_JAVA=OFF \
  -DHDF5_ENABLE_PARALLEL=OFF -DHDF5_ENABLE_THREADSAFE=ON -DALLOW_UNSUPPORTED=ON \
  -DHDF5_ENABLE_Z_LIB_SUPPORT=ON -DHDF5_ENABLE_SZIP_SUPPORT=OFF -DHDF5_ALLOW_EXTERNAL_SUPPORT=NO \
  -DZLIB_ROOT="$("$PKG_CONFIG" --variable=prefix zlib)" \
  -DHDF5_ENABLE_ROS3_VFD=OFF -DHDF5_ENABLE_HDFS=OFF -DHDF5_ENABLE_DIRECT_VFD=OFF \
  -DHDF5_ENABLE_MIRROR_VFD=OFF \
  -DHDF5_ENABLE_EMBEDDED_LIBINFO=OFF -DHDF5_ENABLE_DEPRECATED_SYMBOLS=ON \
  -DHDF5_NO_PACKAGES=ON -DHDF5_USE_FOLDERS=OFF
# 1.14 compiles the settings summary into libhdf5 (H5get_libversion's neighbour H5build_settings):
# it names the install prefix, the zlib wheel's folder and compiler flags with build paths
host="$(dirname "$PREFIX")/host"
sed -i -e "s#$PREFIX#<the wheel's hdf5 folder>#g" -e "s#$host/[^ ;\"]*#<the zlib wheel>#g" \
  -e "s#$SRC_DIR#<the source>#g" -e "s#$(dirname "$PREFIX")#<the build folder>#g" src/H5build_settings.c
if grep -q "$(dirname "$PREFIX")" src/H5build_settings.c; then
  echo "build paths left in src/H5build_settings.c" >&2; exit 1
fi
cmake --build . -j "$CPU_COUNT"
cmake --install .
cd "$SRC_DIR"

# ONLY_SHARED_LIBS builds 1.10's tools as <tool>-shared (1.14 names them plainly): give them
# their own names, in the exported CMake targets too (which check that every file they name exists).
for f in "$PREFIX"/bin/*-shared; do
  [ -e "$f" ] || continue
  mv "$f" "${f%-shared}"
done
sed -i -E 's#/bin/([A-Za-z0-9_]+)-shared"#/bin/\1"#g' "$PREFIX"/lib/cmake/hdf5/hdf5-targets-*.cmake

# CMake's h5cc and h5hlcc print their own path and folder before compiling and know neither
# -show nor -showconfig (what CMake's FindHDF5 asks when it finds no hdf5-config.cmake):
# wrappers in the shape of upstream's autotools ones, relative to where the wheel is installed.
wrapper() {  # name, compiler, libraries
  cat > "$PREFIX/bin/$1" <<SH
#!/bin/sh
# $1: compile and link a program against this HDF5 (upstream's wrapper, reduced)
dir=\$(cd -P -- "\$(dirname -- "\$0")/.." && pwd -P) || exit 1
cc=$2
case "\$1" in
  -show) shift; echo "\$cc -I\$dir/include \$* -L\$dir/lib $3 -Wl,-rpath,\$dir/lib"; exit 0 ;;
  -showconfig) cat "\$dir/lib/libhdf5.settings"; exit 0 ;;
esac
exec \$cc -I"\$dir/include" "\$@" -L"\$dir/lib" $3 -Wl,-rpath,"\$dir/lib"
SH
  chmod 755 "$PREFIX/bin/$1"
}
wrapper h5cc '${HDF5_CC:-${CC:-cc}}' '-lhdf5'
wrapper h5hlcc '${HDF5_CC:-${CC:-cc}}' '-lhdf5_hl -lhdf5'
# h5c++ and h5hlc++ are not shipped: every program in bin/ becomes a console script named
# after it, and a "+" is in no Python name. C++ users find HDF5 through hdf5-config.cmake or
# pkg-config (hdf5_cpp, hdf5_hl_cpp).
rm -f "$PREFIX/bin/h5c++" "$PREFIX/bin/h5hlc++"

# hdf5_hl.pc and the C++ ones require "hdf5-<version>" (upstream's CMake writes the package name
# with its version), a package that does not exist: require hdf5 (hdf5_hl) at this version
sed -i -E 's/^(Requires(\.private)?): (hdf5(_hl)?)-([0-9.]+)$/\1: \3 = \5/' "$PREFIX"/lib/pkgconfig/*.pc
if grep -q '^Requires.*-[0-9]' "$PREFIX"/lib/pkgconfig/*.pc; then echo "unfixed Requires in a .pc file" >&2; exit 1; fi

# Build folders out of the installed text files: the settings summary names the install
# prefix and the zlib wheel's folder; the .pc files and the exported targets name the zlib wheel's
# library by its build-time path (a shared libhdf5 carries its own link to libz.so.1).
host="$(dirname "$PREFIX")/host"
sed -i -e "s#$PREFIX#<the wheel's hdf5 folder>#g" -e "s#$host/[^ ;]*#<the zlib wheel>#g" \
  -e "s#$SRC_DIR#<the source>#g" "$PREFIX/lib/libhdf5.settings"  # 1.14's names the build tree too
sed -i -E "s#-l$host/[^ ]*##g; s#$host/[^ ]*##g" "$PREFIX"/lib/pkgconfig/*.pc
find "$PREFIX/lib/cmake" -name '*.cmake' -exec sed -i -E "s#$host/[^;\"]*##g; s#;;#;#g; s#\";#\"#g; s#;\"#\"#g" {} +
if grep -rl "$host\|$SRC_DIR" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake" "$PREFIX/lib/libhdf5.settings"; then
  echo "build paths left in the files above" >&2; exit 1
fi
