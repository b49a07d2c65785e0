/* Buffer a point and intersect two polygons through the reentrant C API. */
#include <stdio.h>
#include <geos_c.h>

int main(void) {
    GEOSContextHandle_t h = GEOS_init_r();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *a = GEOSWKTReader_read_r(h, r, "POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))");
    GEOSGeometry *b = GEOSWKTReader_read_r(h, r, "POLYGON((1 1, 3 1, 3 3, 1 3, 1 1))");
    GEOSGeometry *i = GEOSIntersection_r(h, a, b);
    double area = 0;
    GEOSArea_r(h, i, &area);
    printf("GEOS %s: intersection area %.1f\n", GEOSversion(), area);
    GEOSGeom_destroy_r(h, i); GEOSGeom_destroy_r(h, a); GEOSGeom_destroy_r(h, b);
    GEOSWKTReader_destroy_r(h, r);
    GEOS_finish_r(h);
    return area == 1.0 ? 0 : 1;
}
