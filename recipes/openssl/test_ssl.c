/* SHA-256 through EVP and a TLS client context: libcrypto and libssl both load. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/opensslv.h>

int main(void) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char *msg = "abc";
    if (!EVP_Digest(msg, strlen(msg), md, &n, EVP_sha256(), NULL)) return 1;
    /* FIPS 180-2 test vector */
    if (n != 32 || md[0] != 0xba || md[31] != 0xad) { puts("sha256 mismatch"); return 1; }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return 1;
    SSL_CTX_free(ctx);
    printf("%s: sha256 and TLS context ok\n", OpenSSL_version(OPENSSL_VERSION));
    return 0;
}
