/* Fetch a URL (a file:// one in the tests) into memory with the easy API. */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>

static size_t sink(char *data, size_t size, size_t n, void *user) {
    size_t *total = user;
    *total += size * n;
    return size * n;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    size_t total = 0;
    curl_easy_setopt(h, CURLOPT_URL, argv[1]);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &total);
    CURLcode rc = curl_easy_perform(h);
    curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    printf("libcurl %s (%s): %s, %zu bytes\n", v->version, v->ssl_version, curl_easy_strerror(rc), total);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc == CURLE_OK && total > 0 ? 0 : 1;
}
