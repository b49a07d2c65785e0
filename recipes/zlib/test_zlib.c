#include <stdio.h>
#include <string.h>
#include <zlib.h>

int main(void) {
    const char *text = "wheelfarm wheelfarm wheelfarm wheelfarm";
    unsigned char packed[128], unpacked[128];
    uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
    if (compress(packed, &packed_len, (const Bytef *)text, strlen(text) + 1) != Z_OK) return 1;
    if (uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK) return 2;
    if (strcmp(text, (const char *)unpacked) != 0) return 3;
    printf("zlib %s: %lu -> %lu bytes and back\n", zlibVersion(), (unsigned long)(strlen(text) + 1),
           (unsigned long)packed_len);
    return 0;
}
