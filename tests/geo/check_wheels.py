"""Every geo-stack wheel in the wheelhouse: auditwheel's analysis finds it consistent with a
manylinux policy once its sibling wheels are known (`farm audit`; plain `auditwheel show`, also
printed, says linux_x86_64 for any wheel that links a sibling, see farm/audit.py), and no file
in it (ELF, script, .pc, .cmake, header, data) holds a path of the machine that built it.

    python tests/geo/check_wheels.py [wheelhouse]      (run by ci/geo-stack.sh)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from farm.audit import audit_wheel
from farm.catalog import Catalog
from farm.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
#: what a build machine's paths look like: this checkout, the home and temporary folders, the
#: conventional install prefixes a build could have baked in; as paths, not inside a word or a
#: URL ("ogc-eo/opt/" in GDAL's NITF specification is not /opt/)
NEEDLES = [str(ROOT), os.path.expanduser("~") + "/", "/tmp/", "/usr/local/", "/opt/"]
#: strings that look like one but are a library's documented default, not where it was built:
#: (file name prefix, string, why)
DEFAULTS = [
    ("wheelfarm/gdal/lib/libgdal.so", b"/tmp/%p_wcs.dat", "the WCS driver's default cache file"),
    # the string alone (NUL on both sides), so a build path under /tmp/ is still found
    ("wheelfarm/gdal/lib/libgdal.so", b"\0/tmp/\0",
     "the folder /vsicurl/ trusts a CPL_CURL_HEADER_FILE in (GDAL 3.13, port/cpl_vsil_curl.cpp)"),
    ("wheelfarm/netcdf/lib/libnetcdf.so", b"/tmp/", "netCDF's temporary folder when TMPDIR is unset"),
    # netCDF 4.10 compiles a plugin search path; the recipe makes it HDF5's platform default
    ("wheelfarm/netcdf/lib/libnetcdf.so", b"/usr/local/hdf5/lib/plugin", "HDF5's default filter-plugin folder"),
    ("wheelfarm/netcdf/lib/libnetcdf.settings", b"/usr/local/hdf5/lib/plugin", "the same, in its build summary"),
    ("wheelfarm/netcdf/bin/nc-config", b"/usr/local/hdf5/lib/plugin", "the same, as nc-config reports it"),
    ("wheelfarm/hdf5/lib/libhdf5.so", b"/usr/local/hdf5/lib/plugin",
     "HDF5's default filter-plugin folder (HDF5_PLUGIN_PATH overrides it), as in every HDF5 build"),
    ("wheelfarm/hdf5/include/H5pubconf.h", b"/usr/local/hdf5/lib/plugin", "the same default, in the header"),
    ("wheelfarm/hdf5/include/H5", b"/tmp/A.h5", "an example file name in the API documentation"),
]
_NEEDLE = re.compile(b"(?<![\\w.-])(?:" + b"|".join(re.escape(n.encode()) for n in NEEDLES) + b")")


def _without_defaults(name: str, data: bytes) -> bytes:
    for prefix, text, _ in DEFAULTS:
        if name.startswith(prefix):
            data = data.replace(text, b"")
    return data


def _searched(name: str, data: bytes) -> bytes:
    """What of a file can carry a path into use: all of a binary; a text file without its
    comment lines (proj-config.cmake's "#  PROJ_INCLUDE_DIRS = /usr/local/include" documents,
    it configures nothing), but with its #! line."""
    if b"\0" in data[:8192] or not name.endswith((".cmake", ".pc", "-config", ".sh")):
        return data
    lines = data.split(b"\n")
    return b"\n".join(line for i, line in enumerate(lines)
                       if not line.lstrip().startswith(b"#") or (i == 0 and line.startswith(b"#!")))


def main() -> int:
    settings = load_settings(ROOT)  # FARM_WHEELHOUSE and farm.toml are honoured, as farm build does
    wheelhouse = Path(sys.argv[1]) if len(sys.argv) > 1 else settings.wheelhouse
    # GDAL and every library it links, directly or through another
    graph = Catalog.from_settings(settings).graph()
    stack = sorted({"gdal", *graph.dependencies("gdal", transitive=True)})
    auditwheel = Path(sys.executable).parent / "auditwheel"
    failures = 0
    for name in (n.replace("-", "_") for n in stack):
        wheels = sorted(wheelhouse.glob(f"wheelfarm_{name}-*.whl"), key=lambda w: w.stat().st_mtime)
        if not wheels:
            print(f"{name}: no wheel in {wheelhouse}")
            failures += 1
            continue
        wheel = wheels[-1]
        show = subprocess.run([str(auditwheel), "show", str(wheel)], capture_output=True, text=True)
        tag = re.search(r'platform tag:\s*"([^"]+)"', " ".join(show.stdout.split()))
        found: list[str] = []
        with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory():
            for info in zf.infolist():
                hits = {m.group().decode() for m in _NEEDLE.finditer(_searched(info.filename, _without_defaults(info.filename, zf.read(info))))}
                found += [f"{info.filename} contains {needle}" for needle in sorted(hits)]
        audit = audit_wheel(wheel, "wheelfarm", [wheelhouse])
        ok = audit.ok and not found
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {wheel.name}: farm audit -> {audit.policy} "
              f"(siblings excluded: {', '.join(sorted(audit.excluded)) or 'none'}); "
              f"auditwheel show -> {tag.group(1) if tag else show.stderr.strip()[-200:]}; "
              f"{len(zf.infolist())} files, build paths: {found[:5] or 'none'}")
        for problem in audit.problems:
            print(f"     {problem}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
