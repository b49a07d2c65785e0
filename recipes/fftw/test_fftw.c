#include <fftw3.h>
#include <math.h>
#include <stdio.h>

/* a forward and backward transform in both precisions, threaded in double: the input comes back */
int main(void) {
    enum { N = 1024 };
    if (!fftw_init_threads()) return 1;
    fftw_plan_with_nthreads(2);
    fftw_complex *a = fftw_alloc_complex(N), *b = fftw_alloc_complex(N);
    fftw_plan fwd = fftw_plan_dft_1d(N, a, b, FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_plan bwd = fftw_plan_dft_1d(N, b, a, FFTW_BACKWARD, FFTW_ESTIMATE);
    for (int i = 0; i < N; i++) { a[i][0] = sin(i * 0.1); a[i][1] = 0; }
    fftw_execute(fwd);
    fftw_execute(bwd);
    double err = 0;
    for (int i = 0; i < N; i++) err = fmax(err, fabs(a[i][0] / N - sin(i * 0.1)));

    fftwf_complex *c = fftwf_alloc_complex(N);
    fftwf_plan f = fftwf_plan_dft_1d(N, c, c, FFTW_FORWARD, FFTW_ESTIMATE);
    for (int i = 0; i < N; i++) { c[i][0] = 1; c[i][1] = 0; }
    fftwf_execute(f);
    printf("fftw %s: round trip error %g, DC %g\n", fftw_version, err, c[0][0]);
    int ok = err < 1e-12 && fabsf(c[0][0] - N) < 1e-3f;
    fftw_destroy_plan(fwd); fftw_destroy_plan(bwd); fftwf_destroy_plan(f);
    fftw_free(a); fftw_free(b); fftwf_free(c);
    fftw_cleanup_threads();
    return ok ? 0 : 2;
}
