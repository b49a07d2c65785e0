/* A 3-component 16-bit image encoded losslessly to JP2 (tiled, 2 threads for decoding) and
   decoded back exactly; then a lossy J2K codestream at 20:1 decoded at reduced resolution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openjpeg.h>

#define W 203
#define H 117

static void quiet(const char *msg, void *data) { (void)msg; (void)data; }
static void loud(const char *msg, void *data) { (void)data; fprintf(stderr, "openjpeg: %s", msg); }

static OPJ_INT32 pixel(int c, int i) { return ((i % W) * 300 + (i / W) * 500 + c * 9000 + (i * 7) % 13) & 0xffff; }

static opj_image_t *make_image(void) {
    opj_image_cmptparm_t parm[3];
    memset(parm, 0, sizeof parm);
    for (int c = 0; c < 3; c++) {
        parm[c].dx = parm[c].dy = 1; parm[c].w = W; parm[c].h = H; parm[c].prec = 16; parm[c].sgnd = 0;
    }
    opj_image_t *img = opj_image_create(3, parm, OPJ_CLRSPC_SRGB);
    img->x0 = img->y0 = 0; img->x1 = W; img->y1 = H;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < W * H; i++) img->comps[c].data[i] = pixel(c, i);
    return img;
}

static int encode(opj_image_t *img, OPJ_CODEC_FORMAT fmt, const char *path, float rate, int lossless) {
    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1; p.cp_disto_alloc = 1;
    p.tcp_rates[0] = lossless ? 0 : rate;
    p.irreversible = !lossless;
    p.tile_size_on = OPJ_TRUE; p.cp_tdx = 64; p.cp_tdy = 64;
    p.numresolution = 4;
    opj_codec_t *codec = opj_create_compress(fmt);
    opj_set_error_handler(codec, loud, NULL);
    opj_set_warning_handler(codec, quiet, NULL);
    opj_set_info_handler(codec, quiet, NULL);
    opj_stream_t *s = opj_stream_create_default_file_stream(path, OPJ_FALSE);
    int ok = opj_setup_encoder(codec, &p, img) && opj_start_compress(codec, img, s) && opj_encode(codec, s)
             && opj_end_compress(codec, s);
    opj_stream_destroy(s);
    opj_destroy_codec(codec);
    return ok;
}

static opj_image_t *decode(OPJ_CODEC_FORMAT fmt, const char *path, int reduce) {
    opj_dparameters_t p;
    opj_set_default_decoder_parameters(&p);
    p.cp_reduce = reduce;
    opj_codec_t *codec = opj_create_decompress(fmt);
    opj_set_error_handler(codec, loud, NULL);
    opj_set_warning_handler(codec, quiet, NULL);
    opj_stream_t *s = opj_stream_create_default_file_stream(path, OPJ_TRUE);
    opj_image_t *img = NULL;
    int ok = opj_setup_decoder(codec, &p) && opj_codec_set_threads(codec, 2) && opj_read_header(s, codec, &img)
             && opj_decode(codec, s, img) && opj_end_decompress(codec, s);
    opj_stream_destroy(s);
    opj_destroy_codec(codec);
    if (!ok) { opj_image_destroy(img); return NULL; }
    return img;
}

int main(void) {
    opj_image_t *img = make_image();
    if (!encode(img, OPJ_CODEC_JP2, "lossless.jp2", 0, 1)) { fprintf(stderr, "encode jp2\n"); return 1; }
    opj_image_t *back = decode(OPJ_CODEC_JP2, "lossless.jp2", 0);
    if (!back || back->numcomps != 3 || back->comps[0].w != W || back->comps[0].h != H || back->comps[0].prec != 16) {
        fprintf(stderr, "decoded jp2 header\n");
        return 1;
    }
    /* (the encoder may release the image's pixels once it has them: compare with pixel()) */
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < W * H; i++)
            if (back->comps[c].data[i] != pixel(c, i)) { fprintf(stderr, "component %d differs at %d\n", c, i); return 1; }
    opj_image_destroy(img);
    img = make_image();
    if (!encode(img, OPJ_CODEC_J2K, "lossy.j2k", 20.0f, 0)) { fprintf(stderr, "encode j2k\n"); return 1; }
    opj_image_t *small = decode(OPJ_CODEC_J2K, "lossy.j2k", 1);
    if (!small || small->comps[0].w != (W + 1) / 2 || small->comps[0].h != (H + 1) / 2) { fprintf(stderr, "reduced decode\n"); return 1; }
    FILE *f = fopen("lossy.j2k", "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    printf("OpenJPEG %s: 16-bit RGB %dx%d lossless JP2 exact (2 threads), lossy J2K %ld bytes, decoded at 1/2: %ux%u\n",
           opj_version(), W, H, size, small->comps[0].w, small->comps[0].h);
    opj_image_destroy(img); opj_image_destroy(back); opj_image_destroy(small);
    return strcmp(opj_version(), getenv("PKG_VERSION")) != 0;
}
