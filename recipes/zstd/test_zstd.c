/* Compress a buffer with the simple and the streaming API, decompress, compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int main(void) {
    size_t n = 1 << 20;
    unsigned char *src = malloc(n);
    for (size_t i = 0; i < n; i++) src[i] = (unsigned char)((i * 2654435761u) >> 24) & 0x3f;
    size_t cap = ZSTD_compressBound(n);
    unsigned char *dst = malloc(cap), *back = malloc(n);
    size_t csize = ZSTD_compress(dst, cap, src, n, 19);
    if (ZSTD_isError(csize)) { fprintf(stderr, "%s\n", ZSTD_getErrorName(csize)); return 1; }
    if (ZSTD_getFrameContentSize(dst, csize) != n) { fprintf(stderr, "frame size\n"); return 1; }
    size_t dsize = ZSTD_decompress(back, n, dst, csize);
    if (ZSTD_isError(dsize) || dsize != n || memcmp(src, back, n)) { fprintf(stderr, "round trip differs\n"); return 1; }
    /* multithreaded compression through the advanced API */
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    size_t c2 = ZSTD_compress2(cctx, dst, cap, src, n);
    if (ZSTD_isError(c2)) { fprintf(stderr, "mt: %s\n", ZSTD_getErrorName(c2)); return 1; }
    memset(back, 0, n);
    size_t d2 = ZSTD_decompress(back, n, dst, c2);
    if (ZSTD_isError(d2) || d2 != n || memcmp(src, back, n)) { fprintf(stderr, "mt round trip differs\n"); return 1; }
    ZSTD_freeCCtx(cctx);
    printf("zstd %s: %zu -> %zu bytes (level 19), %zu (2 workers), round trips ok\n",
           ZSTD_versionString(), n, csize, c2);
    return strcmp(ZSTD_versionString(), getenv("PKG_VERSION")) != 0;
}
