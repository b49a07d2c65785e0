/* Block API (fast and HC) and frame API round trips on compressible data; the frame is
   written to a file that the lz4 program must decompress to the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>
#include <lz4hc.h>
#include <lz4frame.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "data.lz4";
    enum { N = 1 << 20 };
    char *src = malloc(N), *back = malloc(N);
    for (int i = 0; i < N; i++) src[i] = "geospatial raster tiles "[i % 24] ^ (char)((i >> 12) & 3);
    int bound = LZ4_compressBound(N);
    char *dst = malloc(bound);
    int fast = LZ4_compress_default(src, dst, N, bound);
    if (fast <= 0 || LZ4_decompress_safe(dst, back, fast, N) != N || memcmp(src, back, N)) return 1;
    int hc = LZ4_compress_HC(src, dst, N, bound, LZ4HC_CLEVEL_MAX);
    if (hc <= 0 || hc > fast || LZ4_decompress_safe(dst, back, hc, N) != N || memcmp(src, back, N)) return 2;

    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    prefs.frameInfo.contentSize = N;
    size_t fbound = LZ4F_compressFrameBound(N, &prefs);
    char *frame = malloc(fbound);
    size_t fsize = LZ4F_compressFrame(frame, fbound, src, N, &prefs);
    if (LZ4F_isError(fsize)) return 3;
    LZ4F_dctx *dctx;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) return 4;
    size_t out = N, in = fsize;
    size_t r = LZ4F_decompress(dctx, back, &out, frame, &in, NULL);
    if (r != 0 || out != N || memcmp(src, back, N)) return 5;
    LZ4F_freeDecompressionContext(dctx);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(frame, 1, fsize, f) != fsize || fclose(f)) return 6;
    f = fopen("data.raw", "wb");
    if (!f || fwrite(src, 1, N, f) != N || fclose(f)) return 7;
    printf("lz4 %s: 1 MiB -> %d (fast), %d (HC), %zu (frame)\n", LZ4_versionString(), fast, hc, fsize);
    return 0;
}
