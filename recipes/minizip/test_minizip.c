/* Write a zip (one member deflated at level 9 in a folder, one stored), read it back member
 * by member: names, sizes, contents; unzCloseCurrentFile checks each member's CRC. */
#include <zip.h>
#include <unzip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(zipFile zf, const char *name, const char *data, size_t len, int method, int level) {
    zip_fileinfo zi;
    memset(&zi, 0, sizeof zi);
    if (zipOpenNewFileInZip64(zf, name, &zi, NULL, 0, NULL, 0, "farm test", method, level, 0) != ZIP_OK) return 1;
    if (zipWriteInFileInZip(zf, data, (unsigned)len) != ZIP_OK) return 1;
    return zipCloseFileInZip(zf) != ZIP_OK;
}

static int check(unzFile uf, const char *name, const char *want, size_t len, int method) {
    if (unzLocateFile(uf, name, 1) != UNZ_OK) { fprintf(stderr, "%s not found\n", name); return 1; }
    unz_file_info64 info;
    char got_name[256];
    if (unzGetCurrentFileInfo64(uf, &info, got_name, sizeof got_name, NULL, 0, NULL, 0) != UNZ_OK) return 1;
    if (info.uncompressed_size != len || (unsigned)info.compression_method != (unsigned)method) {
        fprintf(stderr, "%s: size %llu method %lu\n", name, (unsigned long long)info.uncompressed_size, info.compression_method);
        return 1;
    }
    char *buf = malloc(len + 1);
    if (unzOpenCurrentFile(uf) != UNZ_OK) return 1;
    int n = unzReadCurrentFile(uf, buf, (unsigned)len + 1);
    int crc = unzCloseCurrentFile(uf);
    int bad = n != (int)len || memcmp(buf, want, len) != 0 || crc != UNZ_OK;
    if (bad) fprintf(stderr, "%s: read %d, crc status %d\n", name, n, crc);
    free(buf);
    return bad;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    size_t cap = 200000, len = 0;
    char *numbers = malloc(cap);
    for (int i = 0; len < cap - 16; i++) len += (size_t)snprintf(numbers + len, cap - len, "%d\n", i);
    const char *hello = "hello, zip\n";

    zipFile zf = zipOpen64(argv[1], APPEND_STATUS_CREATE);
    if (!zf) { fprintf(stderr, "cannot create %s\n", argv[1]); return 1; }
    if (add(zf, "data/numbers.txt", numbers, len, Z_DEFLATED, 9) || add(zf, "hello.txt", hello, strlen(hello), 0, 0)) {
        fprintf(stderr, "writing failed\n"); return 1;
    }
    if (zipClose(zf, "written by test_minizip") != ZIP_OK) return 1;

    unzFile uf = unzOpen64(argv[1]);
    if (!uf) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
    unz_global_info64 gi;
    if (unzGetGlobalInfo64(uf, &gi) != UNZ_OK || gi.number_entry != 2) { fprintf(stderr, "entries wrong\n"); return 1; }
    char comment[64];
    if (unzGetGlobalComment(uf, comment, sizeof comment) < 0 || strcmp(comment, "written by test_minizip") != 0) return 1;
    if (check(uf, "data/numbers.txt", numbers, len, Z_DEFLATED) || check(uf, "hello.txt", hello, strlen(hello), 0)) return 1;
    unzClose(uf);
    printf("minizip: %zu + %zu bytes round-tripped through %s\n", len, strlen(hello), argv[1]);
    free(numbers);
    return 0;
}
