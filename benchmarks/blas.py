"""DGEMM and DGESV throughput and sizes: wheelfarm-openblas against scipy-openblas32.

Installs each into its own fresh virtual environment (ours from the farm's index, the
anchors from the configured package index), runs the same ctypes driver in each with the
same number of threads, ours and the anchor alternately for several rounds, and prints each
one's best GFLOP/s, the sizes and the ratios. The target is on DGEMM and DGESV; DTRSM on a
64-row panel (the triangular solves inside DGESV's factorisation) is printed beside them,
without a target, because that is where a build's code alignment shows first.

Sizes are the wheels' bytes and each wheel's shared objects (the OpenBLAS library and any
GCC Fortran runtime grafted beside it). When the index also holds our ILP64 wheel
(wheelfarm-openblas64), it is measured the same way against scipy-openblas64.

    python benchmarks/blas.py [--index index] [--threads 2] [--sizes 1000 2000 4000] [--rounds 5]
                              [--column-major]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from farm.index import newest_release

ROOT = Path(__file__).resolve().parent.parent

#: order of the unit lower triangle in the DTRSM measurement, a panel like those DGESV solves against
TRSM_ROWS = 64

#: runs inside each venv: argv = kind threads layout sizes... (layout: 101 row-major, 102 column-major)
#: kinds: ours / scipy32 (LP64); ours64 / scipy64 (ILP64, 64_-suffixed symbols, 64-bit integers)
DRIVER = r'''
TRSM_M = %d
import ctypes, importlib, json, sys, time
import numpy as np
kind, threads, layout, sizes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
p, sfx, I, ipiv_t = "", "", ctypes.c_int32, np.int32
if kind.endswith("64"):
    sfx, I, ipiv_t = "64_", ctypes.c_int64, np.int64
if kind.startswith("ours"):
    lib = importlib.import_module("wheelfarm.openblas" + ("64" if sfx else "")).load_library()[0]
else:
    m = importlib.import_module("scipy_openblas" + ("64" if sfx else "32"))
    lib = ctypes.CDLL(m.get_lib_dir() + "/lib" + m.get_library() + ".so"); p = "scipy_"
sym = lambda name: getattr(lib, p + name + sfx)
sym("openblas_set_num_threads")(threads)
cfg = sym("openblas_get_config"); cfg.restype = ctypes.c_char_p
dgemm = sym("cblas_dgemm")
dgesv = sym("LAPACKE_dgesv")
dtrsm = sym("cblas_dtrsm")
P = ctypes.POINTER(ctypes.c_double)
time.sleep(1)  # let the threads the loader started settle before timing
out = {"config": cfg().decode(), "dgemm": {}, "dgesv": {}, "dtrsm": {}}
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.random((n, n)); b = rng.random((n, n)); c = np.zeros((n, n))
    # best of several: more for the short runs (a DGESV at n=1000 takes ~20 ms), where one
    # scheduler hiccup on a small machine moves the number most
    reps = max(4, int(2e10 / n**3))
    best = 1e9
    for _ in range(reps):
        t = time.perf_counter()
        dgemm(101, 111, 111, I(n), I(n), I(n), ctypes.c_double(1.0), a.ctypes.data_as(P), I(n),
              b.ctypes.data_as(P), I(n), ctypes.c_double(0.0), c.ctypes.data_as(P), I(n))
        best = min(best, time.perf_counter() - t)
    # checked without numpy's own BLAS, whose threads would otherwise spin beside the ones timed
    assert all(abs(c[i, j] - (a[i, :] * b[:, j]).sum()) < 1e-9 * n for i, j in ((0, 0), (n - 1, 3), (7, n - 2)))
    out["dgemm"][n] = 2 * n**3 / best / 1e9
    best = 1e9
    for _ in range(reps + 2):
        m_ = a + n * np.eye(n); rhs = rng.random((n, 1)); x = rhs.copy(); ipiv = np.zeros(n, dtype=ipiv_t)
        t = time.perf_counter()
        info = dgesv(layout, I(n), I(1), m_.ctypes.data_as(P), I(n), ipiv.ctypes.data_as(ctypes.POINTER(I)),
                     x.ctypes.data_as(P), I(1 if layout == 101 else n))
        best = min(best, time.perf_counter() - t)
        solved = a + n * np.eye(n)  # column-major, LAPACKE reads the same memory as its transpose
        residual = ((solved if layout == 101 else solved.T) * x[:, 0]).sum(axis=1) - rhs[:, 0]
        assert info == 0 and abs(residual).max() < 1e-9
    out["dgesv"][n] = (2 / 3 * n**3 + 2 * n**2) / best / 1e9
    # DTRSM on a panel: a unit lower triangle of order TRSM_M against n right-hand sides,
    # column-major, the shape of the triangular solves inside DGESV's factorisation
    t_m = TRSM_M; tri = np.asfortranarray(np.tril(rng.random((t_m, t_m)), -1) + np.eye(t_m))
    rhs0 = np.asfortranarray(rng.random((t_m, n))); best = 1e9
    for _ in range(reps + 2):
        x = rhs0.copy(order="F")
        t = time.perf_counter()
        dtrsm(102, 141, 122, 111, 132, I(t_m), I(n), ctypes.c_double(1.0), tri.ctypes.data_as(P), I(t_m),
              x.ctypes.data_as(P), I(t_m))
        best = min(best, time.perf_counter() - t)
    assert abs(tri @ x - rhs0).max() < 1e-8
    out["dtrsm"][n] = t_m * t_m * n / best / 1e9
print(json.dumps(out))
''' % TRSM_ROWS


#: what the driver measures, and those the throughput target is set on
OPS = ("dgemm", "dgesv", "dtrsm")
TARGETS = ("dgemm", "dgesv")


def venv(where: Path, *install: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    py = where / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *install], check=True)
    return py


def shared_objects(wheel: Path) -> dict[str, tuple[int, int]]:
    """Each shared object in ``wheel``: basename -> (bytes, compressed bytes); dev-link ld scripts left out."""
    with zipfile.ZipFile(wheel) as zf:
        return {Path(i.filename).name: (i.file_size, i.compress_size) for i in zf.infolist()
                if ".so" in Path(i.filename).name and i.file_size > 4096}


def describe(objects: dict[str, tuple[int, int]]) -> str:
    blas = sum(s for n, (s, _) in objects.items() if "openblas" in n)
    runtime = sum(s for n, (s, _) in objects.items() if "openblas" not in n)
    packed = sum(c for _, c in objects.values())
    return f"{blas + runtime:,} B ({blas:,} OpenBLAS + {runtime:,} Fortran runtime), {packed:,} B compressed"


def table(results: dict[str, dict[str, Any]], ours: str, ref: str, sizes: list[int]) -> float:
    """Print GFLOP/s of ``ours`` against ``ref`` and their ratios; return the lowest ratio."""
    print(f"{'':>6} {'n':>6} {ours + ' GF/s':>16} {ref + ' GF/s':>22} {'ratio':>7}")
    worst = 9.9
    for op in OPS:
        for n in sizes:
            a, b = results[ours][op][str(n)], results[ref][op][str(n)]
            if op in TARGETS:
                worst = min(worst, a / b)
            note = "" if op in TARGETS else f"  ({TRSM_ROWS}-row panel; no target: shows DGESV's triangular solves)"
            print(f"{op:>6} {n:>6} {a:>16.1f} {b:>22.1f} {a / b:>7.3f}{note}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--rounds", type=int, default=5, help="measurements of each library, alternating")
    ap.add_argument("--column-major", action="store_true",
                    help="DGESV on column-major data: the factorisation alone, without LAPACKE's transposition")
    args = ap.parse_args()
    # the release wheels themselves: a development build (0.3.34.post1+kernelshaswell) would win a
    # version match in pip
    #: (our label, our wheel, driver kind; the anchor's distribution, driver kind)
    pairs = [("ours", newest_release(args.index, "wheelfarm-openblas"), "ours", "scipy-openblas32", "scipy32"),
             ("ours ILP64", newest_release(args.index, "wheelfarm-openblas64"), "ours64", "scipy-openblas64",
              "scipy64")]
    if pairs[0][1] is None:
        sys.exit(f"no release wheelfarm-openblas in {args.index}; run: farm build openblas")

    def measure(kind: str, py: Path) -> dict[str, Any]:
        layout = "102" if args.column_major else "101"
        run = subprocess.run([str(py), "-c", DRIVER, kind, str(args.threads), layout, *map(str, args.sizes)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"{kind} failed:\n{run.stderr}")
        return dict(json.loads(run.stdout))

    def best(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        if old is None:
            return new
        for op in OPS:
            new[op] = {n: max(v, old[op][n]) for n, v in new[op].items()}
        return new

    results: dict[str, dict[str, Any]] = {}
    wheels: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="farm-blas-") as tmp:
        t = Path(tmp)
        for label, wheel, kind, anchor, anchor_kind in pairs:
            if wheel is None:
                continue
            # the anchor's wheel is downloaded once: the file installed is the file sized
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "-d", str(t / "dl" / anchor), anchor], check=True)
            wheels[label], wheels[anchor] = wheel, next((t / "dl" / anchor).glob("*.whl"))
            ours_py, py = venv(t / kind, "numpy", str(wheel)), venv(t / anchor_kind, "numpy", str(wheels[anchor]))
            # alternate the two, round after round, and keep each one's best: the load of a shared
            # machine drifts over minutes, and one of them measured wholly after the other would
            # carry that drift into the ratio
            for _ in range(args.rounds):
                for name, k, interpreter in ((label, kind, ours_py), (anchor, anchor_kind, py)):
                    results[name] = best(results.get(name), measure(k, interpreter))
        # sizes are read while the downloaded wheels still exist
        sizes = {k: (w.name, w.stat().st_size, shared_objects(w)) for k, w in wheels.items()}
    print(f"threads: {args.threads}")
    for kind in results:
        print(f"{kind:>18}: {results[kind]['config']}")
    worst = 9.9
    for label, wheel, _, anchor, _ in pairs:
        if label not in results:
            continue
        print()
        low = table(results, label, anchor, args.sizes)
        worst = low if label == "ours" else worst
        (name, w, so), (a_name, a_w, a_so) = sizes[label], sizes[anchor]
        print(f"wheel bytes  : {label} {w:,}  {anchor} {a_w:,}  ratio {w / a_w:.3f}  ({name} / {a_name})")
        print(f"shared objects, {label:<10}: {describe(so)}")
        print(f"shared objects, {anchor:<10}: {describe(a_so)}")
        total, a_total = sum(s for s, _ in so.values()), sum(s for s, _ in a_so.values())
        print(f"library bytes ratio: {total / a_total:.3f}")
    print(f"\nlowest throughput ratio against scipy-openblas32: {worst:.3f} (target >= 0.95); "
          "wheel size ratio target <= 1.0")


if __name__ == "__main__":
    main()
