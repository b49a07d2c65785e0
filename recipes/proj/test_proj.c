/* Transform a point with the PROJ C API: needs proj.db, found without PROJ_DATA. */
#include <stdio.h>
#include <math.h>
#include <proj.h>

int main(void) {
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *p = proj_create_crs_to_crs(ctx, "EPSG:4326", "EPSG:3857", NULL);
    if (!p) { fprintf(stderr, "proj_create_crs_to_crs failed: %s\n", proj_context_errno_string(ctx, proj_context_errno(ctx))); return 1; }
    PJ_COORD c = proj_coord(48.8566, 2.3522, 0, 0); /* Paris, lat/lon order of EPSG:4326 */
    PJ_COORD out = proj_trans(p, PJ_FWD, c);
    PJ_INFO info = proj_info();
    printf("PROJ %s: x=%.1f y=%.1f\n", info.release, out.xy.x, out.xy.y);
    int ok = fabs(out.xy.x - 261845.7) < 1.0 && fabs(out.xy.y - 6250564.3) < 1.0;
    proj_destroy(p);
    proj_context_destroy(ctx);
    return ok ? 0 : 1;
}
