/* LERC through its C API: a float elevation grid with a bounded error and a no-data mask,
   an exact 3-band byte image, and the blob's header read back with lerc_getBlobInfo. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Lerc_c_api.h>

#define W 257
#define H 131

int main(void) {
    float *dem = malloc(sizeof(float) * W * H), *back = malloc(sizeof(float) * W * H);
    unsigned char *mask = malloc(W * H), *mask_back = malloc(W * H);
    int valid = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            dem[y * W + x] = 1500.0f + 300.0f * sinf(x / 17.0f) * cosf(y / 23.0f) + (float)((x * 7 + y * 13) % 11) / 100.0f;
            mask[y * W + x] = (x - 100) * (x - 100) + (y - 60) * (y - 60) > 400;  /* a hole of no data */
            valid += mask[y * W + x];
        }
    const double max_err = 0.01;
    unsigned int size = 0, written = 0;
    if (lerc_computeCompressedSize(dem, 6, 1, W, H, 1, 1, mask, max_err, &size) || size == 0) return 1;
    unsigned char *blob = malloc(size);
    if (lerc_encode(dem, 6, 1, W, H, 1, 1, mask, max_err, blob, size, &written)) { fprintf(stderr, "encode\n"); return 1; }
    unsigned int info[11] = {0};
    double range[3] = {0};
    if (lerc_getBlobInfo(blob, written, info, range, 11, 3)) { fprintf(stderr, "blob info\n"); return 1; }
    if (info[1] != 6 || info[3] != W || info[4] != H || info[5] != 1 || info[6] != (unsigned)valid || info[8] != 1) {
        fprintf(stderr, "blob info: type %u, %ux%u, %u bands, %u valid of %d, %u masks\n", info[1], info[3], info[4], info[5], info[6], valid, info[8]);
        return 1;
    }
    if (lerc_decode(blob, written, 1, mask_back, 1, W, H, 1, 6, back)) { fprintf(stderr, "decode\n"); return 1; }
    if (memcmp(mask, mask_back, W * H)) { fprintf(stderr, "mask differs\n"); return 1; }
    double worst = 0;
    for (int i = 0; i < W * H; i++)
        if (mask[i] && fabs(back[i] - dem[i]) > worst) worst = fabs(back[i] - dem[i]);
    /* the bound holds before the decoded value is rounded to float (at ~1800, 1.2e-4 apart) */
    if (worst > max_err + 2.5e-4) { fprintf(stderr, "error %g above %g\n", worst, max_err); return 1; }
    /* 3 bands of bytes, lossless (maxZErr 0.5 for integers) */
    unsigned char *rgb = malloc(3 * W * H), *rgb_back = malloc(3 * W * H);
    for (int i = 0; i < 3 * W * H; i++) rgb[i] = (unsigned char)((i * 31) ^ (i >> 9));
    unsigned int size2 = 0, written2 = 0;
    if (lerc_computeCompressedSize(rgb, 1, 1, W, H, 3, 0, NULL, 0.5, &size2)) return 1;
    unsigned char *blob2 = malloc(size2);
    if (lerc_encode(rgb, 1, 1, W, H, 3, 0, NULL, 0.5, blob2, size2, &written2)) return 1;
    if (lerc_decode(blob2, written2, 0, NULL, 1, W, H, 3, 1, rgb_back) || memcmp(rgb, rgb_back, 3 * W * H)) {
        fprintf(stderr, "byte bands differ\n");
        return 1;
    }
    printf("LERC %d.%d.%d (codec v%u): float grid %d -> %u bytes, max error %.5g (bound %g), range [%.1f, %.1f]; "
           "3 byte bands %d -> %u bytes, exact\n", LERC_VERSION_MAJOR, LERC_VERSION_MINOR, LERC_VERSION_PATCH,
           info[0], (int)(W * H * sizeof(float)), written, worst, max_err, range[0], range[1], 3 * W * H, written2);
    return 0;
}
