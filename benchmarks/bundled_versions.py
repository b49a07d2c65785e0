"""The farm's library versions against the copies the registry's rasterio, pyogrio and fiona bundle.

- **ours**: for each library, the newest ``wheelfarm_<name>-<version>-*.whl`` in the wheelhouse
  (the farm's, or ``--wheelhouse DIR``), its public version without ``.postN``; nothing of
  ours is loaded: a wheel's version is its upstream's;
- **theirs**: the newest rasterio, pyogrio and fiona wheels for manylinux x86_64 from the
  default index, for the newest CPython that has one (3.13, 3.12, 3.11: their libraries are
  plain C libraries, loaded here whatever the Python) (``pip download`` into ``--cache``, reused afterwards), their
  ``<pkg>.libs`` folders unpacked. Each bundled library is loaded with ctypes in a process of
  its own (two wheels' libraries never share one; ``LD_LIBRARY_PATH`` is the ``.libs``
  folder) and asked its version by its runtime getter (``GDALVersionInfo``, ``proj_info``,
  ``GEOSversion``, ``sqlite3_libversion``, ``curl_version``, ``TIFFGetVersion``, ...). A
  getter counts only where ``dladdr`` says the library itself defines it, not one of its
  dependencies; one that a library defines for another (a static copy inside libgdal, as in
  pyogrio's single libgdal) counts for that other library, and so do GDAL's ``BUILD_INFO``
  (PROJ, GEOS, curl) and ``curl_version()``'s components (OpenSSL, zlib, zstd, nghttp2).

A library without a getter falls back to the version in its file name where that is
upstream's (``libgeos-*.so.3.14.1``), marked †; a file name with an ABI version alone
(``libgif-*.so.7.2.0``, ``libdeflate-*.so.0``) gives "?". A library their libraries load
from the system (``libz.so.1``, ``libexpat.so.1``: the manylinux policy allows them) is
"system"; one none of them has is "-". Their libjpeg is IJG's libjpeg (9f), not our
libjpeg-turbo: shown, never compared.

Prints the table (``--markdown`` for docs) and which libraries a registry wheel bundles
newer than ours. Exit 0 when ours is equal or newer everywhere it can be compared, 1 when a
copy of theirs is newer, 2 on a usage error (no such wheelhouse, no farm wheels in it), 3
when a registry wheel cannot be downloaded.

    python benchmarks/bundled_versions.py [--wheelhouse DIR] [--cache DIR] [--markdown]
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
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gdal_coverage import PYTHONS, ROOT, THEIRS, download, table  # noqa: E402

from farm.elf import read_elf  # noqa: E402
from farm.settings import load_settings  # noqa: E402

DEFAULT_CACHE = Path.home() / ".cache" / "wheelfarm" / "benchmarks"

#: a bundled file's soname stem (auditwheel's hash removed) -> the farm's recipe
STEMS = {
    "libgdal": "gdal", "libproj": "proj", "libgeos_c": "geos", "libgeos": "geos", "libtiff": "libtiff",
    "libcurl": "curl", "libsqlite3": "sqlite", "libz": "zlib", "libpng16": "libpng", "libpng": "libpng",
    "libjpeg": "libjpeg-turbo", "libturbojpeg": "libjpeg-turbo", "libexpat": "expat", "libxml2": "libxml2",
    "libzstd": "zstd", "liblz4": "lz4", "liblzma": "xz", "libopenjp2": "openjpeg", "libsharpyuv": "libwebp",
    "libssl": "openssl", "libcrypto": "openssl", "libnetcdf": "netcdf", "libjson-c": "json-c",
    "libpcre2-8": "pcre2", "libgeotiff": "libgeotiff", "libdeflate": "libdeflate", "libgif": "giflib",
    "libLerc": "lerc", "libblosc": "c-blosc", "libqhull_r": "qhull", "libfreexl": "freexl",
    "libspatialite": "spatialite", "mod_spatialite": "mod-spatialite", "librttopo": "librttopo",
    "libminizip": "minizip",
}
#: stems by family: libhdf5_hl, libhdf5_cpp; libwebpdemux, libwebpmux
FAMILIES = (("libhdf5", "hdf5"), ("libwebp", "libwebp"))
#: every row that is a farm library
FARM = frozenset(STEMS.values()) | {recipe for _, recipe in FAMILIES}

#: (row, symbol, how to call it, argument); the probe calls one only where the library defines it
GETTERS: tuple[tuple[str, str, str, str | int | None], ...] = (
    ("gdal", "GDALVersionInfo", "str_arg", "RELEASE_NAME"),
    ("BUILD_INFO", "GDALVersionInfo", "str_arg", "BUILD_INFO"),
    ("proj", "proj_info", "proj_info", None),
    ("proj", "internal_proj_info", "proj_info", None),  # PROJ built with PROJ_RENAME_SYMBOLS (rasterio's)
    ("geos", "GEOSversion", "str", None),
    ("sqlite", "sqlite3_libversion", "str", None),
    ("curl", "curl_version", "str", None),
    ("zlib", "zlibVersion", "str", None),
    ("libpng", "png_get_libpng_ver", "str_null", None),
    ("libtiff", "TIFFGetVersion", "str", None),
    ("expat", "XML_ExpatVersion", "str", None),
    ("libxml2", "xmlParserVersion", "data_ptr", None),
    ("zstd", "ZSTD_versionString", "str", None),
    ("lz4", "LZ4_versionString", "str", None),
    ("xz", "lzma_version_string", "str", None),
    ("openjpeg", "opj_version", "str", None),
    ("libwebp", "WebPGetDecoderVersion", "int", None),
    ("libwebp", "WebPGetDemuxVersion", "int", None),
    ("libwebp", "WebPGetMuxVersion", "int", None),
    ("openssl", "OpenSSL_version", "str_int", 0),
    ("hdf5", "H5get_libversion", "h5", None),
    ("netcdf", "nc_inq_libvers", "str", None),
    ("json-c", "json_c_version", "str", None),
    ("pcre2", "pcre2_config_8", "pcre2", 11),  # PCRE2_CONFIG_VERSION
    ("c-blosc", "blosc_get_version_string", "str", None),
    ("qhull", "qh_version", "data_chars", None),
    ("freexl", "freexl_version", "str", None),
    ("spatialite", "spatialite_version", "str", None),
    ("librttopo", "rttopo_version", "str", None),
    ("libjpeg-turbo", "jpeg_std_error", "jpeg", None),
    ("libnghttp2", "nghttp2_version", "nghttp2", 0),
)
#: GDALVersionInfo("BUILD_INFO") keys, the first of a row's wins
BUILD_INFO_KEYS = (("PROJ_RUNTIME_VERSION", "proj"), ("PROJ_BUILD_VERSION", "proj"), ("GEOS_VERSION", "geos"),
                   ("CURL_VERSION", "curl"), ("SQLITE_VERSION", "sqlite"), ("OPENJPEG_VERSION", "openjpeg"))
#: curl_version()'s components ("OpenSSL/3.5.1") -> row
CURL_COMPONENTS = {"libcurl": "curl", "openssl": "openssl", "zlib": "zlib", "zstd": "zstd", "nghttp2": "libnghttp2"}
#: stems whose file name carries upstream's version after this many ABI components
#: (libgdal-*.so.36.3.10.3 is GDAL 3.10.3); any other file name's number is an ABI version
FILE_NAME_UPSTREAM = {"libgeos": 0, "libgdal": 1, "libproj": 1, "libblosc": 0, "libzstd": 0, "liblzma": 0,
                      "libopenjp2": 0}

# how a version was found, best first
GETTER, STATIC, BUILD_INFO, CURL, FILE_NAME, UNKNOWN, SYSTEM = (
    "getter", "static", "build info", "curl", "file name", "unknown", "system")
RANK = {h: n for n, h in enumerate((GETTER, STATIC, BUILD_INFO, CURL, FILE_NAME, UNKNOWN, SYSTEM))}
MARK = {STATIC: "*", BUILD_INFO: "*", CURL: "*", FILE_NAME: "†"}
LEGEND = ("† from the file name (no runtime getter); * no file of its own in the wheel: linked into another of "
          "its libraries (a getter exported there, GDAL's BUILD_INFO or curl_version()); system: not bundled, "
          "the system's is loaded; ?: bundled, version not determined; -: not there")

PROBE = r'''
import ctypes, json, os, re, sys
path, getters = sys.argv[1], json.loads(sys.argv[2])
c, p, i = ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int
try:
    lib = ctypes.CDLL(path, ctypes.RTLD_GLOBAL)
except OSError as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(0)
class DlInfo(ctypes.Structure):
    _fields_ = [("fname", c), ("fbase", p), ("sname", c), ("saddr", p)]
class PjInfo(ctypes.Structure):
    _fields_ = [("major", i), ("minor", i), ("patch", i), ("release", c), ("version", c),
                ("searchpath", c), ("paths", p), ("path_count", ctypes.c_size_t)]
class JpegErr(ctypes.Structure):  # struct jpeg_error_mgr
    _fields_ = [("methods", p * 5), ("msg_code", i), ("msg_parm", ctypes.c_char * 80), ("trace_level", i),
                ("num_warnings", ctypes.c_long), ("table", ctypes.POINTER(c)), ("last", i),
                ("addon", p), ("first_addon", i), ("last_addon", i)]
class Nghttp2Info(ctypes.Structure):
    _fields_ = [("age", i), ("version_num", i), ("version_str", c), ("proto_str", c)]
dl = ctypes.CDLL("libdl.so.2")
dl.dladdr.argtypes = [p, ctypes.POINTER(DlInfo)]
me = os.path.realpath(path)
def defined_here(addr):
    info = DlInfo()
    return bool(addr and dl.dladdr(addr, ctypes.byref(info)) and info.fname
                and os.path.realpath(info.fname.decode()) == me)
def call(sym, kind, arg):
    if kind.startswith("data"):
        addr = ctypes.addressof(ctypes.c_char.in_dll(lib, sym))
        if not defined_here(addr):
            return None
        return c.in_dll(lib, sym).value if kind == "data_ptr" else ctypes.string_at(addr)
    f = getattr(lib, sym)
    if not defined_here(ctypes.cast(f, p).value):
        return None
    f.restype, f.argtypes = c, []
    if kind == "str":
        return f()
    if kind == "str_arg":
        f.argtypes = [c]
        return f(arg.encode())
    if kind == "str_int":
        f.argtypes = [i]
        return f(arg)
    if kind == "str_null":
        f.argtypes = [p]
        return f(None)
    if kind == "int":
        f.restype = i
        return str(f())
    if kind == "proj_info":
        f.restype = PjInfo
        return f().version
    if kind == "h5":
        u = [ctypes.c_uint() for _ in range(3)]
        f.restype, f.argtypes = i, [ctypes.POINTER(ctypes.c_uint)] * 3
        f(*(ctypes.byref(x) for x in u))
        return ".".join(str(x.value) for x in u)
    if kind == "pcre2":
        buf = ctypes.create_string_buffer(64)
        f.restype, f.argtypes = i, [ctypes.c_uint32, p]
        f(arg, buf)
        return buf.value
    if kind == "jpeg":  # the message table's JVERSION ("9f  14-Jan-2024") and copyright lines
        err = JpegErr()
        f.restype, f.argtypes = p, [p]
        f(ctypes.byref(err))
        msgs = [err.table[n].decode("latin-1") for n in range(err.last + 1) if err.table[n]]
        return "\n".join(m for m in msgs if re.match(r"\d+[a-z]?\s+\d", m) or "Copyright" in m)
    if kind == "nghttp2":
        f.restype, f.argtypes = ctypes.POINTER(Nghttp2Info), [i]
        return f(arg).contents.version_str
    raise ValueError(kind)
for n, (sym, kind, arg) in enumerate(getters):
    try:
        raw = call(sym, kind, arg)
    except (AttributeError, ValueError):
        continue
    if raw is not None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        print(json.dumps({"i": n, "raw": text}), flush=True)
'''


@dataclass(frozen=True)
class Found:
    """One library's version in one registry wheel."""

    text: str  # as shown
    version: Version | None  # what is compared; None: cannot be
    how: str  # GETTER, STATIC, ...
    note: str = ""  # why it is not known, for the report

    @property
    def cell(self) -> str:
        return self.text + MARK.get(self.how, "")


