/* Quantizes an RGB gradient to a 256-colour map, writes it as a GIF with EGif, reads it
   back with DGif and checks the size, the colour map and every pixel index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gif_lib.h>

#define W 64
#define H 48

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.gif";
    static GifByteType r[W * H], g[W * H], b[W * H], idx[W * H];
    for (int i = 0; i < W * H; i++) { r[i] = (i % W) * 4; g[i] = (i / W) * 5; b[i] = 128; }
    int size = 256;
    GifColorType colors[256];
    if (GifQuantizeBuffer(W, H, &size, r, g, b, idx, colors) != GIF_OK) return 1;
    ColorMapObject *map = GifMakeMapObject(256, colors);
    int err = 0;
    GifFileType *out = EGifOpenFileName(path, 0, &err);
    if (!out) { fprintf(stderr, "open: %s\n", GifErrorString(err)); return 2; }
    if (EGifPutScreenDesc(out, W, H, 8, 0, map) != GIF_OK) return 3;
    if (EGifPutImageDesc(out, 0, 0, W, H, 0, NULL) != GIF_OK) return 4;
    for (int y = 0; y < H; y++)
        if (EGifPutLine(out, idx + y * W, W) != GIF_OK) return 5;
    if (EGifCloseFile(out, &err) != GIF_OK) { fprintf(stderr, "close: %s\n", GifErrorString(err)); return 6; }

    GifFileType *in = DGifOpenFileName(path, &err);
    if (!in || DGifSlurp(in) != GIF_OK) { fprintf(stderr, "read: %s\n", GifErrorString(err)); return 7; }
    if (in->SWidth != W || in->SHeight != H || in->ImageCount != 1) return 8;
    const ColorMapObject *back = in->SColorMap;
    if (!back || back->ColorCount != 256) return 9;
    if (memcmp(back->Colors, colors, sizeof colors) != 0) return 10;
    if (memcmp(in->SavedImages[0].RasterBits, idx, W * H) != 0) return 11;
    /* the quantized colours stay close to the input */
    for (int i = 0; i < W * H; i++) {
        GifColorType c = colors[idx[i]];
        if (abs(c.Red - r[i]) > 32 || abs(c.Green - g[i]) > 32 || abs(c.Blue - b[i]) > 32) return 12;
    }
    DGifCloseFile(in, &err);
    GifFreeMapObject(map);
    printf("giflib %d.%d.%d: %dx%d GIF, %d colours, round trip ok\n",
           GIFLIB_MAJOR, GIFLIB_MINOR, GIFLIB_RELEASE, W, H, size);
    return 0;
}
