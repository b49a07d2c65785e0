"""The farm's GDAL against the GDALs the registry's wheels bundle: drivers and build features.

Each GDAL is asked itself, through ctypes in a process of its own (two libgdals never share
one): ``GDALAllRegister``, then every driver's short name and capabilities (raster, vector,
multidimensional), ``GDALVersionInfo("BUILD_INFO")``, the compression methods its GTiff
driver offers, and whether ``CPLRecode`` converts UTF-8 to WINDOWS-1252, GB18030 and LATIN1
(iconv; without it GDAL converts only between UTF-8 and ISO-8859-1).

- **ours**: ``wheelfarm-gdal`` installed with uv from the farm's wheelhouse into a fresh venv
  (its library wheels come through its Requires-Dist); ``--wheelhouse`` picks another one;
- **theirs**: the newest rasterio, pyogrio and fiona wheels for linux x86_64 from the default
  index and ``gdal-wheel`` (a self-contained ``osgeo`` build), each unpacked; their libgdal
  loads its bundled libraries from the wheel's ``.libs`` folder.

A driver of theirs that ours lacks must be listed in ``benchmarks/gdal_coverage.yaml`` with
the reason (a library that cannot be built here, a driver newer than our GDAL release);
otherwise the script exits 1 and names it. ``--markdown`` prints the table for docs/geo.md.

    python benchmarks/gdal_coverage.py [--wheelhouse DIR] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.settings import load_settings  # noqa: E402

#: the registry wheels whose bundled GDAL ours replaces
THEIRS = ("rasterio", "pyogrio", "fiona")
#: shown beside them, not required
ALSO = ("gdal-wheel",)
REASONS = Path(__file__).with_name("gdal_coverage.yaml")
PYTHONS = ("3.13", "3.12", "3.11")

PROBE = r'''
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
c, p, i = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int
for name, res, args in (("GDALGetDriverCount", i, []), ("GDALGetDriver", p, [i]),
                        ("GDALGetDriverShortName", c, [p]), ("GDALGetMetadataItem", c, [p, c, c]),
                        ("GDALVersionInfo", c, [c]), ("GDALGetDriverByName", p, [c]),
                        ("CPLRecode", p, [c, c, c]), ("VSIFree", None, [p]),
                        ("CPLSetErrorHandler", p, [p])):
    f = getattr(lib, name); f.restype = res; f.argtypes = args
lib.CPLSetErrorHandler(ctypes.cast(lib.CPLQuietErrorHandler, p))
lib.GDALAllRegister()
drivers = {}
for n in range(lib.GDALGetDriverCount()):
    d = lib.GDALGetDriver(n)
    caps = [k for k, item in (("raster", b"DCAP_RASTER"), ("vector", b"DCAP_VECTOR"),
                              ("multidim", b"DCAP_MULTIDIM_RASTER")) if lib.GDALGetMetadataItem(d, item, None)]
    drivers[lib.GDALGetDriverShortName(d).decode()] = caps
gtiff = lib.GDALGetDriverByName(b"GTiff")
options = (lib.GDALGetMetadataItem(gtiff, b"DMD_CREATIONOPTIONLIST", None) or b"").decode("utf-8", "replace")
recode = {}
for charset, text in (("WINDOWS-1252", "caf\u00e9 \u20ac"), ("GB18030", "\u4e2d\u6587"), ("LATIN1", "caf\u00e9")):
    out = lib.CPLRecode(text.encode(), b"UTF-8", charset.encode())
    got = ctypes.string_at(out) if out else b""
    lib.VSIFree(out)
    recode[charset] = got == text.encode(charset.lower().replace("latin1", "latin-1"))
print(json.dumps({"version": lib.GDALVersionInfo(b"RELEASE_NAME").decode(),
                  "build_info": lib.GDALVersionInfo(b"BUILD_INFO").decode(),
                  "drivers": drivers, "gtiff_options": options, "recode": recode}))
'''


@dataclass(frozen=True)
class Gdal:
    name: str
    version: str
    drivers: dict[str, list[str]]
    build_info: dict[str, str]
    compressions: frozenset[str]
    recode: dict[str, bool]

    @property
    def features(self) -> dict[str, str]:
        out = {k: v for k, v in self.build_info.items() if k.endswith(("_ENABLED", "_VERSION"))}
        out["TIFF compression"] = " ".join(sorted(self.compressions))
        out["iconv (UTF-8 to WINDOWS-1252, GB18030)"] = "yes" if self.recode.get("WINDOWS-1252") and \
            self.recode.get("GB18030") else "no"
        return out


def probe(name: str, libgdal: Path, libs: Path | None = None) -> Gdal:
    env = dict(os.environ)
    if libs is not None:  # fiona's libgdal finds its siblings by LD_LIBRARY_PATH-free RUNPATH, but not all do
        env["LD_LIBRARY_PATH"] = str(libs)
    done = subprocess.run([sys.executable, "-c", PROBE, str(libgdal)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{name}: cannot load {libgdal}: {done.stderr.strip().splitlines()[-1:]}")
    data = json.loads(done.stdout)
    info = dict(line.split("=", 1) for line in data["build_info"].splitlines() if "=" in line)
    m = re.search(r"<Option name='COMPRESS'.*?</Option>", data["gtiff_options"], re.S)
    compressions = frozenset(re.findall(r"<Value>([^<]+)</Value>", m.group(0))) if m else frozenset()
    return Gdal(name, data["version"], data["drivers"], info, compressions, data["recode"])


def download(project: str, where: Path, pythons: tuple[str, ...] = PYTHONS) -> Path:
    """The newest wheel of ``project`` for linux x86_64 and the first of ``pythons`` that has one.

    ``where`` may be a cache that already holds older wheels: the newest version for that
    CPython is taken, not the last name in sort order.
    """
    for py in pythons:
        tag = py.replace(".", "")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet",
             "--python-version", py, "--implementation", "cp", "--abi", f"cp{tag}", "--abi", "abi3",
             *(a for plat in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
               for a in ("--platform", plat)), "-d", str(where), project],
            capture_output=True, text=True)
        if done.returncode == 0:
            found = newest_wheel(project, where, tag)
            if found:
                return found
    sys.exit(f"{project}: no linux x86_64 wheel on the default index for CPython {', '.join(pythons)}")


def newest_wheel(project: str, where: Path, tag: str) -> Path | None:
    """The newest wheel of ``project`` in ``where`` that CPython ``tag`` (``"311"``) on linux x86_64 installs."""
    def fits(t: Tag) -> bool:
        if not t.platform.endswith("x86_64"):
            return False
        if t.abi == "abi3":
            return t.interpreter.startswith("cp") and t.interpreter[2:].isdigit() and int(t.interpreter[2:]) <= int(tag)
        return t.interpreter == f"cp{tag}" or t.abi == "none"

    found = []
    for path in where.glob("*.whl"):
        name, version, _, tags = parse_wheel_filename(path.name)
        if name == canonicalize_name(project) and any(fits(t) for t in tags):
            found.append((version, path))
    return max(found)[1] if found else None


def theirs(project: str, tmp: Path) -> Gdal:
    wheel = download(project, tmp / "downloads")
    folder = tmp / project
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder)
    libs = sorted(folder.glob("*.libs/libgdal*.so*"))
    if not libs:
        sys.exit(f"{wheel.name}: no bundled libgdal in its .libs folder")
    version = wheel.name.split("-")[1]
    return probe(f"{project} {version}", libs[0], libs[0].parent)


def ours(wheelhouse: Path, tmp: Path) -> Gdal:
    from uv import find_uv_bin  # the uv wheel farm depends on

    uv = str(find_uv_bin())
    venv = tmp / "ours"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "--no-index",
                    "--find-links", str(wheelhouse), "wheelfarm-gdal"], check=True)
    libs = sorted(venv.glob("lib/python*/site-packages/wheelfarm/gdal/lib/libgdal.so.*"))
    if not libs:
        sys.exit(f"wheelfarm-gdal from {wheelhouse}: no wheelfarm/gdal/lib/libgdal.so.* installed")
    meta = next(venv.glob("lib/python*/site-packages/wheelfarm_gdal-*.dist-info"))
    return probe(f"wheelfarm-gdal {meta.name.split('-')[1].removesuffix('.dist')}", libs[0])


def load_reasons(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = data.get("missing", {})
    if not isinstance(missing, dict) or not all(isinstance(v, str) and v.strip() for v in missing.values()):
        sys.exit(f"{path}: 'missing' must map each driver name to a one-line reason")
    return {str(k): str(v) for k, v in missing.items()}


def table(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        head, *body = rows
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
                          *("| " + " | ".join(r) + " |" for r in body)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheelhouse", type=Path, help="where wheelfarm-gdal and its libraries are (default: the farm's)")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown (for docs/geo.md)")
    args = ap.parse_args()
    wheelhouse = args.wheelhouse or load_settings(ROOT).wheelhouse
    reasons = load_reasons(REASONS)
    with tempfile.TemporaryDirectory(prefix="gdal-coverage-") as t:
        tmp = Path(t)
        us = ours(wheelhouse, tmp)
        them = [theirs(p, tmp) for p in THEIRS]
        also = [theirs(p, tmp) for p in ALSO]
    every = [us, *them, *also]
    rows = [["", *(g.name for g in every)],
            ["GDAL", *(g.version for g in every)],
            ["drivers", *(str(len(g.drivers)) for g in every)],
            ["raster", *(str(sum("raster" in c for c in g.drivers.values())) for g in every)],
            ["vector", *(str(sum("vector" in c for c in g.drivers.values())) for g in every)],
            ["only theirs", "", *(str(len(set(g.drivers) - set(us.drivers))) for g in them + also)],
            ["only ours", "", *(str(len(set(us.drivers) - set(g.drivers))) for g in them + also)]]
    keys = sorted({k for g in every for k in g.features})
    rows += [[k, *(g.features.get(k, "-") for g in every)] for k in keys]
    print(table(rows, args.markdown))
    union = set().union(*(g.drivers for g in them))
    lacking = sorted(union - set(us.drivers), key=str.lower)
    print()
    print(f"drivers of {', '.join(g.name for g in them)} that ours lacks: {len(lacking)}")
    unexplained = []
    for name in lacking:
        holders = ", ".join(g.name.split()[0] for g in them if name in g.drivers)
        reason = reasons.get(name)
        print(f"  {name:<18} ({holders}): {reason or 'NO RECORDED REASON'}")
        if reason is None:
            unexplained.append(name)
    extra = sorted(set(us.drivers) - union, key=str.lower)
    print(f"drivers only ours has (none of {', '.join(THEIRS)} does): {', '.join(extra) or 'none'}")
    stale = sorted(set(reasons) - set(lacking))
    if stale:
        print(f"{REASONS.name}: reasons for drivers ours now has or none of theirs has (remove them): "
              f"{', '.join(stale)}")
    if unexplained:
        print(f"MISSED: {len(unexplained)} of their drivers missing from ours without a reason in {REASONS}: "
              f"{', '.join(unexplained)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