@dataclass
class Bundle:
    """One registry wheel: its name and version, and what it bundles, by row."""

    project: str
    version: str
    found: dict[str, Found] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.project} {self.version}"


VERSION = re.compile(r"(?<![\d.])(\d+(?:\.\d+)+)([a-z](?![a-z\d]))?")


def first_version(raw: str) -> tuple[str, Version | None] | None:
    """The first dotted number in a getter's string, as shown (``1.1.1k``) and as compared (``1.1.1``).

    ``expat_2.6.4``, ``LIBTIFF, Version 4.7.0\\n...``, ``libcurl/8.11.1 ...``, ``OpenSSL 3.5.1 1 Jul
    2025``, ``3.14.1-CAPI-1.20.5``, ``10.45 2025-02-05``, ``2020.2.r 2020/08/31``; None without one.
    """
    m = VERSION.search(raw)
    if m is None:
        return None
    try:
        version: Version | None = Version(m.group(1))
    except InvalidVersion:
        version = None
    return m.group(1) + (m.group(2) or ""), version


def webp_version(number: int) -> str:
    """WebPGetDecoderVersion()'s 0xMMmmpp as ``M.m.p``."""
    return f"{number >> 16}.{(number >> 8) & 0xFF}.{number & 0xFF}"


def libxml2_version(raw: str) -> str | None:
    """xmlParserVersion's ``21305`` (or ``20914-GITv2.9.14``) as ``2.13.5``."""
    m = re.match(r"\d+", raw)
    if m is None:
        return None
    n = int(m.group(0))
    return f"{n // 10000}.{n // 100 % 100}.{n % 100}"


