"""UCX for CUDA: the farm's wheels against RAPIDS' libucx-cu12 and libucx-cu13, from their zips alone.

Four wheels, none installed:

- **ours**: ``wheelfarm-ucx-cu12`` and ``wheelfarm-ucx-cu13`` from the wheelhouse (the
  farm's, or ``--wheelhouse DIR``; the newest of each when there are several);
- **RAPIDS**: ``libucx-cu12`` and ``libucx-cu13`` (``--anchor-version``, 1.22.0) from PyPI,
  downloaded once into ``--cache`` and taken from there afterwards.

For each one, reading the zip's members:

- download bytes (the ``.whl`` file) and unpacked bytes (the members' sizes added up);
- ELF files grouped by what they are: members with the same content are one file, and so
  are shared libraries with the same DT_SONAME. A group of n members counts n - 1
  duplicates (RAPIDS stores ``libucp.so``, ``libucp.so.0`` and ``libucp.so.0.0.0`` as three
  identical files: 2 duplicates);
- static archives (``*.a``): how many and their bytes;
- build paths: members that carry an absolute path of the machine they were built on. For
  an ELF file, a DT_RUNPATH or DT_RPATH entry that is absolute and not a system library
  folder; for a text file (``.pc``, ``.cmake``, ``.la``, ``.sh``, or a script starting with
  ``#!``), any of :data:`BUILD_MARKERS` in its content. The first few are printed;
- whether the CUDA runtime (libcudart), the driver library (libcuda) or NVML
  (libnvidia-ml) is inside the wheel, by file name or DT_SONAME (auditwheel's renamed
  copies included): those come from the CUDA wheels and the driver, not from UCX's wheel.

Prints one row per wheel and, per CUDA major, the ratio ours / RAPIDS. Targets (exit 1 when
one is missed): our unpacked bytes at most ``--target`` (0.5) of RAPIDS' for the same CUDA
major, no duplicates, no build paths and none of the three CUDA libraries in ours. Without
our wheels it exits 2 and says to build them; ``--only-anchor`` measures RAPIDS' alone
and checks no target.

    python benchmarks/cuda_size.py [--wheelhouse DIR] [--cache DIR] [--json FILE] [--only-anchor]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.cuda import SYSTEM_PREFIXES  # noqa: E402
from farm.elf import read_elf_bytes  # noqa: E402

MAJORS = ("cu12", "cu13")
ANCHOR_VERSION = "1.22.0"
DEFAULT_CACHE = Path.home() / ".cache" / "wheelfarm" / "benchmarks"
#: where build trees live on any builder: GitHub Actions' workspace, user homes, a chroot's /build,
#: conda's prefix, the temporary folder
_BUILD_ROOTS = ("/__w/", "/home/", "/build/", "/opt/conda", "/tmp/")


def _build_markers() -> tuple[bytes, ...]:
    """Byte strings that only a build machine's file system has: the usual build roots, the home and
    temporary folders of whoever runs this, and a system CUDA toolkit's prefixes (the farm's own list)."""
    here = (str(Path.home()).rstrip("/") + "/", tempfile.gettempdir().rstrip("/") + "/")
    return tuple(dict.fromkeys(m.encode() for m in (*_BUILD_ROOTS, *here, *SYSTEM_PREFIXES)))


BUILD_MARKERS = _build_markers()
#: text members scanned for BUILD_MARKERS (besides anything starting with "#!")
TEXT_SUFFIXES = (".pc", ".cmake", ".la", ".sh")
#: DT_RUNPATH / DT_RPATH entries that are the system's own library folders, not a build's
_SYSTEM_DIR = re.compile(r"/(usr/)?lib(64|32|x32)?(/[\w-]+-linux-gnu\w*)?/?")
#: libraries a UCX wheel for CUDA should leave to the CUDA wheels and the driver:
#: the name, auditwheel's 8-hex mangling allowed, then ".so" or a static archive's ".a"
CUDA_LIBRARIES = {
    "libcudart": re.compile(r"libcudart(_static)?(-[0-9a-f]{8})?\.(so|a)(\.|$)"),
    "libcuda": re.compile(r"libcuda(-[0-9a-f]{8})?\.so(\.|$)"),
    "libnvidia-ml": re.compile(r"libnvidia-ml(-[0-9a-f]{8})?\.so(\.|$)"),
}
EXAMPLES = 4


@dataclass
class Measured:
    name: str  # "ours cu12", "RAPIDS cu13"
    wheel: str
    major: str
    download_bytes: int = 0
    unpacked_bytes: int = 0
    members: int = 0
    elf_files: int = 0
    #: ELF identity (DT_SONAME, or the member name when there is none) -> its members
    copies: dict[str, list[str]] = field(default_factory=dict)
    static_archives: int = 0
    static_bytes: int = 0
    #: member -> the build paths found in it
    build_paths: dict[str, list[str]] = field(default_factory=dict)
    cuda: dict[str, bool] = field(default_factory=lambda: {k: False for k in CUDA_LIBRARIES})
    #: the bytes of every member but the largest of each ELF identity
    duplicate_bytes: int = 0

    @property
    def duplicates(self) -> int:
        """Members beyond the first of each ELF identity."""
        return sum(len(members) - 1 for members in self.copies.values())

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"duplicates": self.duplicates,
                               "copies": {k: v for k, v in self.copies.items() if len(v) > 1}}


def _is_build_dir(entry: str) -> bool:
    """A DT_RUNPATH/DT_RPATH entry naming a folder of the build machine ($ORIGIN-relative ones are not)."""
    if not entry.startswith("/"):
        return False
    return any(m.decode() in entry for m in BUILD_MARKERS) or not _SYSTEM_DIR.fullmatch(entry)


_DELIMITERS = b" \t\r\n\"'`=:;,()[]<>|"
_FLAG = re.compile(r"^(-[LIR]|-isystem)")


def _marker_paths(data: bytes) -> list[str]:
    """The absolute paths with a build marker in a text file's content, in order, once each.

    A path is a word around the marker (split at blanks, quotes and ``= : ; ,``), less a
    leading ``-L``/``-I``/``-R``; one that does not start with "/" (``${prefix}/build/x``,
    ``lib/tmp/x``) is relative to something else and not a build path.
    """
    found: list[str] = []
    for marker in BUILD_MARKERS:
        start = 0
        while (at := data.find(marker, start)) >= 0:
            begin, end = at, at + len(marker)
            while begin > 0 and data[begin - 1] not in _DELIMITERS:
                begin -= 1
            while end < len(data) and data[end] not in _DELIMITERS:
                end += 1
            start = end
            path = _FLAG.sub("", data[begin:end].decode("utf-8", "replace"))
            if path.startswith("/") and path not in found:
                found.append(path)
    return found


def examples(build_paths: dict[str, list[str]], n: int = EXAMPLES) -> list[tuple[str, list[str]]]:
    """Up to ``n`` members with build paths, one of each kind (.la, .pc, ..., the rest) before a second of any."""
    picked: list[str] = []
    kinds: set[str] = set()
    for member in build_paths:
        suffix = PurePosixPath(member).suffix
        kind = suffix if suffix in TEXT_SUFFIXES else ""
        if kind not in kinds:
            kinds.add(kind)
            picked.append(member)
    picked += [m for m in build_paths if m not in picked]
    return [(m, build_paths[m]) for m in picked[:n]]


class _Groups:
    """Union-find over member names: two members joined by a shared content hash or DT_SONAME are one file."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def measure(wheel: Path, name: str, major: str) -> Measured:
    m = Measured(name, wheel.name, major, download_bytes=wheel.stat().st_size)
    groups = _Groups()
    by_key: dict[str, str] = {}  # "sha256:..." / "soname:..." -> the first member that had it
    sonames: dict[str, str] = {}  # member -> DT_SONAME
    sizes: dict[str, int] = {}
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            m.members += 1
            m.unpacked_bytes += info.file_size
            member = info.filename
            base = PurePosixPath(member).name
            if base.endswith(".a"):
                m.static_archives += 1
                m.static_bytes += info.file_size
            for lib, pattern in CUDA_LIBRARIES.items():
                if pattern.match(base):
                    m.cuda[lib] = True
            with zf.open(info) as fh:
                head = fh.read(4)
            if head == b"\x7fELF":
                data = zf.read(info)
                elf = read_elf_bytes(data, member)
                m.elf_files += 1
                sizes[member] = info.file_size
                groups.find(member)
                keys = [f"sha256:{hashlib.sha256(data).hexdigest()}"]
                if elf is not None and elf.soname:
                    sonames[member] = elf.soname
                    keys.append(f"soname:{elf.soname}")
                    for lib, pattern in CUDA_LIBRARIES.items():
                        if pattern.match(elf.soname):
                            m.cuda[lib] = True
                for key in keys:
                    if key in by_key:
                        groups.join(by_key[key], member)
                    else:
                        by_key[key] = member
                if elf is not None:
                    bad = [e for e in (*elf.runpath, *elf.rpath) if _is_build_dir(e)]
                    if bad:
                        m.build_paths[member] = list(dict.fromkeys(bad))
            elif base.endswith(TEXT_SUFFIXES) or head[:2] == b"#!":
                data = zf.read(info)
                if b"\0" not in data[:8192]:
                    paths = _marker_paths(data)
                    if paths:
                        m.build_paths[member] = paths
    members: dict[str, list[str]] = {}
    for member in sizes:
        members.setdefault(groups.find(member), []).append(member)
    for group in members.values():
        group.sort(key=lambda p: (len(p), p))
        soname = next((sonames[p] for p in group if p in sonames), None)
        m.copies[soname or group[0]] = group
        m.duplicate_bytes += sum(sorted(sizes[p] for p in group)[:-1])
    return m


