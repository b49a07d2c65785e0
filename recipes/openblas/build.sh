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
  # -O2 as OpenBLAS's Makefile build uses: -O3 only grows LAPACK's code (kernels are hand-tuned anyway).
  # -falign-loops=64: GCC 12 left the generic C TRSM kernel's solve loop (the hot loop of DGESV's
  # factorisation) straddling a 32-byte boundary, and DTRSM on a 64-row panel ran at 0.70 of
  # scipy-openblas32's speed on a Skylake-X core; loops aligned to 32 bytes gave 0.91, to a
  # cache line 0.98 to 1.0 (docs/openblas.md). The padding costs 2% of the library.
  -DCMAKE_C_FLAGS_RELEASE="-O2 -falign-loops=64 -DNDEBUG"
  -DCMAKE_Fortran_FLAGS_RELEASE="-O2"
)
# The GCC runtime goes inside the library where the toolchain's libgfortran.a allows it
# (manylinux's gcc-toolset does). Debian's is built for executables only (local-exec TLS),
# so there gfortran_entry_points.c supplies what LAPACK calls of it, linked ahead of
# libgfortran with --as-needed: libgfortran.so.5 is linked (and grafted by repair) only if
# the library needs more than that.
cat > _probe.f90 <<'F'
subroutine probe(n)
  integer :: n
  write (*, *) n
end subroutine
F
runtime=()
if gfortran -shared -fPIC -static-libgfortran -static-libgcc -o _probe.so _probe.f90 2>/dev/null; then
  runtime=(-static-libgfortran -static-libgcc -Wl,--exclude-libs,ALL)
  echo "GCC runtime: linked statically"
else
  cp "$RECIPE_DIR/gfortran_entry_points.c" .
  # shellcheck disable=SC2086  # CFLAGS is a list of flags
  $CC $CFLAGS -c gfortran_entry_points.c -o "$PWD/_gfortran_entry_points.o"
  runtime=("$PWD/_gfortran_entry_points.o" -Wl,--as-needed)
  echo "GCC runtime: libgfortran.a is not PIC here; its entry points come from gfortran_entry_points.c"
fi
args+=(-DCMAKE_SHARED_LINKER_FLAGS="${runtime[*]}")
rm -f _probe.f90 _probe.so
# x86_64 release kernels: the five CPU types numpy's and scipy's wheels ship, the five
# performance clusters numpy's benchmarks found among OpenBLAS's fourteen. OpenBLAS gives every
# other CPU the nearest of them (Zen -> Haswell, Cooper Lake and Sapphire Rapids -> SkylakeX,
# the Bulldozer family -> Sandy Bridge); PRESCOTT, the baseline, is always built.
case "$(uname -m)" in
  x86_64) baseline=PRESCOTT single=HASWELL kernels="NEHALEM;SANDYBRIDGE;HASWELL;SKYLAKEX" ;;
  aarch64|arm64) baseline=ARMV8 single=NEOVERSEN1 kernels="" ;;
  *) baseline=GENERIC single=GENERIC kernels="" ;;
esac
case "$OPENBLAS_KERNELS" in
  dynamic) args+=(-DDYNAMIC_ARCH=ON -DTARGET="$baseline" ${kernels:+-DDYNAMIC_LIST="$kernels"}) ;;
  haswell) args+=(-DTARGET="$single") ;;
  generic) args+=(-DTARGET=GENERIC) ;;
  *) echo "unknown kernels option: $OPENBLAS_KERNELS" >&2; exit 2 ;;
esac
if [[ "$OPENBLAS_INTERFACE" == ilp64 ]]; then
  # USE_PERL: 0.3.34's shell-script renaming step names the library without its lib prefix
  # (lib/openblas_64.so) and fails; the perl one names it right.
  args+=(-DINTERFACE64=1 -DSYMBOLSUFFIX=64_ -DUSE_PERL=ON)
fi

cmake -S . -B _build -G Ninja "${args[@]}"
cmake --build _build -j "$CPU_COUNT"
if readelf -d _build/lib/libopenblas*.so.0 | grep -q 'NEEDED.*libgfortran'; then
  echo "GCC runtime: the library needs more of libgfortran than its entry points; linked libgfortran.so.5"
fi
# OpenBLAS's own tests: the BLAS level 1-3 testers, the CBLAS testers and utest
(cd _build && ctest --output-on-failure -j "$CPU_COUNT")
if [[ "$OPENBLAS_INTERFACE" == ilp64 ]]; then
  # OpenBLAS's CMake (as of 0.3.34) renames the symbols with objcopy on the finished shared
  # library, which leaves its dynamic symbol table as it was. As OpenBLAS's Makefile build does, rename them
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
  # 0.3.34's CMake writes the suffixed lapacke.h and lapack.h with regular expressions that run
  # across lines, through CMake lists that drop every ';': neither compiles. Suffix LAPACKE's
  # functions line by line instead (as the library exports them); lapack.h stays as LAPACK ships it.
  inc="$PREFIX/include/openblas64"
  sed -E -e 's/\<(LAPACKE_[a-z][a-z0-9_]*)\>/\164_/g' -e 's/\<LAPACKE_(malloc|free)64_\>/LAPACKE_\1/g' \
    lapack-netlib/LAPACKE/include/lapacke.h > "$inc/lapacke.h"
  cp lapack-netlib/LAPACKE/include/lapack.h "$inc/lapack.h"
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
