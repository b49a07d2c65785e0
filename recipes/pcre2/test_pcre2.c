/* Compile a pattern with named groups, match it with and without the JIT, substitute. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    int err;
    PCRE2_SIZE erroff;
    const char *pat = "(?<y>\\d{4})-(?<m>\\d{2})-(?<d>\\d{2})";
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &erroff, NULL);
    if (!re) { fprintf(stderr, "compile failed at %zu\n", (size_t)erroff); return 1; }
    const char *subject = "released on 2023-01-02, patched 2024-06-30";
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, strlen(subject), 0, 0, md, NULL);
    if (rc != 4) { fprintf(stderr, "match rc=%d\n", rc); return 1; }
    PCRE2_UCHAR buf[16]; PCRE2_SIZE len = sizeof buf;
    if (pcre2_substring_copy_byname(md, (PCRE2_SPTR)"m", buf, &len) != 0 || strcmp((char *)buf, "01") != 0) {
        fprintf(stderr, "named group m wrong\n"); return 1;
    }
    if (pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0) { fprintf(stderr, "JIT unavailable\n"); return 1; }
    rc = pcre2_jit_match(re, (PCRE2_SPTR)subject, strlen(subject), 25, 0, md, NULL);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (rc != 4 || ov[0] != 32) { fprintf(stderr, "jit match rc=%d at %zu\n", rc, (size_t)ov[0]); return 1; }
    PCRE2_UCHAR out[128]; PCRE2_SIZE outlen = sizeof out;
    rc = pcre2_substitute(re, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_EXTENDED,
                          md, NULL, (PCRE2_SPTR)"${d}/${m}/${y}", PCRE2_ZERO_TERMINATED, out, &outlen);
    if (rc != 2 || strcmp((char *)out, "released on 02/01/2023, patched 30/06/2024") != 0) {
        fprintf(stderr, "substitute rc=%d: %s\n", rc, (char *)out); return 1;
    }
    char ver[32]; pcre2_config(PCRE2_CONFIG_VERSION, ver);
    printf("PCRE2 %s: %s\n", ver, (char *)out);
    pcre2_match_data_free(md); pcre2_code_free(re);
    return 0;
}