def find_ours(wheelhouse: Path, major: str) -> Path | None:
    """The newest ``wheelfarm_ucx_<major>-*.whl`` in the wheelhouse."""
    found = []
    for path in wheelhouse.glob(f"wheelfarm_ucx_{major}-*.whl"):
        try:
            _, version, _, _ = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        found.append((version, path.name, path))
    return max(found)[2] if found else None


def anchor(major: str, version: str, cache: Path) -> Path:
    """RAPIDS' ``libucx-<major>`` wheel for this machine's architecture: from the cache, else downloaded there."""
    pattern = f"libucx_{major}-{version}-*.whl"
    machine = platform.machine()
    cached = sorted(p for p in cache.glob(pattern) if p.name.endswith(f"_{machine}.whl"))
    if cached:
        return cached[-1]
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet",
         "--disable-pip-version-check", "--platform", f"manylinux_2_28_{machine}", "-d", str(cache),
         f"libucx-{major}=={version}"],
        capture_output=True, text=True)
    cached = sorted(p for p in cache.glob(pattern) if p.name.endswith(f"_{machine}.whl"))
    if done.returncode != 0 or not cached:
        sys.exit(f"libucx-{major}=={version}: no {machine} wheel could be downloaded into {cache}:\n"
                 f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return cached[-1]


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                      for r in rows)


