#!/usr/bin/env bash
# The main job, end to end: build libtiff (and the libraries it links first) from real sources into wheels,
# publish them to the local index, install libtiff into a fresh virtual environment, run
# tiffinfo from the wheel and a C program compiled against it through pkgconf from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
.venv/bin/farm build libtiff

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
python3 -m venv "$demo/venv"
"$demo/venv/bin/pip" install -q --disable-pip-version-check --index-url "file://$PWD/index/simple/" wheelfarm-libtiff
"$demo/venv/bin/pip" install -q --disable-pip-version-check pkgconf
export PATH="$demo/venv/bin:$PATH"
cd "$demo"
cat > demo.c <<'C'
#include <stdio.h>
#include <tiffio.h>
int main(void) {
    TIFF *t = TIFFOpen("demo.tif", "w");
    if (!t) return 1;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 4); TIFFSetField(t, TIFFTAG_IMAGELENGTH, 1);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8); TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    unsigned char row[4] = {1, 2, 3, 4};
    TIFFWriteScanline(t, row, 0, 0);
    TIFFClose(t);
    printf("wrote demo.tif with %s\n", TIFFGetVersion());
    return 0;
}
C
echo "+ cc demo.c \$(pkgconf-pypi --cflags --libs libtiff-4)"
cc demo.c -o demo $(pkgconf-pypi --cflags --libs libtiff-4) -Wl,-rpath,"$(pkgconf-pypi --variable=libdir libtiff-4)"
./demo
echo "+ tiffinfo demo.tif"
tiffinfo demo.tif
echo "+ ldd ./demo | grep -E 'libtiff|libz|libjpeg'"
ldd ./demo | grep -E 'libtiff|libz|libjpeg'
