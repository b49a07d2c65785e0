/* Multiplies matrices and solves a linear system through CBLAS and LAPACKE, checking the answers. */
#ifdef ILP64  /* the ILP64 build's symbols carry the 64_ suffix */
#define LAPACK_ILP64
#define cblas_dgemm cblas_dgemm64_
#define LAPACKE_dgesv LAPACKE_dgesv64_
#define openblas_get_config openblas_get_config64_
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <cblas.h>
#include <lapacke.h>

#define N 200

int main(void) {
    double *a = malloc(sizeof(double) * N * N), *b = malloc(sizeof(double) * N * N);
    double *c = malloc(sizeof(double) * N * N), *x = malloc(sizeof(double) * N), *rhs = malloc(sizeof(double) * N);
    lapack_int *ipiv = malloc(sizeof(lapack_int) * N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i * N + j] = (i == j) ? N + 1.0 : 1.0 / (1.0 + i + j);  /* diagonally dominant */
            b[i * N + j] = (i == j) ? 1.0 : 0.0;                      /* identity */
        }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, b, N, 0.0, c, N);
    for (int k = 0; k < N * N; k++)
        if (fabs(c[k] - a[k]) > 1e-12) { printf("dgemm wrong at %d\n", k); return 1; }
    for (int i = 0; i < N; i++) {  /* rhs = A * (1, 2, ..., N) */
        rhs[i] = 0;
        for (int j = 0; j < N; j++) rhs[i] += a[i * N + j] * (j + 1);
    }
    lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, N, 1, a, N, ipiv, rhs, 1);
    if (info != 0) { printf("dgesv info %d\n", (int)info); return 2; }
    for (int i = 0; i < N; i++)
        if (fabs(rhs[i] - (i + 1)) > 1e-9) { printf("dgesv wrong at %d: %g\n", i, rhs[i]); return 3; }
    printf("dgemm and dgesv (n=%d) correct; %s\n", N, openblas_get_config());
    free(a); free(b); free(c); free(x); free(rhs); free(ipiv);
    return 0;
}
