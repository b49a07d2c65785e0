/* Writes a small deflate-compressed TIFF, reads it back and checks every pixel. */
#include <stdio.h>
#include <stdint.h>
#include <tiffio.h>

#define W 64
#define H 32

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.tif";
    TIFF *out = TIFFOpen(path, "w");
    if (!out) return 1;
    TIFFSetField(out, TIFFTAG_IMAGEWIDTH, W);
    TIFFSetField(out, TIFFTAG_IMAGELENGTH, H);
    TIFFSetField(out, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(out, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(out, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(out, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(out, TIFFTAG_ROWSPERSTRIP, H);
    uint8_t row[W];
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) row[x] = (uint8_t)(x * y);
        if (TIFFWriteScanline(out, row, y, 0) < 0) return 2;
    }
    TIFFClose(out);

    TIFF *in = TIFFOpen(path, "r");
    if (!in) return 3;
    for (int y = 0; y < H; y++) {
        if (TIFFReadScanline(in, row, y, 0) < 0) return 4;
        for (int x = 0; x < W; x++) if (row[x] != (uint8_t)(x * y)) return 5;
    }
    TIFFClose(in);
    printf("%s: wrote and read back %dx%d deflate pixels\n", TIFFGetVersion(), W, H);
    return 0;
}
