#!/usr/bin/env bash
set -euo pipefail
# Autotools, as Debian builds it: libwebp, libwebpdemux and libwebpmux (1.2.4 keeps sharpyuv,
# the sharp RGB->YUV converter, inside libwebp; it is its own libsharpyuv only from 1.3.0).
# Not built: libwebpdecoder (a decode-only copy of libwebp) and libwebpextras.
# The tools read and write PNM/PAM/BMP/raw TIFF only: PNG, JPEG, TIFF and GIF support would
# link libpng, libjpeg, libtiff and giflib; vwebp and the animation tools need OpenGL/SDL.
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --enable-libwebpmux --enable-libwebpdemux --disable-libwebpdecoder --disable-libwebpextras \
  --disable-png --disable-jpeg --disable-tiff --disable-gif --disable-gl --disable-sdl --disable-wic \
  --enable-threading
make -j"$CPU_COUNT"
make install