def normalize(row: str, raw: str) -> tuple[str, Version | None] | None:
    """A getter's raw string as (shown, compared); None when it holds no version."""
    if row == "libwebp":
        return first_version(webp_version(int(raw))) if raw.strip().isdigit() else None
    if row == "libxml2":
        text = libxml2_version(raw)
        return first_version(text) if text else None
    if row == "libjpeg-turbo":
        if "libjpeg-turbo" in raw or "Commander" in raw:  # its JVERSION is the libjpeg API it emulates
            return "?", None
        m = re.search(r"^(\d+[a-z]*)\s+\d", raw, re.MULTILINE)
        return (f"IJG {m.group(1)}", None) if m else None  # IJG's libjpeg, another library than ours
    return first_version(raw)


def curl_components(raw: str) -> dict[str, str]:
    """``libcurl/8.11.1 OpenSSL/3.4.0 zlib/1.3.1 ...`` as {row: version} for the rows it names."""
    out: dict[str, str] = {}
    for part in raw.split():
        name, _, version = part.partition("/")
        row = CURL_COMPONENTS.get(name.lower())
        if row and version and row not in out:
            out[row] = version
    return out


def build_info_versions(text: str) -> dict[str, str]:
    """GDALVersionInfo("BUILD_INFO")'s ``KEY=VALUE`` lines as {row: version} for the keys it knows."""
    info = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    out: dict[str, str] = {}
    for key, row in BUILD_INFO_KEYS:
        if info.get(key) and row not in out:
            out[row] = info[key]
    return out


