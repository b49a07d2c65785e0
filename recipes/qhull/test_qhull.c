/* Convex hull of the 8 corners of a 2x3x4 box and 100 points inside it, with the
   reentrant API: 8 hull vertices, 6 facets (merged), the box's volume and area. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include "libqhull_r/qhull_ra.h"

int main(void) {
    enum { DIM = 3, N = 108 };
    static coordT pts[N * DIM];
    int n = 0;
    for (int c = 0; c < 8; c++, n++) {
        pts[n * DIM + 0] = (c & 1) ? 2.0 : 0.0;
        pts[n * DIM + 1] = (c & 2) ? 3.0 : 0.0;
        pts[n * DIM + 2] = (c & 4) ? 4.0 : 0.0;
    }
    unsigned s = 12345;
    for (; n < N; n++)
        for (int d = 0; d < DIM; d++) {
            s = s * 1103515245u + 12345u;
            pts[n * DIM + d] = (0.05 + 0.9 * ((s >> 8) & 0xffff) / 65535.0) * (d + 2);
        }
    qhT qh_qh;
    qhT *qh = &qh_qh;
    QHULL_LIB_CHECK
    qh_zero(qh, stderr);
    char flags[] = "qhull FA";
    int exitcode = qh_new_qhull(qh, DIM, N, pts, False, flags, NULL, stderr);
    if (exitcode) return 1;
    int facets = qh->num_facets, vertices = qh->num_vertices;
    double volume = qh->totvol, area = qh->totarea;
    qh_freeqhull(qh, !qh_ALL);
    int curlong, totlong;
    qh_memfreeshort(qh, &curlong, &totlong);
    printf("qhull %s: %d vertices, %d facets, volume %.6f, area %.6f\n", qh_version, vertices, facets, volume, area);
    return !(vertices == 8 && facets == 6 && fabs(volume - 24.0) < 1e-9 && fabs(area - 52.0) < 1e-9);
}
