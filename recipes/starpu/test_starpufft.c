/* A 1-D forward FFT through StarPU-FFT on CPU workers only (FFTW): a unit impulse at index 1
 * transforms to exp(-2 pi i k / n); both precisions. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <starpu.h>
#include <starpufft.h>

#define N 4096 /* the 1-D plans split n into 64 x 64 x n/4096 */

int main(void) {
    struct starpu_conf conf;
    starpu_conf_init(&conf);
    conf.ncuda = 0;
    conf.nopencl = 0;
    if (starpu_init(&conf) != 0) { fprintf(stderr, "starpu_init failed\n"); return 1; }
    if (starpu_cpu_worker_get_count() < 1) { fprintf(stderr, "no CPU worker\n"); return 2; }

    starpufft_complex *in = starpufft_malloc(N * sizeof(*in)), *out = starpufft_malloc(N * sizeof(*out));
    starpufftf_complex *inf = starpufftf_malloc(N * sizeof(*inf)), *outf = starpufftf_malloc(N * sizeof(*outf));
    for (int i = 0; i < N; i++) { in[i] = i == 1; inf[i] = i == 1; }

    starpufft_plan plan = starpufft_plan_dft_1d(N, STARPUFFT_FORWARD, 0);
    starpufftf_plan planf = starpufftf_plan_dft_1d(N, STARPUFFT_FORWARD, 0);
    if (starpufft_execute(plan, in, out) != 0 || starpufftf_execute(planf, inf, outf) != 0) {
        fprintf(stderr, "starpufft_execute failed\n");
        return 3;
    }
    double err = 0, errf = 0;
    for (int k = 0; k < N; k++) {
        double complex want = cexp(-2 * M_PI * I * k / N);
        err = fmax(err, cabs(out[k] - want));
        errf = fmax(errf, cabs(outf[k] - want));
    }
    starpufft_destroy_plan(plan);
    starpufftf_destroy_plan(planf);
    starpufft_free(in); starpufft_free(out); starpufftf_free(inf); starpufftf_free(outf);
    starpu_shutdown();
    printf("starpufft %d-point: max error %g (double), %g (float)\n", N, err, errf);
    return err < 1e-10 && errf < 1e-4 ? 0 : 4;
}