def stem_of(filename: str, project: str | None = None) -> tuple[str, str | None]:
    """A shared library's stem and the version in its name: ``libgdal-1a2b3c4d.so.36.3.10.3`` is
    (``libgdal``, ``36.3.10.3``); auditwheel's hash is dropped, and ``-<project>`` before it."""
    base, _, rest = filename.partition(".so")
    version = rest[1:] if rest.startswith(".") and re.fullmatch(r"\.[\d.]+", rest) else None
    base = re.sub(r"-[0-9a-f]{8}$", "", base)
    if project:
        base = base.removesuffix(f"-{project}")
    return base, version or None


def row_of(stem: str) -> str:
    """The farm recipe a stem is; a library the farm has not: the stem itself."""
    if stem in STEMS:
        return STEMS[stem]
    return next((recipe for prefix, recipe in FAMILIES if stem.startswith(prefix)), stem)


def file_name_version(stem: str, version: str | None) -> str | None:
    """Upstream's version in a file name, where the name has it (see FILE_NAME_UPSTREAM)."""
    if version is None or stem not in FILE_NAME_UPSTREAM:
        return None
    parts = version.split(".")[FILE_NAME_UPSTREAM[stem]:]
    return ".".join(parts) if len(parts) >= 2 else None


def newest_ours(wheelhouse: Path, namespace: str = "wheelfarm") -> dict[str, Version]:
    """{recipe: version} of the newest ``<namespace>_<recipe>`` wheel of each, without ``.postN``."""
    prefix = f"{canonicalize_name(namespace)}-"
    best: dict[str, Version] = {}
    for path in wheelhouse.glob("*.whl"):
        try:
            name, version, _, _ = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if name.startswith(prefix):
            recipe = name.removeprefix(prefix)
            if recipe not in best or version > best[recipe]:
                best[recipe] = version
    return {recipe: Version(v.base_version) for recipe, v in best.items()}


