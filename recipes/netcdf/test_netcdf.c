/* Write a NetCDF-4 file (groups, a deflated chunked variable, attributes, an unlimited
 * dimension) and a CDF-5 classic-model file, read both back and compare. */
#include <stdio.h>
#include <string.h>
#include <netcdf.h>

#define NT 12
#define NY 20
#define NX 30
#define CHECK(call) do { int _s = (call); if (_s != NC_NOERR) { \
    fprintf(stderr, "%s: %s\n", #call, nc_strerror(_s)); return 1; } } while (0)

static float data[NT][NY][NX], back[NT][NY][NX];

static int write_file(const char *path, int mode, int deflate) {
    int nc, grp, dims[3], var;
    CHECK(nc_create(path, mode | NC_CLOBBER, &nc));
    CHECK(nc_put_att_text(nc, NC_GLOBAL, "title", 14, "farm test data"));
    grp = nc;
    if (mode & NC_NETCDF4) CHECK(nc_def_grp(nc, "model", &grp));
    CHECK(nc_def_dim(grp, "time", NC_UNLIMITED, &dims[0]));
    CHECK(nc_def_dim(grp, "y", NY, &dims[1]));
    CHECK(nc_def_dim(grp, "x", NX, &dims[2]));
    CHECK(nc_def_var(grp, "temperature", NC_FLOAT, 3, dims, &var));
    if (deflate) {
        size_t chunks[3] = {1, NY, NX};
        CHECK(nc_def_var_chunking(grp, var, NC_CHUNKED, chunks));
        CHECK(nc_def_var_deflate(grp, var, 1, 1, 5));
    }
    CHECK(nc_put_att_text(grp, var, "units", 1, "K"));
    float fill = -999.0f;
    CHECK(nc_put_att_float(grp, var, "_FillValue", NC_FLOAT, 1, &fill));
    CHECK(nc_enddef(nc));
    size_t start[3] = {0, 0, 0}, count[3] = {NT, NY, NX};
    CHECK(nc_put_vara_float(grp, var, start, count, &data[0][0][0]));
    CHECK(nc_close(nc));
    return 0;
}

static int read_file(const char *path, int netcdf4, int *format, int *deflated) {
    int nc, grp, var, shuffle, level;
    size_t len;
    CHECK(nc_open(path, NC_NOWRITE, &nc));
    CHECK(nc_inq_format(nc, format));
    grp = nc;
    if (netcdf4) CHECK(nc_inq_ncid(nc, "model", &grp));
    CHECK(nc_inq_varid(grp, "temperature", &var));
    CHECK(nc_inq_dimlen(grp, 0, &len));
    if (len != NT) { fprintf(stderr, "time has %zu records\n", len); return 1; }
    *deflated = 0;
    if (netcdf4) CHECK(nc_inq_var_deflate(grp, var, &shuffle, deflated, &level));
    memset(back, 0, sizeof back);
    CHECK(nc_get_var_float(grp, var, &back[0][0][0]));
    char units[8] = "";
    CHECK(nc_get_att_text(grp, var, "units", units));
    CHECK(nc_close(nc));
    return memcmp(data, back, sizeof data) != 0 || strcmp(units, "K") != 0;
}

int main(void) {
    for (int t = 0; t < NT; t++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) data[t][y][x] = 273.15f + t + 0.5f * y - 0.25f * x;
    int f4, f5, d4, d5;
    if (write_file("model4.nc", NC_NETCDF4, 1) || read_file("model4.nc", 1, &f4, &d4)) return 1;
    if (write_file("model5.nc", NC_64BIT_DATA, 0) || read_file("model5.nc", 0, &f5, &d5)) return 1;
    int ok = f4 == NC_FORMAT_NETCDF4 && d4 == 1 && f5 == NC_FORMAT_CDF5;
    printf("netCDF %s: NetCDF-4 (deflate %d) and CDF-5 round trips %s\n", nc_inq_libvers(), d4, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
