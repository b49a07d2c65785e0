/* Write a deflate-compressed, chunked 2-D dataset with attributes (core and high-level API),
 * close the file, open it again, read everything back and compare. */
#include <stdio.h>
#include <string.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#define NY 64
#define NX 48

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.h5";
    static int data[NY][NX], back[NY][NX];
    for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) data[y][x] = y * 1000 + x;

    unsigned maj, min, rel;
    hbool_t ts = 0;
    H5get_libversion(&maj, &min, &rel);
    H5is_library_threadsafe(&ts);
    if (!H5Zfilter_avail(H5Z_FILTER_DEFLATE)) { puts("no deflate filter"); return 1; }

    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[2] = {NY, NX}, chunk[2] = {16, 16};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 6);
    hid_t g = H5Gcreate2(f, "/grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t d = H5Dcreate2(g, "values", H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) { puts("write failed"); return 1; }
    H5Dclose(d); H5Gclose(g); H5Pclose(dcpl); H5Sclose(space);
    /* the high-level library: a string attribute and a small dataset */
    H5LTset_attribute_string(f, "/grid/values", "units", "millimetres");
    double scale[3] = {0.5, 0.25, 0.125};
    hsize_t three = 3;
    H5LTmake_dataset_double(f, "/scale", 1, &three, scale);
    H5Fclose(f);

    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "/grid/values", H5P_DEFAULT);
    dcpl = H5Dget_create_plist(d);
    unsigned flags, cd[4]; size_t ncd = 4; char name[32];
    int found = 0;
    for (int i = 0; i < H5Pget_nfilters(dcpl); i++)
        if (H5Pget_filter2(dcpl, i, &flags, &ncd, cd, sizeof name, name, NULL) == H5Z_FILTER_DEFLATE) found = 1;
    H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back);
    hsize_t stored = H5Dget_storage_size(d);
    H5Pclose(dcpl); H5Dclose(d);
    char units[32] = "";
    double sback[3] = {0};
    H5LTget_attribute_string(f, "/grid/values", "units", units);
    H5LTread_dataset_double(f, "/scale", sback);
    H5Fclose(f);

    int ok = found && memcmp(data, back, sizeof data) == 0 && strcmp(units, "millimetres") == 0
             && sback[2] == 0.125 && stored < sizeof data;
    printf("HDF5 %u.%u.%u (thread-safe: %s): deflate %s, %llu of %zu bytes stored, round trip %s\n",
           maj, min, rel, ts ? "yes" : "no", found ? "on" : "MISSING", (unsigned long long)stored, sizeof data,
           ok ? "ok" : "DIFFERS");
    return ok && ts ? 0 : 1;
}