def probe(path: Path) -> tuple[list[tuple[int, str]], str | None]:
    """(getter index, raw string) for each getter ``path`` defines, asked in a process of its own; and an error."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, (str(path.parent), env.get("LD_LIBRARY_PATH"))))
    getters = json.dumps([[sym, kind, arg] for _, sym, kind, arg in GETTERS])
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, str(path), getters], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        return [], "its probe took over 120 s"
    results: list[tuple[int, str]] = []
    error = None
    for line in done.stdout.splitlines():  # one line per getter: what came before a crash counts
        data = json.loads(line)
        if "error" in data:
            error = f"cannot be loaded: {data['error']}"
        else:
            results.append((int(data["i"]), str(data["raw"])))
    if done.returncode != 0:
        error = f"its probe exited {done.returncode}: {' '.join(done.stderr.strip().splitlines()[-1:])}"
    return results, error


def pick(candidates: list[Found]) -> Found:
    """The best of several findings for one row: by how it was found, then a version, then the newest."""
    best = min(RANK[f.how] for f in candidates)
    group = [f for f in candidates if RANK[f.how] == best]
    versioned = [f for f in group if f.version is not None]
    return max(versioned, key=lambda f: f.version or Version("0")) if versioned else group[0]


def survey(project: str, wheel: Path, tmp: Path) -> Bundle:
    """What ``wheel``'s ``.libs`` folder bundles, each library asked in a process of its own."""
    folder = tmp / project
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder, [n for n in zf.namelist() if n.split("/", 1)[0].endswith(".libs") and
                               not n.endswith("/")])
    files = sorted(p for p in folder.glob("*.libs/*") if ".so" in p.name and p.is_file())
    candidates: dict[str, list[Found]] = {}
    extra: dict[str, list[Found]] = {}  # from BUILD_INFO and curl_version(): used where nothing better is
    needed: set[str] = set()
    for path in files:
        stem, so_version = stem_of(path.name, project)
        own = row_of(stem)
        info = read_elf(path)
        needed.update(info.needed if info else ())
        results, error = probe(path)
        got_own = False
        for index, raw in results:
            row = GETTERS[index][0]
            if row == "BUILD_INFO":
                for r, text in build_info_versions(raw).items():
                    if (n := first_version(text)) is not None:
                        extra.setdefault(r, []).append(Found(*n, BUILD_INFO))
                continue
            if row == "curl":
                for r, text in curl_components(raw).items():
                    if r != "curl" and (n := first_version(text)) is not None:
                        extra.setdefault(r, []).append(Found(*n, CURL))
            norm = normalize(row, raw)
            if norm is None:
                continue
            how = GETTER if row == own else STATIC
            note = ""
            if row == "libjpeg-turbo" and norm[1] is None:
                note = (f"{path.name}: IJG's libjpeg, another library than libjpeg-turbo, not compared"
                        if norm[0].startswith("IJG") else f"{path.name}: libjpeg-turbo has no runtime version getter")
            candidates.setdefault(row, []).append(Found(*norm, how, note))
            got_own = got_own or row == own
        if got_own:
            continue
        from_name = file_name_version(stem, so_version)
        if from_name is not None and (n := first_version(from_name)) is not None:
            candidates.setdefault(own, []).append(Found(*n, FILE_NAME, f"{path.name}: {error}" if error else ""))
        else:
            why = error or ("no runtime version getter" + (f"; .so.{so_version} in its name is an ABI version"
                                                           if so_version else ""))
            candidates.setdefault(own, []).append(Found("?", None, UNKNOWN, f"{path.name}: {why}"))
    names = {p.name for p in files}
    system = {row_of(stem_of(n)[0]) for n in needed if n not in names}  # libz.so.1: the manylinux policy allows it
    for row, found in extra.items():
        if row in candidates or row in system:
            continue
        candidates[row] = found
    for row in system & FARM:
        candidates.setdefault(row, [Found("system", None, SYSTEM)])
    version = parse_wheel_filename(wheel.name)[1]
    return Bundle(project, str(version), {row: pick(c) for row, c in candidates.items()})


