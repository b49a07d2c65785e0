#!/usr/bin/env bash
set -euo pipefail
# zlib (gzip-compressed documents) through the zlib wheel; iconv is the C library's.
# Off: ICU (undeclared), readline/history (xmllint's shell), the Python bindings (a separate
# concern from the library wheel); 2.14 dropped liblzma support. --sysconfdir=/etc: the
# default system catalog is /etc/xml/catalog, as everywhere, not a path in this build's prefix.
./configure --prefix="$PREFIX" --sysconfdir=/etc --enable-shared --disable-static \
  --with-zlib --without-icu --with-iconv \
  --without-python --without-readline --without-history \
  --with-threads --with-modules
make -j"$CPU_COUNT"
make install
# xml2-config and libxml-2.0.pc name the zlib wheel's build folder (for static links); the
# shared library carries its own link to libz.so.1
host="$(dirname "$PREFIX")/host"
sed -i -e "s|-L$host/[^ \"']*||g" -e "s|-I$host/[^ \"']*||g" -e "s|-Wl,-rpath,[^ \"']*||g" \
  "$PREFIX/bin/xml2-config" "$PREFIX/lib/pkgconfig/libxml-2.0.pc"
# the autoconf macro, the HTML and man pages, and xml2Conf.sh are not for a wheel
rm -rf "$PREFIX/share/doc" "$PREFIX/share/gtk-doc" "$PREFIX/share/man" "$PREFIX/share/aclocal" \
  "$PREFIX/lib/xml2Conf.sh"
