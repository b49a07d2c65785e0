#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <cblas.h>
#include <lapacke.h>

/* Lists of lists of floats <-> row-major arrays. */
static double *to_matrix(PyObject *rows, Py_ssize_t *n_rows, Py_ssize_t *n_cols) {
    PyObject *seq = PySequence_Fast(rows, "expected a list of rows");
    if (!seq) return NULL;
    Py_ssize_t r = PySequence_Fast_GET_SIZE(seq), c = -1;
    double *out = NULL;
    for (Py_ssize_t i = 0; i < r; i++) {
        PyObject *row = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, i), "expected rows of numbers");
        if (!row) goto fail;
        if (c < 0) {
            c = PySequence_Fast_GET_SIZE(row);
            out = malloc(sizeof(double) * (size_t)(r * (c ? c : 1)));
        } else if (PySequence_Fast_GET_SIZE(row) != c) {
            Py_DECREF(row);
            PyErr_SetString(PyExc_ValueError, "rows of different lengths");
            goto fail;
        }
        for (Py_ssize_t j = 0; j < c; j++) out[i * c + j] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(row, j));
        Py_DECREF(row);
        if (PyErr_Occurred()) goto fail;
    }
    Py_DECREF(seq);
    *n_rows = r;
    *n_cols = c < 0 ? 0 : c;
    return out;
fail:
    Py_DECREF(seq);
    free(out);
    return NULL;
}

static PyObject *from_matrix(const double *m, Py_ssize_t r, Py_ssize_t c) {
    PyObject *out = PyList_New(r);
    for (Py_ssize_t i = 0; i < r; i++) {
        PyObject *row = PyList_New(c);
        for (Py_ssize_t j = 0; j < c; j++) PyList_SET_ITEM(row, j, PyFloat_FromDouble(m[i * c + j]));
        PyList_SET_ITEM(out, i, row);
    }
    return out;
}

static PyObject *matmul(PyObject *self, PyObject *args) {
    PyObject *pa, *pb;
    if (!PyArg_ParseTuple(args, "OO", &pa, &pb)) return NULL;
    Py_ssize_t ar, ac, br, bc;
    double *a = to_matrix(pa, &ar, &ac);
    if (!a) return NULL;
    double *b = to_matrix(pb, &br, &bc);
    if (!b) { free(a); return NULL; }
    if (ac != br) { free(a); free(b); PyErr_SetString(PyExc_ValueError, "shapes do not match"); return NULL; }
    double *c = calloc((size_t)(ar * bc), sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)ar, (blasint)bc, (blasint)ac, 1.0, a,
                (blasint)ac, b, (blasint)bc, 0.0, c, (blasint)bc);
    PyObject *out = from_matrix(c, ar, bc);
    free(a); free(b); free(c);
    return out;
}

static PyObject *solve(PyObject *self, PyObject *args) {
    PyObject *pa, *pb;
    if (!PyArg_ParseTuple(args, "OO", &pa, &pb)) return NULL;
    Py_ssize_t n, ac, br, bc;
    double *a = to_matrix(pa, &n, &ac);
    if (!a) return NULL;
    double *b = to_matrix(pb, &br, &bc);
    if (!b) { free(a); return NULL; }
    if (ac != n || br != n) { free(a); free(b); PyErr_SetString(PyExc_ValueError, "need square A and matching B"); return NULL; }
    lapack_int *ipiv = malloc(sizeof(lapack_int) * (size_t)(n ? n : 1));
    lapack_int info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, (lapack_int)n, (lapack_int)bc, a, (lapack_int)n, ipiv, b, (lapack_int)bc);
    PyObject *out = info == 0 ? from_matrix(b, n, bc) : NULL;
    if (info != 0) PyErr_Format(PyExc_ArithmeticError, "dgesv failed (info=%d)", (int)info);
    free(a); free(b); free(ipiv);
    return out;
}

static PyMethodDef methods[] = {
    {"matmul", matmul, METH_VARARGS, "A @ B through cblas_dgemm"},
    {"solve", solve, METH_VARARGS, "solve A X = B through LAPACKE_dgesv"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
