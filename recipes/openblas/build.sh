#!/usr/bin/env bash
set -euo pipefail
# Reference LAPACK (second artifact) becomes lapack-netlib/, whatever the first artifact held.
rm -rf lapack-netlib
mv _lapack lapack-netlib
# OpenBLAS's copy ships this header pre-generated; gfortran's mangling (lower case, trailing _)
cp lapack-netlib/LAPACKE/include/lapacke_mangling_with_flags.h.in lapack-netlib/LAPACKE/include/lapacke_mangling.h

args=(
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_PREFIX="$PREFIX"
  -DCMAKE_INSTALL_LIBDIR=lib
  -DBUILD_SHARED_LIBS=ON
  -DBUILD_STATIC_LIBS=OFF
  -DUSE_OPENMP=0
  -DUSE_THREAD=1
  -DNUM_THREADS=64
  -DNO_AFFINITY=1
  -DBUILD_TESTING=OFF          # LAPACK's own test suite: hours on small machines; BLAS tests run below
  # -O2 as OpenBLAS's Makefile build uses: -O3 only grows LAPACK's code (kernels are hand-tuned anyway)
  -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG"
  -DCMAKE_Fortran_FLAGS_RELEASE="-O2"
)
# The GCC runtime goes inside the library where the toolchain's libgfortran.a allows it
# (manylinux's gcc-toolset does); Debian's is not position-independent, so there the
# library links libgfortran.so.5 and the repair step places that runtime in the wheel.
cat > _probe.f90 <<'F'
subroutine probe(n)
  integer :: n
  write (*, *) n
end subroutine
F
runtime=()
if gfortran -shared -fPIC -static-libgfortran -static-libgcc -o _probe.so _probe.f90 2>/dev/null; then
  runtime=(-static-libgfortran -static-libgcc -Wl,--exclude-libs,ALL)
  args+=(-DCMAKE_SHARED_LINKER_FLAGS="${runtime[*]}")
  echo "GCC runtime: linked statically"
else
  echo "GCC runtime: libgfortran.a is not PIC here; linking libgfortran.so.5 (grafted by repair)"
fi
rm -f _probe.f90 _probe.so
case "$(uname -m)" in
  x86_64) baseline=PRESCOTT single=HASWELL ;;
  aarch64|arm64) baseline=ARMV8 single=NEOVERSEN1 ;;
  *) baseline=GENERIC single=GENERIC ;;
esac
case "$OPENBLAS_KERNELS" in
  dynamic) args+=(-DDYNAMIC_ARCH=ON -DTARGET="$baseline") ;;
  haswell) args+=(-DTARGET="$single") ;;
  generic) args+=(-DTARGET=GENERIC) ;;
  *) echo "unknown kernels option: $OPENBLAS_KERNELS" >&2; exit 2 ;;
esac
if [[ "$OPENBLAS_INTERFACE" == ilp64 ]]; then
  # 0.3.21's CMake hands these to its symbol-renaming script, which only understands 1/0:
  # left at ON, no BLAS/LAPACK symbol would get the 64_ suffix.
  args+=(-DINTERFACE64=1 -DSYMBOLSUFFIX=64_
         -DBUILD_SINGLE=1 -DBUILD_DOUBLE=1 -DBUILD_COMPLEX=1 -DBUILD_COMPLEX16=1 -DBUILD_BFLOAT16=0)
fi

# OpenBLAS 0.3.21's symbol-renaming script (run for the suffixed ILP64 build) lacks a comma
# after LAPACKE_zungtsqr_row_work, which perl reads as a method call on the next name.
sed -i 's/^\(    LAPACKE_zungtsqr_row_work\)$/\1,/' exports/gensymbol.pl

cmake -S . -B _build -G Ninja "${args[@]}"
cmake --build _build -j "$CPU_COUNT"
# OpenBLAS's own tests: the BLAS level 1-3 testers, the CBLAS testers and utest
(cd _build && ctest --output-on-failure -j "$CPU_COUNT")
if [[ "$OPENBLAS_INTERFACE" == ilp64 ]]; then
  # 0.3.21's CMake renames the symbols with objcopy on the finished shared library, which
  # leaves its dynamic symbol table as it was. As OpenBLAS's Makefile build does, rename them
  # in the objects and link the library again from those (after the tests above, which call
  # the unsuffixed names).
  real=$(readlink -f _build/lib/libopenblas_64.so.0)
  (cd _build && sed -n 's/^build lib\/libopenblas_64\.so\.0\.3: [^ ]* //p' build.ninja | cut -d'|' -f1 \
     | tr ' ' '\n' | grep '\.o$' > ../_objects.txt && ar rcs ../_objects.a @../_objects.txt)
  objcopy --redefine-syms _build/objcopy.def _objects.a _objects64.a
  # shellcheck disable=SC2086  # LDFLAGS is a list of flags
  gfortran -shared -o "$real" -Wl,-soname,libopenblas_64.so.0 -Wl,--whole-archive _objects64.a \
    -Wl,--no-whole-archive "${runtime[@]}" $LDFLAGS -lm -lpthread
  rm -f _objects.txt _objects.a _objects64.a
fi
cmake --install _build
if [[ "$OPENBLAS_INTERFACE" == ilp64 ]]; then
  # 0.3.21's install suffixes cblas.h's names, and one preprocessor directive with them
  sed -i 's/^#ifdef64_ /#ifdef /' "$PREFIX/include/openblas64/cblas.h"
fi

# meson's and other tools' generic names, for the LP64 build only
if [[ "$OPENBLAS_INTERFACE" == lp64 ]]; then
  for name in blas lapack; do
    sed -e "s/^Name: .*/Name: $name/" -e "s/^Description: .*/Description: BLAS and LAPACK from OpenBLAS/" \
      "$PREFIX/lib/pkgconfig/openblas.pc" > "$PREFIX/lib/pkgconfig/$name.pc"
  done
fi

# license texts of what is linked in statically
{
  echo "libgfortran, libquadmath and libgcc are part of GCC, licensed under GPL-3.0-or-later WITH GCC-exception-3.1."
  for f in /usr/share/doc/gcc-*-base/copyright; do [ -f "$f" ] && { echo; cat "$f"; break; }; done
} > RUNTIME-LICENSES.txt
