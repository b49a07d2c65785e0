#!/usr/bin/env bash
set -euo pipefail
# libdeflate 1.14 has only its Makefile (CMake came in 1.15). USE_SHARED_LIB: the gzip
# tool links the shared library instead of a static copy; the static archive is not shipped.
make -j"$CPU_COUNT" USE_SHARED_LIB=1 CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS"
make install USE_SHARED_LIB=1 CFLAGS="$CFLAGS" LDFLAGS="$LDFLAGS" PREFIX="$PREFIX" LIBDIR="$PREFIX/lib"
rm -f "$PREFIX/lib/libdeflate.a"
