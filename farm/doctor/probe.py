"""Ask a library its own version by calling it, each in a throwaway subprocess.

Loading a library runs its initialisers, and a broken one can crash the process
that loads it, so every call happens in a child interpreter with a time limit;
a crash or a missing function is simply no answer.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from farm.doctor.interpreter import Runner

__all__ = ["VERSION_CALLS", "call_version"]

#: identity -> (candidate function names, how to call: "string", "string-arg" or "int-out3").
VERSION_CALLS: Mapping[str, tuple[tuple[str, ...], str]] = MappingProxyType(
    {
        "openblas": (("openblas_get_config", "scipy_openblas_get_config64_", "scipy_openblas_get_config"), "string"),
        "gdal": (("GDALVersionInfo",), "string-arg"),
        "sqlite": (("sqlite3_libversion",), "string"),
        "zlib": (("zlibVersion",), "string"),
        "geos_c": (("GEOSversion",), "string"),
        "png": (("png_get_libpng_ver",), "string-null"),
        "tiff": (("TIFFGetVersion",), "string"),
        "crypto": (("OpenSSL_version", "SSLeay_version"), "string-zero"),
        "curl": (("curl_version",), "string"),
        "zstd": (("ZSTD_versionString",), "string"),
        "lzma": (("lzma_version_string",), "string"),
        "hdf5": (("H5get_libversion",), "int-out3"),
        "proj": (("proj_info",), "proj"),
    }
)

# Runs in the child: standard library only.
_CALL = r"""
import ctypes, json, re, sys
path, names, how = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
lib = ctypes.CDLL(path)
for name in names:
    fn = getattr(lib, name, None)
    if fn is None:
        continue
    if how == "int-out3":
        a, b, c = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        fn(ctypes.byref(a), ctypes.byref(b), ctypes.byref(c))
        text = "%d.%d.%d" % (a.value, b.value, c.value)
    elif how == "proj":
        class Info(ctypes.Structure):
            _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int)]
        fn.restype = Info
        info = fn()
        text = "%d.%d.%d" % (info.major, info.minor, info.patch)
    else:
        fn.restype = ctypes.c_char_p
        if how == "string-arg":
            raw = fn(b"RELEASE_NAME")
        elif how == "string-null":
            raw = fn(None)
        elif how == "string-zero":
            raw = fn(0)
        else:
            raw = fn()
        text = (raw or b"").decode("utf-8", "replace")
    match = re.search(r"\d+\.\d+(\.\d+)*[a-z]?", text)
    print(json.dumps(match.group(0) if match else None))
    break
else:
    print(json.dumps(None))
"""


def call_version(
    python: str,
    path: Path,
    identity: str,
    run: Runner = subprocess.run,
    timeout: float = 20.0,
) -> str | None:
    """The version a library reports through its own API, or None if it cannot be asked."""
    call = VERSION_CALLS.get(identity)
    if call is None:
        return None
    names, how = call
    try:
        done = run(
            [python, "-c", _CALL, str(path), json.dumps(list(names)), how],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return answer if isinstance(answer, str) else None