def report(measured: list[Measured], ratios: dict[str, dict[str, float]]) -> None:
    head = ["wheel", "download MB", "unpacked MB", "ELF files", "ELF identities", "duplicates", "dup MB",
            "static .a", "static MB", "build paths", "libcudart", "libcuda", "libnvidia-ml"]
    rows = [head]
    for m in measured:
        rows.append([f"{m.name} ({m.wheel.split('-')[1]})", _mb(m.download_bytes), _mb(m.unpacked_bytes),
                     str(m.elf_files), str(len(m.copies)), str(m.duplicates), _mb(m.duplicate_bytes),
                     str(m.static_archives), _mb(m.static_bytes), str(len(m.build_paths)),
                     *("yes" if m.cuda[k] else "no" for k in CUDA_LIBRARIES)])
    for major, r in ratios.items():
        rows.append([f"ours / RAPIDS {major}", f"{r['download']:.2f}", f"{r['unpacked']:.2f}",
                     *[""] * (len(head) - 3)])
    print(table(rows))
    for m in measured:
        print(f"\n{m.name}: {m.wheel}")
        repeated = {k: v for k, v in m.copies.items() if len(v) > 1}
        for ident, members in sorted(repeated.items()):
            print(f"  {ident} x{len(members)}: {', '.join(PurePosixPath(p).name for p in members)}")
        if not repeated:
            print("  every ELF file once")
        for member, paths in examples(m.build_paths):
            print(f"  build path in {member}: {', '.join(paths[:2])}")
        if len(m.build_paths) > EXAMPLES:
            print(f"  ... and {len(m.build_paths) - EXAMPLES} more members with build paths")


