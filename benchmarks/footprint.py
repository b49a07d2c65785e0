"""Native bytes of a geospatial environment: the wheelfarm stack against PyPI's bundles.

Two fresh virtual environments, built in the same run:

- **ours**: shapely and pyproj built against wheelfarm-geos / wheelfarm-proj (the repaired
  wheels tests/geo/consumers.sh leaves in .farm/geo-consumers/repaired), plus the
  wheelfarm GDAL stack (wheelfarm-gdal and everything it requires) from the farm's index;
- **pypi**: the same shapely and pyproj releases from the package index, plus the packages
  whose bundled GDAL the stack replaces: rasterio, fiona and pyogrio.

Every ELF file under site-packages is counted; shared libraries are grouped by library
identity (farm.doctor.identity, which sees through auditwheel's renamed copies), so each
library's copies show. Prints both tables, the totals and the ratio.

    python benchmarks/footprint.py [--index index] [--consumers .farm/geo-consumers/repaired]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.doctor.identity import is_extension_module, library_identity  # noqa: E402

#: the releases compared (pyproj 3.6.1: the newest that builds against PROJ 9.1)
PYPI = {"shapely": "2.2.0", "pyproj": "3.6.1", "rasterio": "1.4.4", "fiona": "1.10.1", "pyogrio": "0.13.0"}


@dataclass
class Footprint:
    name: str
    site_bytes: int = 0
    libraries: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    extensions: int = 0
    executables: int = 0
    proj_db: int = 0

    @property
    def library_bytes(self) -> int:
        return sum(size for copies in self.libraries.values() for _, size in copies)

    @property
    def native_bytes(self) -> int:
        return self.library_bytes + self.extensions + self.executables

    @property
    def extra_copy_bytes(self) -> int:
        return sum(sum(sorted(s for _, s in copies)[:-1]) for copies in self.libraries.values())


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} ... failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def make_env(where: Path, steps: list[list[str]]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    for args in steps:
        _run([*pip, *args])
    out = subprocess.run([str(where / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def measure(name: str, site: Path) -> Footprint:
    fp = Footprint(name)
    for path in sorted(p for p in site.rglob("*") if p.is_file() and not p.is_symlink()):
        size = path.stat().st_size
        fp.site_bytes += size
        rel = path.relative_to(site)
        if path.name == "proj.db":
            fp.proj_db += 1
        if rel.parts[0] in ("pip", "setuptools", "_distutils_hack") or not _is_elf(path):
            continue
        if is_extension_module(path.name):
            fp.extensions += size
        elif ".so" in path.name:
            fp.libraries[library_identity(rel)].append((rel.as_posix(), size))
        else:
            fp.executables += size
    return fp


def report(fp: Footprint) -> None:
    print(f"\n{fp.name}: {fp.site_bytes:,} B in site-packages, {fp.native_bytes:,} B native "
          f"({fp.library_bytes:,} B shared libraries, {fp.extensions:,} B extension modules, "
          f"{fp.executables:,} B executables); proj.db x{fp.proj_db}")
    print(f"  {'library':<16} {'copies':>6} {'bytes':>14}  files")
    for ident, copies in sorted(fp.libraries.items(), key=lambda kv: -sum(s for _, s in kv[1])):
        files = ", ".join(Path(p).name for p, _ in copies)
        print(f"  {ident:<16} {len(copies):>6} {sum(s for _, s in copies):>14,}  {files[:90]}")
    repeated = sum(1 for c in fp.libraries.values() if len(c) > 1)
    print(f"  {len(fp.libraries)} libraries, {repeated} with more than one copy, "
          f"{fp.extra_copy_bytes:,} B in extra copies")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--consumers", type=Path, default=ROOT / ".farm" / "geo-consumers" / "repaired")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    consumers = sorted(args.consumers.glob("*.whl"))
    if not any(w.name.startswith("shapely-") for w in consumers) or not any(w.name.startswith("pyproj-") for w in consumers):
        sys.exit(f"no shapely/pyproj wheels in {args.consumers}; run tests/geo/consumers.sh first")
    index = (args.index.resolve() / "simple").as_uri() + "/"
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        ours = make_env(Path(tmp, "ours"), [
            ["--index-url", index, "wheelfarm-gdal", "wheelfarm-geos", "wheelfarm-proj"],
            [*map(str, consumers)],
        ])
        pypi = make_env(Path(tmp, "pypi"), [
            ["--only-binary", ":all:", *(f"{k}=={v}" for k, v in PYPI.items())],
        ])
        a, b = measure("wheelfarm stack + shapely + pyproj", ours), measure(
            "PyPI: " + ", ".join(f"{k} {v}" for k, v in PYPI.items()), pypi)
    report(a)
    report(b)
    ratio = b.native_bytes / a.native_bytes
    print(f"\nnative bytes: PyPI {b.native_bytes:,} / wheelfarm {a.native_bytes:,} = {ratio:.2f}x")
    print(f"site-packages: PyPI {b.site_bytes:,} / wheelfarm {a.site_bytes:,} = {b.site_bytes / a.site_bytes:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({
            fp.name: {"site_bytes": fp.site_bytes, "native_bytes": fp.native_bytes, "library_bytes": fp.library_bytes,
                      "extension_bytes": fp.extensions, "executable_bytes": fp.executables,
                      "extra_copy_bytes": fp.extra_copy_bytes, "proj_db": fp.proj_db,
                      "libraries": {k: [s for _, s in v] for k, v in fp.libraries.items()}}
            for fp in (a, b)} | {"ratio_native": ratio}, indent=1))


if __name__ == "__main__":
    main()
