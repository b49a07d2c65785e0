#!/usr/bin/env bash
set -euo pipefail
# CUDA and NVML discovery as plugins (dlopened from lib/hwloc/), so libhwloc itself loads on
# machines without NVIDIA's driver; $CUDA_HOME is the farm's view of NVIDIA's wheels.
# Off: PCI through libpciaccess, libudev, libxml2, cairo, OpenCL, ROCm, Level Zero, GL
# (libraries outside the manylinux policy the farm does not build); Linux's own sysfs
# discovery stays.
# The plugins are dlopened, so a machine without the driver still loads libhwloc.
# runstatedir: where hwloc-dump-hwdata's output is read, a system path (not the build's).
./configure --prefix="$PREFIX" --enable-shared --disable-static --runstatedir=/run \
  --with-cuda="$CUDA_HOME" --with-cuda-version="$HWLOC_CUDA_MAJOR" \
  --enable-plugins=cuda,nvml --enable-cuda --enable-nvml \
  --disable-pci --disable-libudev --disable-libxml2 --disable-cairo \
  --disable-opencl --disable-rsmi --disable-levelzero --disable-gl --disable-doxygen
# configure quietly drops what it cannot find: a build without NVIDIA's wheels must fail here
for part in CUDART NVML; do
  grep -q "^#define HWLOC_HAVE_${part} 1" include/private/autogen/config.h \
    || { echo "hwloc: configure found no ${part} in $CUDA_HOME" >&2; exit 1; }
done
# lstopo's coloured console output would link the machine's ncurses/tinfo, outside the policy
# (auditwheel would graft a copy): plain text instead
sed -i 's|^#define HWLOC_HAVE_LIBTERMCAP 1|/* no termcap */|; s|^#define HWLOC_USE_NCURSES 1|/* no ncurses */|' \
  include/private/autogen/config.h
find utils -name Makefile -exec sed -i 's|^HWLOC_TERMCAP_LIBS = .*|HWLOC_TERMCAP_LIBS =|' {} +
! grep -rq --include=Makefile '^HWLOC_TERMCAP_LIBS = .' utils || { echo "hwloc: termcap still linked" >&2; exit 1; }
make -j"$CPU_COUNT"
make install
rm -rf "$PREFIX/share/doc" "$PREFIX/share/man" "$PREFIX/share/hwloc/hwloc-dump-hwdata.service" \
  "$PREFIX/lib/hwloc/"*.la "$PREFIX/lib/"*.la "$PREFIX/sbin"
