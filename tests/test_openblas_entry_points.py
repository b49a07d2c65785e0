"""recipes/openblas/gfortran_entry_points.c against the real GNU Fortran runtime.

The same Fortran code is linked twice, once with libgfortran and once with only the entry
points (libgfortran after them, --as-needed), and must give the same results; the second
library must not need libgfortran at all.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = ROOT / "recipes" / "openblas" / "gfortran_entry_points.c"

pytestmark = pytest.mark.skipif(shutil.which("gfortran") is None or shutil.which("cc") is None,
                                reason="needs gfortran and a C compiler")

#: string concatenation of run-time lengths (as LAPACK's ILAENV calls make) and CPU_TIME
FORTRAN = """
subroutine join(a, b, out, la, lb, lout)
  integer, intent(in) :: la, lb, lout
  character(len=la), intent(in) :: a
  character(len=lb), intent(in) :: b
  character(len=lout), intent(out) :: out
  ! an expression passed on, as in ILAENV( 1, 'DORMQR', SIDE // TRANS, ... ): a run-time call
  call put(a // b, out)
end subroutine

subroutine put(s, out)
  character(len=*), intent(in) :: s
  character(len=*), intent(out) :: out
  out = s
end subroutine

subroutine powers(x4, x8, n, p4, p8)
  real, intent(in) :: x4
  double precision, intent(in) :: x8
  integer(8), intent(in) :: n
  real, intent(out) :: p4
  double precision, intent(out) :: p8
  p4 = x4 ** n
  p8 = x8 ** n
end subroutine

subroutine times(t4, t8)
  real, intent(out) :: t4
  double precision, intent(out) :: t8
  call cpu_time(t4)
  call cpu_time(t8)
end subroutine
"""


def run(*cmd: str | Path, cwd: Path) -> str:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{cmd}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> tuple[ctypes.CDLL, ctypes.CDLL, Path]:
    d = tmp_path_factory.mktemp("entry")
    (d / "probe.f90").write_text(FORTRAN)
    run("gfortran", "-O2", "-fPIC", "-c", "probe.f90", cwd=d)
    calls = run("nm", "--undefined-only", "probe.o", cwd=d)
    for entry in ("_gfortran_concat_string", "_gfortran_cpu_time_4", "_gfortran_cpu_time_8",
                  "_gfortran_pow_r4_i8", "_gfortran_pow_r8_i8"):
        assert entry in calls, f"the probe no longer calls {entry}:\n{calls}"
    run("cc", "-O2", "-fPIC", "-c", ENTRY_POINTS, "-o", "entry.o", cwd=d)
    run("gfortran", "-shared", "-o", "libreal.so", "probe.o", "-lgfortran", cwd=d)
    run("cc", "-shared", "-o", "libentry.so", "probe.o", "entry.o", "-Wl,--as-needed", "-lgfortran", cwd=d)
    return ctypes.CDLL(str(d / "libreal.so")), ctypes.CDLL(str(d / "libentry.so")), d / "libentry.so"


def test_nothing_of_libgfortran_is_needed(libraries: tuple[ctypes.CDLL, ctypes.CDLL, Path]) -> None:
    needed = run("readelf", "-d", libraries[2], cwd=libraries[2].parent)
    assert "libgfortran" not in needed and "libquadmath" not in needed
    exported = run("nm", "-D", "--defined-only", libraries[2], cwd=libraries[2].parent)
    assert "_gfortran" not in exported  # hidden: never interposes on another library's runtime


@pytest.mark.parametrize(("a", "b", "width"), [
    (b"abc", b"defghijklmnop", 10),   # truncated inside the second string
    (b"abcdefghijkl", b"xy", 10),     # truncated inside the first
    (b"ab", b"c", 10),                # padded with blanks
    (b"LN", b"", 4),                  # an empty operand
    (b"L", b"N", 2),                  # exactly full
])
def test_concatenation_matches_libgfortran(libraries: tuple[ctypes.CDLL, ctypes.CDLL, Path],
                                           a: bytes, b: bytes, width: int) -> None:
    results = []
    for lib in libraries[:2]:
        out = ctypes.create_string_buffer(b"#" * (width + 4))
        la, lb, lo = ctypes.c_int(len(a)), ctypes.c_int(len(b)), ctypes.c_int(width)
        lib.join_(a, b, out, ctypes.byref(la), ctypes.byref(lb), ctypes.byref(lo),
                  ctypes.c_size_t(len(a)), ctypes.c_size_t(len(b)), ctypes.c_size_t(width))
        results.append(out.raw[:width + 4])
    assert results[0] == results[1] == ((a + b)[:width].ljust(width) + b"####")


@pytest.mark.parametrize("n", [0, 1, 2, 7, 30, 63, -1, -5, 1 << 40, -(1 << 62), -(1 << 63)])
@pytest.mark.parametrize("x", [1.0001, -2.5, 0.5, 0.0, 3.0])
def test_integer_power_matches_libgfortran(libraries: tuple[ctypes.CDLL, ctypes.CDLL, Path], x: float, n: int) -> None:
    results = []
    for lib in libraries[:2]:
        p4, p8 = ctypes.c_float(), ctypes.c_double()
        lib.powers_(ctypes.byref(ctypes.c_float(x)), ctypes.byref(ctypes.c_double(x)), ctypes.byref(ctypes.c_int64(n)),
                    ctypes.byref(p4), ctypes.byref(p8))
        results.append((repr(p4.value), repr(p8.value)))  # repr: inf and nan compare as the same text
    assert results[0] == results[1]


def test_cpu_time_matches_libgfortran(libraries: tuple[ctypes.CDLL, ctypes.CDLL, Path]) -> None:
    readings = []
    for lib in libraries[:2]:
        t4, t8 = ctypes.c_float(), ctypes.c_double()
        lib.times_(ctypes.byref(t4), ctypes.byref(t8))
        readings.append((t4.value, t8.value))
    (real4, real8), (ours4, ours8) = readings
    # both the process's CPU time so far; taken one after the other
    assert 0 < real8 <= ours8 < real8 + 0.5 and abs(ours4 - ours8) < 1e-3 and abs(real4 - real8) < 1e-3
