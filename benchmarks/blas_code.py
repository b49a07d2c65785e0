"""Where an OpenBLAS library's code goes: .text bytes by kind of exported function.

    python benchmarks/blas_code.py LIB [LIB ...]

Sums ``nm -D -S`` sizes of the exported functions: the Fortran-style BLAS/LAPACK interface
(``dgemm_``), LAPACKE, CBLAS, and per-CPU kernels (``dgemm_kernel_HASWELL``; exported by
OpenBLAS's CMake build, hidden by its Makefile build). What the exports do not account for
(hidden kernels, drivers, a linked-in GCC runtime) is printed as the rest of .text. Used in
docs/openblas.md to say where our library's bytes go next to scipy-openblas32's.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

KERNEL = re.compile(r"_(PRESCOTT|CORE2|NEHALEM|BARCELONA|SANDYBRIDGE|BULLDOZER|PILEDRIVER|STEAMROLLER|EXCAVATOR|"
                    r"HASWELL|ZEN|SKYLAKEX|COOPERLAKE|SAPPHIRERAPIDS)$")


def kind(name: str) -> str:
    name = name.removeprefix("scipy_")
    if KERNEL.search(name):
        return "kernels"
    if name.startswith("LAPACKE_"):
        return "lapacke"
    if name.startswith("cblas_"):
        return "cblas"
    return "fortran interface" if name.endswith("_") else "other"


def text_size(lib: str) -> int:
    out = subprocess.run(["size", "-A", lib], capture_output=True, text=True, check=True).stdout
    return next(int(line.split()[1]) for line in out.splitlines() if line.startswith(".text "))


def main() -> None:
    for lib in sys.argv[1:]:
        out = subprocess.run(["nm", "-D", "-S", "--defined-only", lib], capture_output=True, text=True,
                             check=True).stdout
        sizes: Counter[str] = Counter()
        cores: set[str] = set()
        for fields in (line.split() for line in out.splitlines()):
            if len(fields) == 4 and fields[2] in "Tt":
                sizes[kind(fields[3])] += int(fields[1], 16)
                if m := KERNEL.search(fields[3]):
                    cores.add(m.group(1))
        text = text_size(lib)
        print(f"{lib}: .text {text:,} B")
        for k, v in sizes.most_common():
            print(f"  {k:<18} {v:>12,} B" + (f"  ({len(cores)} CPU types)" if k == "kernels" else ""))
        print(f"  {'rest of .text':<18} {text - sum(sizes.values()):>12,} B")


if __name__ == "__main__":
    main()
