"""DGEMM and DGESV throughput and sizes: wheelfarm-openblas against scipy-openblas32.

Installs each into its own fresh virtual environment (ours from the farm's index,
scipy-openblas32 from the configured package index), runs the same ctypes driver in
each with the same number of threads, and prints GFLOP/s, sizes and the ratios.

Sizes are the wheels' bytes and each wheel's shared objects (the OpenBLAS library and the
GCC Fortran runtime, linked in or grafted). scipy-openblas32 is a much newer OpenBLAS than
the one this machine can build, so the same sizes are also printed for the OpenBLAS of the
same version built by the same project (MacPython/openblas-libs, make DYNAMIC_ARCH=1) as
numpy 1.24.4's wheel vendors it: what separates our build from theirs at equal source.

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

ROOT = Path(__file__).resolve().parent.parent

#: runs inside each venv: argv = prefix(for symbols) threads sizes...
DRIVER = r'''
import ctypes, json, sys, time
import numpy as np
kind, threads, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
if kind == "ours":
    import wheelfarm.openblas as m
    lib = m.load_library()[0]; p = ""; path = m.lib_dir()
else:
    import scipy_openblas32 as m
    lib = ctypes.CDLL(m.get_lib_dir() + "/lib" + m.get_library() + ".so"); p = "scipy_"; path = m.get_lib_dir()
getattr(lib, p + "openblas_set_num_threads")(threads)
cfg = getattr(lib, p + "openblas_get_config"); cfg.restype = ctypes.c_char_p
dgemm = getattr(lib, p + "cblas_dgemm")
dgesv = getattr(lib, p + "LAPACKE_dgesv")
P = ctypes.POINTER(ctypes.c_double)
time.sleep(1)  # let the threads the loader started settle before timing
out = {"config": cfg().decode(), "dgemm": {}, "dgesv": {}}
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.random((n, n)); b = rng.random((n, n)); c = np.zeros((n, n))
    best = 1e9
    for _ in range(4):
        t = time.perf_counter()
        dgemm(101, 111, 111, n, n, n, ctypes.c_double(1.0), a.ctypes.data_as(P), n, b.ctypes.data_as(P), n,
              ctypes.c_double(0.0), c.ctypes.data_as(P), n)
        best = min(best, time.perf_counter() - t)
    # checked without numpy's own BLAS, whose threads would otherwise spin beside the ones timed
    assert all(abs(c[i, j] - (a[i, :] * b[:, j]).sum()) < 1e-9 * n for i, j in ((0, 0), (n - 1, 3), (7, n - 2)))
    out["dgemm"][n] = 2 * n**3 / best / 1e9
    best = 1e9
    for _ in range(6):
        m_ = a + n * np.eye(n); rhs = rng.random((n, 1)); x = rhs.copy(); ipiv = np.zeros(n, dtype=np.int32)
        t = time.perf_counter()
        info = dgesv(101, n, 1, m_.ctypes.data_as(P), n, ipiv.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)),
                     x.ctypes.data_as(P), 1)
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    args = ap.parse_args()
    files = sorted((args.index / "files").glob("wheelfarm_openblas-*.whl"))
    files = [f for f in files if "+" not in f.name]  # release builds only
    if not files:
        sys.exit(f"no release wheelfarm-openblas in {args.index}; run: farm build openblas")
    with tempfile.TemporaryDirectory(prefix="farm-blas-") as tmp:
        t = Path(tmp)
        # the release wheel itself: a development build (0.3.21+kernelshaswell) would win a version match
        ours = venv(t / "ours", "numpy", str(files[-1]))
        theirs = venv(t / "theirs", "numpy", "scipy-openblas32")
        dl = t / "dl"
        subprocess.run([str(theirs), "-m", "pip", "download", "-q", "--no-deps", "-d", str(dl), "scipy-openblas32"],
                       check=True)
        results = {}
        for kind, py in (("ours", ours), ("scipy-openblas32", theirs)):
            run = subprocess.run([str(py), "-c", DRIVER, "ours" if kind == "ours" else "theirs",
                                  str(args.threads), *map(str, args.sizes)], capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"{kind} failed:\n{run.stderr}")
            results[kind] = json.loads(run.stdout)
        subprocess.run([str(theirs), "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", "manylinux2014_x86_64", "-d", str(dl / "same"),
                        f"numpy=={SAME_VERSION_NUMPY}"], check=True)
        wheel_ours, wheel_theirs = files[-1], next(dl.glob("*.whl"))
        so_ours, so_theirs = shared_objects(wheel_ours), shared_objects(wheel_theirs)
        so_same = {n: v for n, v in shared_objects(next((dl / "same").glob("*.whl"))).items()
                   if "openblas" in n or "gfortran" in n or "quadmath" in n}
        w_ours, w_theirs, theirs_name = wheel_ours.stat().st_size, wheel_theirs.stat().st_size, wheel_theirs.name
    print(f"threads: {args.threads}")
    for kind in results:
        print(f"{kind:>18}: {results[kind]['config']}")
    print(f"{'':>6} {'n':>6} {'ours GF/s':>10} {'scipy GF/s':>11} {'ratio':>7}")
    worst = 9.9
    for op in ("dgemm", "dgesv"):
        for n in args.sizes:
            a, b = results["ours"][op][str(n)], results["scipy-openblas32"][op][str(n)]
            worst = min(worst, a / b)
            print(f"{op:>6} {n:>6} {a:>10.1f} {b:>11.1f} {a / b:>7.3f}")
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
