#!/usr/bin/env bash
set -euo pipefail
# StarPU with its CUDA driver and StarPU-FFT (FFTW on CPUs, cuFFT and its own kernels on GPUs).
# $CUDA_HOME is the farm's view of NVIDIA's wheels; nvcc compiles starpufft's kernels for the
# pinned architectures ($FARM_NVCC_GENCODE) rather than nvcc's default one.
# CUBLAS and CUSPARSE are not in the build (the patches make both optional): StarPU's
# starpu_cublas_init()/starpu_cusparse_init() do nothing, and nothing of StarPU needs them.
# NVML (energy counters) is not requested, so libstarpu never needs the driver's libnvidia-ml.
# --enable-maxcpus: the default is the build machine's core count (a compile-time limit).
# --disable-gdb: no -g3 (stripped anyway) in the flags the .pc files record.
# Off: MPI, OpenCL and SOCL, Fortran, the OpenMP runtime, MIC, SimGrid, FxT traces, HDF5,
# LevelDB, GLPK, BLAS (a system one would be picked), MLR, Ayudame, X11, valgrind,
# StarPU-RM, examples, tests, documentation (the scheduling-context hypervisor is off by
# default: its --disable- flag would turn it on).
# The patches touch configure.ac: regenerate (the tarball's configure is autoconf 2.71 too).
autoreconf -fi -I m4 > autoreconf.log 2>&1 || { cat autoreconf.log >&2; exit 1; }
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --enable-cuda --with-cuda-dir="$CUDA_HOME" \
  --with-cuda-include-dir="$CUDA_HOME/include" --with-cuda-lib-dir="$CUDA_HOME/lib64" \
  NVCC="$NVCC" NVCC_CC="$CXX" NVCCFLAGS="$FARM_NVCC_GENCODE" \
  --disable-cublas --enable-starpufft --disable-starpufft-examples \
  --disable-mpi --disable-mpi-master-slave --disable-opencl --disable-socl --disable-fortran \
  --disable-openmp --disable-mic --disable-simgrid --without-fxt --disable-poti \
  --disable-hdf5 --disable-leveldb --disable-glpk --enable-blas-lib=none --disable-mlr \
  --disable-ayudame1 --disable-ayudame2 --without-x --disable-opengl-render --disable-valgrind \
  --disable-starpurm --disable-icc --disable-gdb --enable-maxcpus=256 \
  --disable-build-examples --disable-build-tests --disable-build-doc
# configure quietly drops what it cannot find: CUDA and StarPU-FFT's CUDA part must be there
config=src/common/config.h
grep -q '^#define STARPU_USE_CUDA 1' "$config" \
  || { echo "starpu: configure did not enable CUDA with $CUDA_HOME" >&2; exit 1; }
grep -q '^#define STARPU_HAVE_CUFFTDOUBLECOMPLEX 1' "$config" \
  || { echo "starpu: configure found no cufft.h in $CUDA_HOME/include (starpufft's double-precision CUDA kernels)" >&2; exit 1; }
grep -q '^S\["STARPU_BUILD_STARPUFFT_TRUE"\]=""$' config.status \
  || { echo "starpu: configure disabled starpufft" >&2; exit 1; }
for kernels in cuda_kernels cudaf_kernels; do
  grep -q "^$kernels.o: $kernels.cu" starpufft/src/Makefile \
    || { echo "starpu: starpufft would not compile its CUDA kernels ($kernels.cu)" >&2; exit 1; }
done
grep -q '^STARPU_CUFFT_LDFLAGS = -lcufft' starpufft/src/Makefile \
  || { echo "starpu: starpufft would not link cuFFT" >&2; exit 1; }
for want in STARPU_HAVE_FFTW STARPU_HAVE_FFTWF STARPU_HAVE_HWLOC; do
  grep -q "^#define $want 1" "$config" || { echo "starpu: configure found no ${want#STARPU_HAVE_}" >&2; exit 1; }
done
# the driver's NVML would make libstarpu unloadable without NVIDIA's driver
if grep -q '^#define STARPU_HAVE_LIBNVIDIA_ML 1' "$config"; then
  echo "starpu: configure linked NVML, which needs the driver" >&2; exit 1
fi
make -j"$CPU_COUNT"
make install
# the kernels are in libstarpufft, in every fat binary (one per .cu file) the code nvcc was
# asked for: SASS for each pinned architecture and PTX for the newest
expect=$(printf '%s\n' $FARM_NVCC_GENCODE | sed -n 's/^-gencode=arch=compute_[0-9a-z]*,code=//p' | tr '\n' ' ')
"$PYTHON" "$RECIPE_DIR/fatbin_archs.py" "$PREFIX/lib/libstarpufft-1.3.so" --expect "$expect" \
  || { echo "starpu: libstarpufft lacks GPU code for $expect" >&2; exit 1; }
# what ships: the libraries, their headers and pkg-config files, the ELF tools.
# The older pkg-config names (libstarpu, starpu-1.0 ... 1.2) are aliases of starpu-1.3.
rm -f "$PREFIX/lib/"*.la
for pc in libstarpu starpu-1.0 starpu-1.1 starpu-1.2 libstarpufft starpufft-1.0 starpufft-1.1 starpufft-1.2; do
  rm -f "$PREFIX/lib/pkgconfig/$pc.pc"
done
# Cflags name the build's CUDA headers and Libs.private the build's -L/-rpath flags: a
# consumer gets CUDA's headers from NVIDIA's wheels itself (or compiles with
# -DSTARPU_DONT_INCLUDE_CUDA_HEADERS, host code only)
root=$(dirname "$PREFIX")
for pc in "$PREFIX"/lib/pkgconfig/*.pc; do
  "$PYTHON" - "$pc" "$root" "$PREFIX" <<'EOF'
import sys
path, root, prefix = sys.argv[1:]
out = []
for line in open(path, encoding="utf-8"):
    key, sep, value = line.partition(":")
    if sep and key in ("Cflags", "Libs", "Libs.private"):
        words = [w for w in value.split() if root not in w or (prefix in w and not w.startswith("-Wl,"))]
        line = f"{key}: {' '.join(words)}\n"
    out.append(line)
open(path, "w", encoding="utf-8").write("".join(out))
EOF
done
cd "$PREFIX/bin"
for f in *; do
  case "$f" in
    starpu_machine_display|starpu_calibrate_bus|starpu_perfmodel_display|starpu_perfmodel_plot) ;;
    *) rm -f "$f" ;;
  esac
done
rm -rf "$PREFIX/share/doc" "$PREFIX/share/man" "$PREFIX/share/starpu"
