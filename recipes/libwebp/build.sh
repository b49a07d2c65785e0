#!/usr/bin/env bash
set -euo pipefail
# Autotools, as Debian builds it: libwebp, libwebpdemux, libwebpmux and libsharpyuv (the sharp
# RGB->YUV converter, its own library since 1.3.0, which libwebp links).
# Not built: libwebpdecoder (a decode-only copy of libwebp) and libwebpextras.
# The tools read and write PNM/PAM/BMP/raw TIFF only: PNG, JPEG, TIFF and GIF support would
# link libpng, libjpeg, libtiff and giflib; vwebp and the animation tools need OpenGL/SDL.
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --enable-libwebpmux --enable-libwebpdemux --disable-libwebpdecoder --disable-libwebpextras \
  --disable-png --disable-jpeg --disable-tiff --disable-gif --disable-gl --disable-sdl --disable-wic \
  --enable-threading
make -j"$CPU_COUNT"
make install
