#include <stdio.h>
#include <ucp/api/ucp.h>

int main(void) {
    unsigned major, minor, release;
    ucp_get_version(&major, &minor, &release);
    printf("ucp %u.%u.%u (%s)\n", major, minor, release, ucp_get_version_string());

    ucp_params_t params = {.field_mask = UCP_PARAM_FIELD_FEATURES, .features = UCP_FEATURE_TAG};
    ucp_config_t *config;
    ucp_context_h context;
    if (ucp_config_read(NULL, NULL, &config) != UCS_OK) return 1;
    ucs_status_t status = ucp_init(&params, config, &context);
    ucp_config_release(config);
    if (status != UCS_OK) {
        fprintf(stderr, "ucp_init: %s\n", ucs_status_string(status));
        return 2;
    }
    ucp_worker_params_t wparams = {.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE,
                                   .thread_mode = UCS_THREAD_MODE_SINGLE};
    ucp_worker_h worker;
    if (ucp_worker_create(context, &wparams, &worker) != UCS_OK) return 3;
    ucp_worker_destroy(worker);
    ucp_cleanup(context);
    return major == 1 && minor == 13 ? 0 : 4;
}
