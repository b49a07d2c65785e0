#!/usr/bin/env bash
set -euo pipefail
# TLS through the openssl wheel, compression through the zlib wheel; every other optional
# library is off, so nothing undeclared is linked. CA certificates: OpenSSL's default store
# (its OPENSSLDIR is the system's /etc/ssl), overridable with CURL_CA_BUNDLE or SSL_CERT_FILE.
./configure --prefix="$PREFIX" --disable-static --enable-shared \
  --with-openssl --with-zlib \
  --without-brotli --without-zstd --without-libidn2 --without-libpsl \
  --without-nghttp2 --without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3 \
  --without-libssh2 --without-libssh --without-wolfssh --without-librtmp \
  --without-gssapi --without-hyper --without-libgsasl \
  --disable-ldap --disable-ldaps --disable-manual \
  --without-ca-bundle --without-ca-path --with-ca-fallback
make -j"$CPU_COUNT"
make install
# curl-config and libcurl.pc record the host dependencies' build folders (for static links);
# the shared library needs none of them: keep only what points into the wheel itself.
host="$(dirname "$PREFIX")/host"
sed -i -e "s|-L$host/[^ \"']*||g" -e "s|-I$host/[^ \"']*||g" -e "s|-Wl,-rpath,[^ \"']*||g" \
  "$PREFIX/bin/curl-config" "$PREFIX/lib/pkgconfig/libcurl.pc"
