/* The GNU Fortran runtime entry points that OpenBLAS's LAPACK calls, for toolchains whose
 * libgfortran.a cannot go into a shared library (Debian's is built for executables only).
 *
 * Compiled LAPACK needs three things from libgfortran: concatenating strings whose length is
 * known only at run time (ILAENV's option strings, e.g. SIDE // TRANS), CPU_TIME (SECOND and
 * DSECND) and, with 64-bit integers (the ILP64 build), a real raised to an integer power.
 * Linking libgfortran.so.5 for them would put 3.3 MB of runtime (libgfortran and
 * libquadmath) in the wheel. These definitions follow libgfortran's documented ABI
 * (symbol version GFORTRAN_8, lengths as size_t) and are hidden: they bind inside
 * libopenblas only and never interpose on another library's libgfortran.
 *
 * build.sh links this object ahead of libgfortran with --as-needed, so should LAPACK ever
 * call anything else of the runtime, libgfortran.so.5 is linked (and grafted) as before.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define ENTRY __attribute__((visibility("hidden")))

/* dest(1:destlen) = s1(1:len1) // s2(1:len2), truncated or padded with blanks */
ENTRY void _gfortran_concat_string(size_t destlen, char *dest, size_t len1, const char *s1,
                                   size_t len2, const char *s2)
{
    if (len1 >= destlen) {
        memcpy(dest, s1, destlen);
        return;
    }
    memcpy(dest, s1, len1);
    dest += len1;
    destlen -= len1;
    if (len2 >= destlen) {
        memcpy(dest, s2, destlen);
        return;
    }
    memcpy(dest, s2, len2);
    memset(dest + len2, ' ', destlen - len2);
}

/* CPU_TIME: the process's processor time in seconds, or -1 where there is no such clock */
static double process_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return -1.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ENTRY void _gfortran_cpu_time_4(float *seconds)
{
    *seconds = (float)process_seconds();
}

ENTRY void _gfortran_cpu_time_8(double *seconds)
{
    *seconds = process_seconds();
}

/* x ** n for a 64-bit integer n, by repeated squaring, as libgfortran computes it (with a
 * 32-bit n, gfortran calls libgcc's __powidf2 instead) */
#define POWER(name, real)                                   \
    ENTRY real name(real x, int64_t n)                      \
    {                                                       \
        real power = 1;                                     \
        uint64_t u = n < 0 ? -(uint64_t)n : (uint64_t)n;    \
        if (n == 0)                                         \
            return power;                                   \
        if (n < 0)                                          \
            x = power / x;                                  \
        for (;;) {                                          \
            if (u & 1)                                      \
                power *= x;                                 \
            u >>= 1;                                        \
            if (!u)                                         \
                return power;                               \
            x *= x;                                         \
        }                                                   \
    }

POWER(_gfortran_pow_r4_i8, float)
POWER(_gfortran_pow_r8_i8, double)
