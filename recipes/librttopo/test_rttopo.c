/* Geometries from WKB, measures, GEOS-backed overlays and make_valid, WKT and GeoJSON out. */
#include <librttopo_geom.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>

static size_t put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); return 4; }
static size_t put_f64(uint8_t *p, double v) { memcpy(p, &v, 8); return 8; }

/* little-endian WKB polygon with one ring of n points (closed by the caller) */
static RTGEOM *polygon(const RTCTX *ctx, const double *xy, int n) {
    uint8_t wkb[1024];
    size_t o = 0;
    wkb[o++] = 1;
    o += put_u32(wkb + o, 3);
    o += put_u32(wkb + o, 1);
    o += put_u32(wkb + o, (uint32_t)n);
    for (int i = 0; i < 2 * n; i++) o += put_f64(wkb + o, xy[i]);
    return rtgeom_from_wkb(ctx, wkb, o, RT_PARSER_CHECK_ALL);
}

static int near(double a, double b) { return fabs(a - b) < 1e-9; }

int main(void) {
    RTCTX *ctx = rtgeom_init(NULL, NULL, NULL);
    const double a_xy[] = {0, 0, 10, 0, 10, 10, 0, 10, 0, 0};
    const double b_xy[] = {5, 5, 15, 5, 15, 15, 5, 15, 5, 5};
    const double bowtie_xy[] = {0, 0, 10, 10, 10, 0, 0, 10, 0, 0};
    RTGEOM *a = polygon(ctx, a_xy, 5), *b = polygon(ctx, b_xy, 5), *bowtie = polygon(ctx, bowtie_xy, 5);
    if (!a || !b || !bowtie) { fprintf(stderr, "WKB parse failed\n"); return 1; }
    if (!near(rtgeom_area(ctx, a), 100) || !near(rtgeom_perimeter(ctx, a), 40)) { fprintf(stderr, "measures wrong\n"); return 1; }

    RTGEOM *i = rtgeom_intersection(ctx, a, b), *u = rtgeom_union(ctx, a, b), *d = rtgeom_difference(ctx, a, b);
    if (!i || !u || !d) { fprintf(stderr, "GEOS overlay failed\n"); return 1; }
    printf("intersection %g union %g difference %g\n", rtgeom_area(ctx, i), rtgeom_area(ctx, u), rtgeom_area(ctx, d));
    if (!near(rtgeom_area(ctx, i), 25) || !near(rtgeom_area(ctx, u), 175) || !near(rtgeom_area(ctx, d), 75)) return 1;

    RTGEOM *valid = rtgeom_make_valid(ctx, bowtie);
    char *wkt = rtgeom_to_wkt(ctx, valid, RTWKT_ISO, 6, NULL);
    printf("make_valid: %s (area %g)\n", wkt, rtgeom_area(ctx, valid));
    if (strncmp(wkt, "MULTIPOLYGON", 12) != 0 || !near(rtgeom_area(ctx, valid), 50)) return 1;

    char *json = rtgeom_to_geojson(ctx, i, NULL, 3, 0);
    printf("geojson: %s\n", json);
    if (!strstr(json, "\"Polygon\"")) return 1;
    char *kml = rtgeom_to_kml2(ctx, i, 3, "");
    if (!kml || !strstr(kml, "<Polygon>")) { fprintf(stderr, "kml: %s\n", kml ? kml : "(null)"); return 1; }
    printf("GEOS %s\n", rtgeom_geos_version());
    rtgeom_free(ctx, a); rtgeom_free(ctx, b); rtgeom_free(ctx, i); rtgeom_free(ctx, u); rtgeom_free(ctx, d);
    rtgeom_finish(ctx);
    return 0;
}