def targets(ours: dict[str, Measured], ratios: dict[str, dict[str, float]], target: float) -> list[str]:
    missed = []
    for major, m in ours.items():
        if ratios[major]["unpacked"] > target:
            missed.append(f"{major}: unpacked ours/RAPIDS {ratios[major]['unpacked']:.2f} > {target}")
        if m.duplicates:
            missed.append(f"{major}: {m.duplicates} duplicate ELF files")
        if m.build_paths:
            missed.append(f"{major}: {len(m.build_paths)} members with build paths")
        inside = [k for k, v in m.cuda.items() if v]
        if inside:
            missed.append(f"{major}: {', '.join(inside)} inside the wheel")
    return missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--wheelhouse", type=Path, help="where our wheelfarm_ucx_cu1x wheels are (default: the farm's)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where RAPIDS' wheels are kept (default: %(default)s)")
    ap.add_argument("--anchor-version", default=ANCHOR_VERSION, help="libucx-cu12/-cu13 version (default: %(default)s)")
    ap.add_argument("--target", type=float, default=0.5, help="most unpacked-bytes ratio ours/RAPIDS (default: %(default)s)")
    ap.add_argument("--json", type=Path, help="also write the measurements here")
    ap.add_argument("--only-anchor", action="store_true", help="measure RAPIDS' wheels alone; no target is checked")
    args = ap.parse_args(argv)
    ours_wheels: dict[str, Path] = {}
    if not args.only_anchor:
        if args.wheelhouse is None:
            from farm.settings import load_settings

            args.wheelhouse = load_settings(ROOT).wheelhouse
        found = {major: find_ours(args.wheelhouse, major) for major in MAJORS}
        missing = [f"wheelfarm-ucx-{major}" for major, path in found.items() if path is None]
        if missing:
            print(f"{' and '.join(missing)} not in {args.wheelhouse}: build them first (farm build ucx)",
                  file=sys.stderr)
            return 2
        ours_wheels = {major: path for major, path in found.items() if path is not None}
    ours = {major: measure(path, f"ours {major}", major) for major, path in ours_wheels.items()}
    theirs = {major: measure(anchor(major, args.anchor_version, args.cache), f"RAPIDS {major}", major)
              for major in MAJORS}
    ratios = {major: {"download": m.download_bytes / theirs[major].download_bytes,
                      "unpacked": m.unpacked_bytes / theirs[major].unpacked_bytes}
              for major, m in ours.items()}
    report([*ours.values(), *theirs.values()], ratios)
    missed = targets(ours, ratios, args.target) if ours else []
    if args.json:
        args.json.write_text(json.dumps({
            "wheels": [m.as_json() for m in (*ours.values(), *theirs.values())],
            "ratios": ratios, "target": None if args.only_anchor else args.target, "missed": missed}, indent=1))
    if args.only_anchor:
        print("\n--only-anchor: RAPIDS' wheels alone, no target checked")
        return 0
    if missed:
        print("\ntarget missed: " + "; ".join(missed))
        return 1
    print(f"\nevery target met: unpacked ours/RAPIDS <= {args.target}, no duplicates, no build paths, "
          "no CUDA libraries inside")
    return 0


if __name__ == "__main__":
    sys.exit(main())
