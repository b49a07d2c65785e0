/* .xz round trips through liblzma: the one-call buffer API at preset 6e, and the
   multithreaded stream encoder and decoder; then a .lzma (alone) round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lzma.h>

static int stream_run(lzma_stream *s, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *got) {
    s->next_in = in; s->avail_in = n; s->next_out = out; s->avail_out = cap;
    lzma_ret r;
    do { r = lzma_code(s, LZMA_FINISH); } while (r == LZMA_OK);
    *got = cap - s->avail_out;
    lzma_end(s);
    return r == LZMA_STREAM_END ? 0 : (int)r;
}

int main(void) {
    size_t n = 4 << 20, pos = 0, got;
    uint8_t *src = malloc(n), *back = malloc(n);
    for (size_t i = 0; i < n; i++) src[i] = (uint8_t)("LZMA2 in GeoTIFF "[i % 17] + (i >> 16));
    size_t cap = lzma_stream_buffer_bound(n);
    uint8_t *buf = malloc(cap);
    if (lzma_easy_buffer_encode(6 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64, NULL, src, n, buf, &pos, cap) != LZMA_OK) return 1;
    size_t in_pos = 0, out_pos = 0;
    uint64_t memlimit = UINT64_MAX;
    if (lzma_stream_buffer_decode(&memlimit, 0, NULL, buf, &in_pos, pos, back, &out_pos, n) != LZMA_OK
        || out_pos != n || memcmp(src, back, n)) { fprintf(stderr, "buffer round trip\n"); return 1; }
    size_t one = pos;
    lzma_mt mt = { .threads = 2, .block_size = 1 << 20, .preset = 3, .check = LZMA_CHECK_SHA256 };
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_encoder_mt(&s, &mt) != LZMA_OK || stream_run(&s, src, n, buf, cap, &pos)) { fprintf(stderr, "mt encode\n"); return 1; }
    lzma_stream d = LZMA_STREAM_INIT;
    lzma_mt dmt = { .threads = 2, .memlimit_threading = 1 << 30, .memlimit_stop = UINT64_MAX };
    if (lzma_stream_decoder_mt(&d, &dmt) != LZMA_OK || stream_run(&d, buf, pos, back, n, &got)
        || got != n || memcmp(src, back, n)) { fprintf(stderr, "mt round trip\n"); return 1; }
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 1);
    lzma_stream a = LZMA_STREAM_INIT, b = LZMA_STREAM_INIT;
    size_t alone;
    if (lzma_alone_encoder(&a, &opt) != LZMA_OK || stream_run(&a, src, n, buf, cap, &alone)) return 1;
    if (lzma_alone_decoder(&b, UINT64_MAX) != LZMA_OK || stream_run(&b, buf, alone, back, n, &got)
        || got != n || memcmp(src, back, n)) { fprintf(stderr, "alone round trip\n"); return 1; }
    printf("liblzma %s: %zu -> %zu (6e), %zu (2 threads, 4 blocks), %zu (.lzma); round trips ok\n",
           lzma_version_string(), n, one, pos, alone);
    return strcmp(lzma_version_string(), getenv("PKG_VERSION")) != 0;
}
