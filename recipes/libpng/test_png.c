/* Write a small RGB image with the simplified libpng API, then read it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.png";
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = 32; img.height = 16; img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    for (size_t i = 0; i < PNG_IMAGE_SIZE(img); i++) px[i] = (unsigned char)(i * 7);
    if (!png_image_write_to_file(&img, path, 0, px, 0, NULL)) { fprintf(stderr, "%s\n", img.message); return 1; }
    png_image back;
    memset(&back, 0, sizeof back);
    back.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&back, path)) { fprintf(stderr, "%s\n", back.message); return 1; }
    back.format = PNG_FORMAT_RGB;
    unsigned char *in = malloc(PNG_IMAGE_SIZE(back));
    if (!png_image_finish_read(&back, NULL, in, 0, NULL)) { fprintf(stderr, "%s\n", back.message); return 1; }
    int same = back.width == 32 && back.height == 16 && memcmp(px, in, PNG_IMAGE_SIZE(img)) == 0;
    printf("libpng %s: round trip %s\n", png_get_libpng_ver(NULL), same ? "ok" : "DIFFERS");
    return same ? 0 : 1;
}
