#!/usr/bin/env bash
set -euo pipefail
# liblzma with the xz and xzdec tools. Off: the shell scripts (xzgrep, xzdiff, xzless, xzmore:
# GPL, and they run whatever xz is on PATH), the LZMA Utils compatibility names and tools
# (lzma, lzcat, lzmadec, lzmainfo), translations (libintl) and the static library.
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --disable-scripts --disable-lzma-links --disable-lzmadec --disable-lzmainfo \
  --disable-nls --disable-doc --disable-rpath --enable-threads=posix
make -j"$CPU_COUNT"
make install
