#!/usr/bin/env bash
set -euo pipefail
# All three code unit widths with the JIT, as distributions build it. pcre2grep's and
# pcre2test's optional libraries (zlib, bzip2, readline, libedit) stay off: undeclared.
./configure --prefix="$PREFIX" --enable-shared --disable-static \
  --enable-pcre2-8 --enable-pcre2-16 --enable-pcre2-32 --enable-jit --enable-unicode \
  --disable-pcre2grep-libz --disable-pcre2grep-libbz2 \
  --disable-pcre2test-libreadline --disable-pcre2test-libedit
make -j"$CPU_COUNT"
make install
# the HTML and man pages are for the system's documentation folder, not a wheel
rm -rf "$PREFIX/share/doc" "$PREFIX/share/man"
