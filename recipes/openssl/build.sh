#!/usr/bin/env bash
set -euo pipefail
# Relocatable: OpenSSL compiles three directories into libcrypto.
#  - OPENSSLDIR is where it reads openssl.cnf and the default CA store: the system's /etc/ssl
#    (cert.pem, certs/), so TLS clients such as curl trust the machine's certificates.
#    SSL_CERT_FILE / SSL_CERT_DIR override it at run time.
#  - ENGINESDIR and MODULESDIR would be build paths: no-module builds the legacy provider into
#    libcrypto and no engine is dynamic, so both are left empty (OPENSSL_MODULES overrides).
# libcrypto also records its compiler flags (`openssl version -f`), so farm's
# -ffile-prefix-map=<build tree>=. would ship the build path; OpenSSL's makefile names its
# sources relatively, so __FILE__ has no build path to map and the flag can go.
# (Configure reads CFLAGS from the environment too.)
CFLAGS=$(printf '%s\n' "$CFLAGS" | sed -E 's/-ffile-prefix-map=[^ ]*//g')
export CFLAGS
./Configure linux-x86_64 --prefix="$PREFIX" --libdir=lib --openssldir=/etc/ssl \
  shared no-module no-tests no-static-engine $LDFLAGS
make -j"$CPU_COUNT" build_sw ENGINESDIR= MODULESDIR=
make install_sw  # (installing only creates the two empty folders, removed below)
# c_rehash is a perl script naming the build prefix; `openssl rehash` does the same job
rm -f "$PREFIX/bin/c_rehash"
rm -rf "$PREFIX/lib/engines-3" "$PREFIX/lib/ossl-modules"
