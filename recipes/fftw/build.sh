#!/usr/bin/env bash
set -euo pipefail
# Double and single precision, each with its threads library, into one prefix (as Debian's
# libfftw3-double3 and libfftw3-single3). SSE2/AVX/AVX2 codelets are chosen at run time by
# FFTW's own CPU detection, so one x86-64 wheel is fast everywhere. Off: Fortran wrappers
# (no Fortran compiler in the toolchain), OpenMP (the threads library uses pthreads), MPI.
common=(--prefix="$PREFIX" --enable-shared --disable-static --enable-threads --disable-fortran
        --disable-openmp --disable-mpi --disable-doc)
simd=()
case "$(uname -m)" in
  x86_64) simd=(--enable-sse2 --enable-avx --enable-avx2) ;;
esac
for precision in double float; do
  mkdir -p "build-$precision" && cd "build-$precision"
  flags=()
  [ "$precision" = float ] && flags=(--enable-float)
  ../configure "${common[@]}" "${simd[@]}" "${flags[@]}"
  # FFTW_CC ("$CC $CFLAGS", what fftw-wisdom -V prints) is compiled into the library: without
  # the build tree's -ffile-prefix-map, which would ship the build path
  sed -i 's| -ffile-prefix-map=[^ "]*||g' config.h
  grep -q '^#define FFTW_CC ' config.h && ! grep '^#define FFTW_CC ' config.h | grep -q 'prefix-map' \
    || { echo "fftw: cannot take the build path out of FFTW_CC in config.h" >&2; exit 1; }
  make -j"$CPU_COUNT"
  make install
  cd ..
done
rm -rf "$PREFIX/share/man" "$PREFIX/share/info" "$PREFIX/lib/"*.la "$PREFIX/bin/fftw-wisdom-to-conf"
