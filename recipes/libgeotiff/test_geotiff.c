/* Writes a GeoTIFF in UTM zone 31N (EPSG:32631) with a tie point and pixel scale, reads
   it back, and normalizes its definition through PROJ's database: datum, zone, units. */
#include <stdio.h>
#include <string.h>
#include <geotiffio.h>
#include <geo_normalize.h>
#include <xtiffio.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "utm.tif";
    TIFF *tif = XTIFFOpen(path, "w");
    if (!tif) return 1;
    GTIF *gtif = GTIFNew(tif);
    if (!gtif) return 2;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 16);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 16);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 16);
    double tie[6] = {0, 0, 0, 500000, 5000000, 0}, scale[3] = {10, 10, 0};
    TIFFSetField(tif, TIFFTAG_GEOTIEPOINTS, 6, tie);
    TIFFSetField(tif, TIFFTAG_GEOPIXELSCALE, 3, scale);
    GTIFKeySet(gtif, GTModelTypeGeoKey, TYPE_SHORT, 1, ModelProjected);
    GTIFKeySet(gtif, GTRasterTypeGeoKey, TYPE_SHORT, 1, RasterPixelIsArea);
    GTIFKeySet(gtif, ProjectedCSTypeGeoKey, TYPE_SHORT, 1, 32631);
    GTIFKeySet(gtif, GTCitationGeoKey, TYPE_ASCII, 0, "WGS 84 / UTM zone 31N");
    unsigned char row[16];
    for (int y = 0; y < 16; y++) {
        memset(row, y * 16, sizeof row);
        if (TIFFWriteScanline(tif, row, y, 0) < 0) return 3;
    }
    GTIFWriteKeys(gtif);
    GTIFFree(gtif);
    XTIFFClose(tif);

    tif = XTIFFOpen(path, "r");
    if (!tif) return 4;
    gtif = GTIFNew(tif);
    if (!gtif) return 5;
    GTIFDefn defn;
    if (!GTIFGetDefn(gtif, &defn)) return 6;
    double x = 8, y = 8;
    if (!GTIFImageToPCS(gtif, &x, &y)) return 7;
    char citation[64] = "";
    GTIFKeyGet(gtif, GTCitationGeoKey, citation, 0, sizeof citation);
    printf("libgeotiff %d: PCS %d, datum %d, zone %d, unit %d, pixel (8,8) at %.0f %.0f, \"%s\"\n",
           LIBGEOTIFF_VERSION, defn.PCS, defn.Datum, defn.MapSys == MapSys_UTM_North ? defn.Zone : -1,
           defn.UOMLength, x, y, citation);
    int ok = defn.PCS == 32631 && defn.Datum == Datum_WGS84 && defn.MapSys == MapSys_UTM_North
             && defn.Zone == 31 && defn.UOMLength == Linear_Meter && x == 500080 && y == 4999920
             && strcmp(citation, "WGS 84 / UTM zone 31N") == 0;
    GTIFFree(gtif);
    XTIFFClose(tif);
    return ok ? 0 : 8;
}
