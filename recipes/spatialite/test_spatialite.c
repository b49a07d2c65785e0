/* libspatialite from C: a connection with SpatiaLite's functions, a geometry built with the
 * gaia API and bound as a BLOB, transformed by PROJ and buffered by GEOS in SQL. */
#include <sqlite3.h>
#include <spatialite/gaiageo.h>
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    sqlite3 *db;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) return 1;
    void *cache = spatialite_alloc_connection();
    spatialite_init_ex(db, cache, 0);
    printf("SpatiaLite %s\n", spatialite_version());
    char *err = NULL;
    if (sqlite3_exec(db, "SELECT InitSpatialMetaData(1)", NULL, NULL, &err) != SQLITE_OK) { fprintf(stderr, "%s\n", err); return 1; }

    gaiaGeomCollPtr g = gaiaAllocGeomColl();
    g->Srid = 4326;
    gaiaAddPointToGeomColl(g, 4.8357, 45.7640);
    unsigned char *blob; int size;
    gaiaToSpatiaLiteBlobWkb(g, &blob, &size);
    gaiaFreeGeomColl(g);

    sqlite3_stmt *st;
    const char *sql = "SELECT X(t), Y(t), ST_Area(ST_Buffer(t, 1000)) FROM (SELECT ST_Transform(?, 2154) AS t)";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_bind_blob(st, 1, blob, size, free);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) == SQLITE_NULL) { fprintf(stderr, "no transform: %s\n", sqlite3_errmsg(db)); return 1; }
    double x = sqlite3_column_double(st, 0), y = sqlite3_column_double(st, 1), area = sqlite3_column_double(st, 2);
    sqlite3_finalize(st);
    /* Lyon in Lambert-93: about (842000, 6519000) */
    printf("Lyon in EPSG:2154: %.1f %.1f, 1 km buffer %.0f m2\n", x, y, area);
    if (x < 840000 || x > 845000 || y < 6517000 || y > 6521000 || area < 3.13e6 || area > 3.142e6) return 1;

    /* the gaia API reads the WKB SQL gives back; GEOS (reentrant, through the cache) measures it */
    if (sqlite3_prepare_v2(db, "SELECT AsBinary(GeomFromText('LINESTRING(0 0, 3 4, 3 10)'))", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) return 1;
    gaiaGeomCollPtr line = gaiaFromWkb(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    double len = 0;
    if (!line || line->FirstLinestring == NULL || line->FirstLinestring->Points != 3 || !gaiaGeomCollLength_r(cache, line, &len) || len != 11.0) { fprintf(stderr, "length %g\n", len); return 1; }
    gaiaFreeGeomColl(line);

    sqlite3_close(db);
    spatialite_cleanup_ex(cache);
    spatialite_shutdown();
    return 0;
}
