#!/usr/bin/env bash
set -euo pipefail
# giflib 5.2's Makefile builds the utilities against a static copy and cannot be told where
# to put a versioned library, so the library and the installed utilities are compiled here as
# Debian's build makes them: quantize.c inside libgif (GifQuantizeBuffer is part of the ABI
# Debian, Fedora and giflib 5.2.2 export) and the utilities linked to the shared library.
major=7; ver=7.2.0
cflags="-std=gnu99 -fPIC -O2 -Wall -Wno-format-truncation ${CFLAGS:-}"
sources="dgif_lib.c egif_lib.c gifalloc.c gif_err.c gif_font.c gif_hash.c openbsd-reallocarray.c quantize.c"
# shellcheck disable=SC2086
$CC $cflags -shared ${LDFLAGS:-} -Wl,-soname,libgif.so.$major -o libgif.so.$ver $sources -lm
ln -sf libgif.so.$ver libgif.so.$major
ln -sf libgif.so.$major libgif.so
tools="gif2rgb gifbuild giffix giftext giftool gifclrmp"
for t in $tools; do
  # shellcheck disable=SC2086
  $CC $cflags -o "$t" "$t.c" qprintf.c getarg.c ${LDFLAGS:-} -L. -lgif -lm
done
install -d "$PREFIX/lib/pkgconfig" "$PREFIX/include" "$PREFIX/bin"
install -m 755 libgif.so.$ver "$PREFIX/lib/"
ln -sf libgif.so.$ver "$PREFIX/lib/libgif.so.$major"
ln -sf libgif.so.$major "$PREFIX/lib/libgif.so"
install -m 644 gif_lib.h "$PREFIX/include/"
# shellcheck disable=SC2086
install -m 755 $tools "$PREFIX/bin/"
# upstream ships no pkg-config file; Debian's (libgif7, with libgif as its alias) is the one
# distributions' consumers look for
for pc in libgif7 libgif; do
  cat > "$PREFIX/lib/pkgconfig/$pc.pc" <<PC
prefix=$PREFIX
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libgif
Description: Loads and saves GIF files
Version: $PKG_VERSION
Cflags: -I\${includedir}
Libs: -L\${libdir} -lgif
PC
done
