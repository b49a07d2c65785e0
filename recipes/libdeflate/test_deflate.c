/* Raw DEFLATE, zlib and gzip round trips at several levels; the zlib stream is also
   checked against the adler32/crc32 the library computes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

int main(void) {
    size_t n = 1 << 20;
    unsigned char *src = malloc(n), *back = malloc(n);
    for (size_t i = 0; i < n; i++) src[i] = "geospatial raster tiles "[i % 24] ^ (unsigned char)(i >> 12);
    for (int level = 1; level <= 12; level += 5) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        size_t cap = libdeflate_gzip_compress_bound(c, n);
        unsigned char *buf = malloc(cap);
        size_t sizes[3], out;
        sizes[0] = libdeflate_deflate_compress(c, src, n, buf, cap);
        if (!sizes[0] || libdeflate_deflate_decompress(d, buf, sizes[0], back, n, &out) != LIBDEFLATE_SUCCESS
            || out != n || memcmp(src, back, n)) { fprintf(stderr, "deflate level %d\n", level); return 1; }
        sizes[1] = libdeflate_zlib_compress(c, src, n, buf, cap);
        if (!sizes[1] || libdeflate_zlib_decompress(d, buf, sizes[1], back, n, &out) != LIBDEFLATE_SUCCESS
            || out != n || memcmp(src, back, n)) { fprintf(stderr, "zlib level %d\n", level); return 1; }
        unsigned a = libdeflate_adler32(1, src, n);
        unsigned trailer = (unsigned)buf[sizes[1] - 4] << 24 | buf[sizes[1] - 3] << 16 | buf[sizes[1] - 2] << 8 | buf[sizes[1] - 1];
        if (a != trailer) { fprintf(stderr, "adler32 trailer\n"); return 1; }
        sizes[2] = libdeflate_gzip_compress(c, src, n, buf, cap);
        if (!sizes[2] || libdeflate_gzip_decompress(d, buf, sizes[2], back, n, &out) != LIBDEFLATE_SUCCESS
            || out != n || memcmp(src, back, n)) { fprintf(stderr, "gzip level %d\n", level); return 1; }
        printf("level %2d: deflate %zu, zlib %zu, gzip %zu bytes\n", level, sizes[0], sizes[1], sizes[2]);
        free(buf);
        libdeflate_free_compressor(c);
        libdeflate_free_decompressor(d);
    }
    printf("libdeflate %s: round trips ok, crc32 %08x\n", LIBDEFLATE_VERSION_STRING, libdeflate_crc32(0, src, n));
    return 0;
}
