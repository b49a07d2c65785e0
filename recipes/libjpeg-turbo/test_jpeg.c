/* Compress a gradient with the libjpeg API, then read it back. */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    const int w = 64, h = 48;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    FILE *f = fopen(argc > 1 ? argv[1] : "out.jpg", "wb");
    if (!f) return 1;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w; c.image_height = h; c.input_components = 3; c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[64 * 3];
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w; x++) { row[3*x] = x * 4; row[3*x+1] = c.next_scanline * 5; row[3*x+2] = 128; }
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);

    struct jpeg_decompress_struct d;
    d.err = jpeg_std_error(&err);
    jpeg_create_decompress(&d);
    f = fopen(argc > 1 ? argv[1] : "out.jpg", "rb");
    if (!f) return 1;
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    jpeg_start_decompress(&d);
    int ok = d.output_width == (JDIMENSION)w && d.output_height == (JDIMENSION)h;
    jpeg_abort_decompress(&d);
    jpeg_destroy_decompress(&d);
    fclose(f);
    printf("libjpeg %d: %dx%d %s\n", JPEG_LIB_VERSION, w, h, ok ? "ok" : "MISMATCH");
    return ok ? 0 : 1;
}
