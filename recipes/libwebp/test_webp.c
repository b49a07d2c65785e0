/* Lossy (sharp RGB->YUV conversion, which 1.2.4 keeps inside libwebp) and lossless encoding
   with libwebp and decoding back; a two-frame animation assembled with libwebpmux and read
   back with libwebpdemux. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/encode.h>
#include <webp/decode.h>
#include <webp/mux.h>
#include <webp/demux.h>

#define W 64
#define H 48

int main(void) {
    uint8_t rgba[W * H * 4];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = rgba + 4 * (y * W + x);
            p[0] = (uint8_t)(x * 4); p[1] = (uint8_t)(y * 5); p[2] = (uint8_t)((x ^ y) * 3); p[3] = 255;
        }
    /* lossless: exact */
    uint8_t *out = NULL;
    size_t size = WebPEncodeLosslessRGBA(rgba, W, H, W * 4, &out);
    int w, h;
    uint8_t *dec = WebPDecodeRGBA(out, size, &w, &h);
    if (!dec || w != W || h != H || memcmp(dec, rgba, sizeof rgba)) { fprintf(stderr, "lossless differs\n"); return 1; }
    WebPFree(dec); WebPFree(out);
    /* lossy with sharp RGB->YUV conversion */
    WebPConfig config;
    WebPPicture pic;
    WebPMemoryWriter wr;
    if (!WebPConfigInit(&config) || !WebPPictureInit(&pic)) return 1;
    config.quality = 90; config.use_sharp_yuv = 1;
    pic.width = W; pic.height = H;
    if (!WebPPictureImportRGBA(&pic, rgba, W * 4)) return 1;
    WebPMemoryWriterInit(&wr);
    pic.writer = WebPMemoryWrite; pic.custom_ptr = &wr;
    if (!WebPEncode(&config, &pic)) { fprintf(stderr, "encode error %d\n", pic.error_code); return 1; }
    WebPPictureFree(&pic);
    dec = WebPDecodeRGBA(wr.mem, wr.size, &w, &h);
    long err = 0;
    for (int i = 0; i < W * H * 4; i++) err += abs(dec[i] - rgba[i]);
    if (err / (W * H * 4) > 6) { fprintf(stderr, "lossy error too large: %ld\n", err / (W * H * 4)); return 1; }
    WebPFree(dec);
    /* animation: mux, then demux */
    WebPAnimEncoderOptions ao;
    WebPAnimEncoderOptionsInit(&ao);
    WebPAnimEncoder *enc = WebPAnimEncoderNew(W, H, &ao);
    WebPConfigInit(&config); config.lossless = 1;
    for (int f = 0; f < 2; f++) {
        WebPPictureInit(&pic); pic.use_argb = 1; pic.width = W; pic.height = H;
        for (int i = 0; i < W * H; i++) rgba[4 * i] ^= (uint8_t)(f * 0x55);
        WebPPictureImportRGBA(&pic, rgba, W * 4);
        if (!WebPAnimEncoderAdd(enc, &pic, f * 100, &config)) return 1;
        WebPPictureFree(&pic);
    }
    WebPAnimEncoderAdd(enc, NULL, 200, NULL);
    WebPData anim;
    WebPDataInit(&anim);
    if (!WebPAnimEncoderAssemble(enc, &anim)) return 1;
    WebPAnimEncoderDelete(enc);
    WebPAnimDecoderOptions dopt;
    WebPAnimDecoderOptionsInit(&dopt);
    WebPAnimDecoder *ad = WebPAnimDecoderNew(&anim, &dopt);
    WebPAnimInfo info;
    if (!ad || !WebPAnimDecoderGetInfo(ad, &info) || info.frame_count != 2) { fprintf(stderr, "animation\n"); return 1; }
    int frames = 0, ts;
    uint8_t *buf;
    while (WebPAnimDecoderHasMoreFrames(ad) && WebPAnimDecoderGetNext(ad, &buf, &ts)) frames++;
    if (frames != 2 || memcmp(buf, rgba, sizeof rgba)) { fprintf(stderr, "frames\n"); return 1; }
    WebPAnimDecoderDelete(ad);
    WebPDataClear(&anim);
    int v = WebPGetDecoderVersion(), e = WebPGetEncoderVersion();
    printf("libwebp %d.%d.%d (encoder %x), mux %x, demux %x: lossless exact, lossy %zu bytes, animation of %d frames ok\n",
           v >> 16, (v >> 8) & 255, v & 255, e,
           WebPGetMuxVersion(), WebPGetDemuxVersion(), wr.size, frames);
    WebPMemoryWriterClear(&wr);
    int major = 0, minor = 0, patch = 0;  /* the version this wheel is, from the test environment */
    const char *want = getenv("PKG_VERSION");
    if (!want || sscanf(want, "%d.%d.%d", &major, &minor, &patch) != 3) return 1;
    return v != ((major << 16) | (minor << 8) | patch);
}
