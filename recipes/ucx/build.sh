#!/usr/bin/env bash
set -euo pipefail
# The CUDA transports from the farm's view of NVIDIA's wheels ($CUDA_HOME). UCX loads its
# transport modules from lib/ucx/ next to libucs (found with dladdr), so the CUDA ones are
# dlopened and a machine without the driver still loads UCX.
# Off: InfiniBand/RDMA (verbs, rdmacm), ROCm, gdrcopy, knem, xpmem, fuse3 and NUMA
# (libraries outside the manylinux policy the farm does not build), Java and Go bindings, and
# OpenMP in ucx_perftest (libgomp is outside the policy: auditwheel would graft a copy).
# Debian's orig tarball is upstream's tree without the generated configure, and with its
# packaging folder renamed (debian.upstream), which configure.ac still lists as outputs
[ -d debian ] || cp -r debian.upstream debian
# without OpenMP, ucx_perftest's '#pragma omp' lines are unknown pragmas, which UCX's -Werror refuses
export CFLAGS="$CFLAGS -Wno-unknown-pragmas" CXXFLAGS="$CXXFLAGS -Wno-unknown-pragmas"
./autogen.sh > /dev/null
# sysconfdir: ucx.conf is read from /etc/ucx, the system's place for it, not the build's
./configure --prefix="$PREFIX" --sysconfdir=/etc --enable-shared --disable-static \
  --with-cuda="$CUDA_HOME" --without-gdrcopy --without-rocm \
  --without-verbs --without-rdmacm --without-knem --without-xpmem --without-fuse3 --disable-numa \
  --without-java --without-go --disable-doxygen-doc --disable-logging --disable-debug --disable-assertions \
  --enable-mt --enable-optimizations --disable-gtest --without-valgrind --disable-openmp
# configure quietly drops what it cannot find: a build without NVIDIA's wheels must fail here
grep -q '^#define HAVE_CUDA 1' config.h || { echo "ucx: configure found no CUDA in $CUDA_HOME" >&2; exit 1; }
# The modules are found next to libucs (dladdr) first; the compiled-in second folder would be
# the build's prefix, so it is left empty (UCX_MODULE_DIR still overrides). ucx_info -b prints
# the configure line: it names the build tree relatively.
sed -i 's|-DUCX_MODULE_DIR=\\"$(moduledir)\\"|-DUCX_MODULE_DIR=\\"\\"|' src/ucs/Makefile
grep -q 'DUCX_MODULE_DIR=\\"\\"' src/ucs/Makefile || { echo "ucx: UCX_MODULE_DIR not found in src/ucs/Makefile" >&2; exit 1; }
sed -i "s|$(dirname "$PREFIX")|.|g" config.h
# UCX's test programs and examples are not shipped, and one of them (test/apps/test_cuda_hook.c)
# calls cuCtxCreate with CUDA 12's arguments, which CUDA 13's cuda.h maps to cuCtxCreate_v4
sed -i 's| test/apps examples cmake | cmake |' Makefile
if sed -n '/^SUBDIRS =/,/[^\\]$/p' Makefile | grep -q 'test/apps'; then
  echo "ucx: could not drop test/apps from the Makefile's SUBDIRS" >&2; exit 1
fi
make -j"$CPU_COUNT"
make install sysconfdir="$PREFIX/etc"
# io_demo is a test program of UCX's own
rm -rf "$PREFIX/share/doc" "$PREFIX/share/ucx/examples" "$PREFIX/bin/io_demo" "$PREFIX/lib/"*.la "$PREFIX/lib/ucx/"*.la "$PREFIX/etc"
