// Read back, through the C++ API, the dataset and attribute test_hdf5.c wrote.
#include <cstdio>
#include <string>
#include <vector>
#include <H5Cpp.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.h5";
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::DataSet values = file.openDataSet("/grid/values");
    hsize_t dims[2];
    values.getSpace().getSimpleExtentDims(dims);
    std::vector<int> data(dims[0] * dims[1]);
    values.read(data.data(), H5::PredType::NATIVE_INT);
    H5::Attribute units = values.openAttribute("units");
    std::string text;
    units.read(units.getStrType(), text);
    bool ok = dims[0] == 64 && dims[1] == 48 && data[63 * 48 + 2] == 63002 && text == "millimetres";
    std::printf("C++ API: %llux%llu, last row starts %d, units %s: %s\n", (unsigned long long)dims[0],
                (unsigned long long)dims[1], data[63 * 48], text.c_str(), ok ? "ok" : "DIFFERS");
    return ok ? 0 : 1;
}
