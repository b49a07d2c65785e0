/* A GDAL plugin: a driver registered from lib/gdalplugins/gdal_FarmProbe.so, which
 * libgdal must find beside itself with GDAL_DRIVER_PATH unset. */
#include "gdal.h"

void GDALRegister_FarmProbe(void);

void GDALRegister_FarmProbe(void)
{
    if (GDALGetDriverByName("FarmProbe") != NULL)
        return;
    GDALDriverH driver = GDALCreateDriver();
    GDALSetDescription(driver, "FarmProbe");
    GDALSetMetadataItem(driver, GDAL_DCAP_RASTER, "YES", NULL);
    GDALSetMetadataItem(driver, GDAL_DMD_LONGNAME, "wheelfarm plugin probe", NULL);
    GDALRegisterDriver(driver);
}
