/* GDAL's C API end to end: create a GeoTIFF, read it back, write a GeoPackage layer.
 * Run with neither GDAL_DATA nor PROJ_DATA set: both libraries find their data themselves. */
#include <stdio.h>
#include <string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>

int main(void) {
    GDALAllRegister();
    const int n = 32;

    /* 1. a GeoTIFF in UTM 31N */
    GDALDriverH gtiff = GDALGetDriverByName("GTiff");
    if (!gtiff) { puts("no GTiff driver"); return 1; }
    char *opts[] = {"COMPRESS=DEFLATE", "TILED=YES", NULL};
    GDALDatasetH ds = GDALCreate(gtiff, "c_api.tif", n, n, 1, GDT_Int16, opts);
    double gt[6] = {500000, 10, 0, 5000000, 0, -10};
    GDALSetGeoTransform(ds, gt);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRImportFromEPSG(srs, 32631) != OGRERR_NONE) { puts("EPSG:32631 unknown: proj.db not found"); return 1; }
    GDALSetSpatialRef(ds, srs);
    short buf[32 * 32];
    for (int i = 0; i < n * n; i++) buf[i] = (short)(i % 1000);
    if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, n, n, buf, n, n, GDT_Int16, 0, 0) != CE_None) return 1;
    GDALClose(ds);

    /* 2. read it back */
    ds = GDALOpen("c_api.tif", GA_ReadOnly);
    if (!ds) return 1;
    short back[32 * 32];
    GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, n, n, back, n, n, GDT_Int16, 0, 0);
    int same = memcmp(buf, back, sizeof buf) == 0;
    const char *name = OSRGetName(GDALGetSpatialRef(ds));
    printf("GeoTIFF: %dx%d, %s, pixels %s\n", GDALGetRasterXSize(ds), GDALGetRasterYSize(ds), name, same ? "identical" : "DIFFER");
    GDALClose(ds);
    if (!same || !name || !strstr(name, "UTM zone 31N")) return 1;

    /* 3. a GeoPackage with one point layer */
    GDALDriverH gpkg = GDALGetDriverByName("GPKG");
    if (!gpkg) { puts("no GPKG driver"); return 1; }
    GDALDatasetH vds = GDALCreate(gpkg, "c_api.gpkg", 0, 0, 0, GDT_Unknown, NULL);
    OGRLayerH layer = GDALDatasetCreateLayer(vds, "cities", srs, wkbPoint, NULL);
    OGRFieldDefnH fld = OGR_Fld_Create("name", OFTString);
    OGR_L_CreateField(layer, fld, TRUE);
    OGR_Fld_Destroy(fld);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGR_F_SetFieldString(f, 0, "here");
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(pt, 0, 500160, 4999840);
    OGR_F_SetGeometry(f, pt);
    /* GEOS behind OGR: a buffer of 10 m has an area close to pi * 100 */
    OGRGeometryH buffered = OGR_G_Buffer(pt, 10, 30);
    double area = buffered ? OGR_G_Area(buffered) : 0;
    OGR_G_DestroyGeometry(buffered);
    OGR_G_DestroyGeometry(pt);
    if (area < 310 || area > 316) { printf("buffer area %.1f: GEOS missing?\n", area); return 1; }
    if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE) return 1;
    OGR_F_Destroy(f);
    GDALClose(vds);
    vds = GDALOpenEx("c_api.gpkg", GDAL_OF_VECTOR, NULL, NULL, NULL);
    long long count = OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(vds, "cities"), TRUE);
    printf("GeoPackage: %lld feature(s); GDAL %s\n", count, GDALVersionInfo("RELEASE_NAME"));
    GDALClose(vds);
    OSRDestroySpatialReference(srs);
    return count == 1 ? 0 : 1;
}
