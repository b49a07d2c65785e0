"""DGEMM and DGESV throughput and sizes: wheelfarm-openblas against scipy-openblas32.

Installs each into its own fresh virtual environment (ours from the farm's index,
scipy-openblas32 from the configured package index), runs the same ctypes driver in
each with the same number of threads, and prints GFLOP/s, sizes and the ratios.

Sizes are the wheels' bytes and each wheel's shared objects (the OpenBLAS library and the
GCC Fortran runtime, linked in or grafted). scipy-openblas32 is a much newer OpenBLAS than
the one this machine can build, so the same sizes are also printed for the OpenBLAS of the
same version built by the same project (MacPython/openblas-libs, make DYNAMIC_ARCH=1) as
numpy 1.24.4's wheel vendors it: what separates our build from theirs at equal source.
That build is ILP64, so its DGEMM/DGESV throughput is compared with our ILP64 wheel
(wheelfarm-openblas64) too, when the index holds one.

    python benchmarks/blas.py [--index index] [--threads 2] [--sizes 1000 2000 4000]
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

ROOT = Path(__file__).resolve().parent.parent

#: runs inside each venv: argv = kind threads sizes...
#: kinds: ours / scipy (LP64); ours64 / numpy124 (ILP64, 64_-suffixed symbols, 64-bit integers)
DRIVER = r'''
import ctypes, glob, json, os, sys, time
import numpy as np
kind, threads, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
p, sfx, I, ipiv_t = "", "", ctypes.c_int32, np.int32
if kind == "ours":
    import wheelfarm.openblas as m
    lib = m.load_library()[0]
elif kind == "ours64":
    import wheelfarm.openblas64 as m
    lib = m.load_library()[0]; sfx, I, ipiv_t = "64_", ctypes.c_int64, np.int64
elif kind == "numpy124":
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    lib = ctypes.CDLL(glob.glob(os.path.join(libs, "libopenblas64_*.so"))[0]); sfx, I, ipiv_t = "64_", ctypes.c_int64, np.int64
else:
    import scipy_openblas32 as m
    lib = ctypes.CDLL(m.get_lib_dir() + "/lib" + m.get_library() + ".so"); p = "scipy_"
sym = lambda name: getattr(lib, p + name + sfx)
sym("openblas_set_num_threads")(threads)
cfg = sym("openblas_get_config"); cfg.restype = ctypes.c_char_p
dgemm = sym("cblas_dgemm")
dgesv = sym("LAPACKE_dgesv")
P = ctypes.POINTER(ctypes.c_double)
time.sleep(1)  # let the threads the loader started settle before timing
out = {"config": cfg().decode(), "dgemm": {}, "dgesv": {}}
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
        info = dgesv(101, I(n), I(1), m_.ctypes.data_as(P), I(n), ipiv.ctypes.data_as(ctypes.POINTER(I)),
                     x.ctypes.data_as(P), I(1))
        best = min(best, time.perf_counter() - t)
        residual = ((a + n * np.eye(n)) * x[:, 0]).sum(axis=1) - rhs[:, 0]
        assert info == 0 and abs(residual).max() < 1e-9
    out["dgesv"][n] = (2 / 3 * n**3 + 2 * n**2) / best / 1e9
print(json.dumps(out))
'''


def venv(where: Path, *install: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    py = where / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *install], check=True)
    return py


#: numpy's last release line that vendored OpenBLAS 0.3.21, the version Debian bookworm ships
SAME_VERSION_NUMPY = "1.24.4"


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
    for op in ("dgemm", "dgesv"):
        for n in sizes:
            a, b = results[ours][op][str(n)], results[ref][op][str(n)]
            worst = min(worst, a / b)
            print(f"{op:>6} {n:>6} {a:>16.1f} {b:>22.1f} {a / b:>7.3f}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    args = ap.parse_args()
    def release(dist: str) -> Path | None:
        # the release wheel itself: a development build (0.3.21+kernelshaswell) would win a version match
        files = [f for f in sorted((args.index / "files").glob(f"{dist}-*.whl")) if "+" not in f.name]
        return files[-1] if files else None

    wheel_ours, wheel_ours64 = release("wheelfarm_openblas"), release("wheelfarm_openblas64")
    if wheel_ours is None:
        sys.exit(f"no release wheelfarm-openblas in {args.index}; run: farm build openblas")

    def measure(kind: str, py: Path) -> dict[str, Any]:
        run = subprocess.run([str(py), "-c", DRIVER, kind, str(args.threads), *map(str, args.sizes)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"{kind} failed:\n{run.stderr}")
        return dict(json.loads(run.stdout))

    with tempfile.TemporaryDirectory(prefix="farm-blas-") as tmp:
        t = Path(tmp)
        results = {"ours": measure("ours", venv(t / "ours", "numpy", str(wheel_ours))),
                   "scipy-openblas32": measure("theirs", venv(t / "theirs", "numpy", "scipy-openblas32"))}
        if wheel_ours64 is not None and sys.version_info < (3, 12):  # numpy 1.24.4 has no wheel for 3.12+
            results["ours ILP64"] = measure("ours64", venv(t / "ours64", "numpy", str(wheel_ours64)))
            results[f"numpy {SAME_VERSION_NUMPY}"] = measure(
                "numpy124", venv(t / "numpy124", "--only-binary=:all:", f"numpy=={SAME_VERSION_NUMPY}"))
        dl = t / "dl"
        theirs = t / "theirs" / "bin" / "python"
        subprocess.run([str(theirs), "-m", "pip", "download", "-q", "--no-deps", "-d", str(dl), "scipy-openblas32"],
                       check=True)
        subprocess.run([str(theirs), "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", "manylinux2014_x86_64", "-d", str(dl / "same"),
                        f"numpy=={SAME_VERSION_NUMPY}"], check=True)
        wheel_theirs = next(dl.glob("*.whl"))
        so_ours, so_theirs = shared_objects(wheel_ours), shared_objects(wheel_theirs)
        so_same = {n: v for n, v in shared_objects(next((dl / "same").glob("*.whl"))).items()
                   if "openblas" in n or "gfortran" in n or "quadmath" in n}
        w_ours, w_theirs, theirs_name = wheel_ours.stat().st_size, wheel_theirs.stat().st_size, wheel_theirs.name
    print(f"threads: {args.threads}")
    for kind in results:
        print(f"{kind:>18}: {results[kind]['config']}")
    worst = table(results, "ours", "scipy-openblas32", args.sizes)
    if "ours ILP64" in results:
        print("same OpenBLAS version (0.3.21, ILP64), ours against the build numpy "
              f"{SAME_VERSION_NUMPY} vendors: what the gap above owes to the version")
        table(results, "ours ILP64", f"numpy {SAME_VERSION_NUMPY}", args.sizes)
    print(f"wheel bytes  : ours {w_ours:,}  scipy-openblas32 {w_theirs:,}  ratio {w_ours / w_theirs:.3f}")
    print(f"shared objects, ours            : {describe(so_ours)}")
    print(f"shared objects, scipy-openblas32: {describe(so_theirs)}  ({theirs_name})")
    print(f"shared objects, same version    : {describe(so_same)}  (OpenBLAS 0.3.21 in numpy {SAME_VERSION_NUMPY})")
    total = {k: sum(s for s, _ in v.values()) for k, v in (("ours", so_ours), ("theirs", so_theirs), ("same", so_same))}
    print(f"library bytes ratio: ours/scipy-openblas32 {total['ours'] / total['theirs']:.3f}, "
          f"ours/same-version build {total['ours'] / total['same']:.3f}")
    print(f"lowest throughput ratio: {worst:.3f} (target >= 0.95); wheel size ratio target <= 1.0")


if __name__ == "__main__":
    main()