def verdict(ours: Version | None, found: list[Found | None], farm: bool) -> str:
    """The last column: "no" when a copy of theirs is newer, "yes" when none is, "?" when none can be compared."""
    if not farm:
        return "n/a"
    present = [f for f in found if f is not None and f.how != SYSTEM]
    if not present:
        return "-"
    if ours is None:
        return "no wheel"
    comparable = [f.version for f in present if f.version is not None]
    if any(v > ours for v in comparable):
        return "no"
    if not comparable:
        return "?"
    unknown = len(present) - len(comparable)
    return "yes" + (f" ({unknown} ?)" if unknown else "")


def report(ours: dict[str, Version], bundles: list[Bundle], markdown: bool) -> tuple[str, list[str], list[str]]:
    """The table; the libraries a registry wheel bundles newer ("gdal (rasterio 3.10.3 > 3.6.2)"); notes."""
    rows = sorted(set(ours) | {r for b in bundles for r in b.found}, key=str.lower)
    lines = [["library", "ours", *(b.name for b in bundles), "ours ≥ theirs"]]
    newer: list[str] = []
    notes: list[str] = []
    for row in rows:
        mine = ours.get(row)
        farm = row in FARM or row in ours
        found = [b.found.get(row) for b in bundles]
        shown = str(mine) if mine else ("-" if farm else "not a farm library")
        lines.append([row, shown, *(f.cell if f else "-" for f in found), verdict(mine, found, farm)])
        if mine is not None:
            over = [f"{b.project} {f.text} > {mine}" for b, f in zip(bundles, found)
                    if f is not None and f.version is not None and f.version > mine]
            if over:
                newer.append(f"{row} ({', '.join(over)})")
        notes += [f"{b.project} {row}: {f.note}" for b, f in zip(bundles, found) if f is not None and f.note]
    return table(lines, markdown), newer, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--wheelhouse", type=Path, help="where the farm's wheelfarm_* wheels are (default: the farm's)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="where the registry's wheels are downloaded and kept (default: %(default)s)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args(argv)
    settings = load_settings(ROOT)
    wheelhouse: Path = args.wheelhouse or settings.wheelhouse
    if not wheelhouse.is_dir():
        ap.error(f"--wheelhouse {wheelhouse}: no such folder")
    ours = newest_ours(wheelhouse, settings.namespace)
    if not ours:
        ap.error(f"{wheelhouse}: no {settings.namespace}_* wheels; build some first (farm build gdal)")
    args.cache.mkdir(parents=True, exist_ok=True)
    bundles = []
    with tempfile.TemporaryDirectory(prefix="bundled-versions-") as t:
        for project in THEIRS:
            try:
                wheel = download(project, args.cache, PYTHONS)
            except SystemExit as exc:
                print(exc, file=sys.stderr)
                return 3
            bundles.append(survey(project, wheel, Path(t)))
    text, newer, notes = report(ours, bundles, args.markdown)
    print(text)
    print()
    print(LEGEND)
    if notes:
        print("not determined or not compared:")
        print("\n".join(f"  {n}" for n in notes))
    status = 1 if newer else 0
    print(f"{len(newer)} libraries where a registry wheel bundles a newer copy: {', '.join(newer) or 'none'}")
    print(f"exit status: {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
