"""Native bytes of a geospatial + numerical environment: the farm's builds against the registry's.

Two fresh virtual environments, made in the same run with the same command:

- **ours**: ``pip install --extra-index-url <farm index> <packages>``, where the packages are
  the farm's Python-package recipes (rasterio, fiona, pyogrio, GDAL, shapely, pyproj, numpy,
  scipy: those the index holds); every one must come out as the farm's build (``+wheelfarm``),
  bringing the farm's library wheels through its Requires-Dist;
- **registry**: the same packages at the same public versions from the default index alone,
  each with the native libraries it bundles (GDAL's bindings have no wheel there: its
  self-contained ``gdal-wheel`` build stands in for them when the index has it).

Every ELF file of the compared packages is counted, with the farm's library wheels they
bring on our side (their other dependencies, NumPy, click, attrs..., come from the registry
on both sides and are left out of both); shared libraries are grouped by library
identity (farm.doctor.identity, which sees through auditwheel's renamed copies), so each
library's copies show. Prints both tables, the totals, each group's ratio (GROUPS), the whole
environment's and the time to ``import rasterio, fiona, pyogrio`` in each; exits non-zero
unless the geospatial packages with what they bring have at least 3x fewer native bytes on
our side, and the whole environment has no library twice and one proj.db.

    python benchmarks/footprint.py [--index index] [--target 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.doctor.identity import is_extension_module, library_identity  # noqa: E402

#: imported together for the import-time figure
IMPORT = ["rasterio", "fiona", "pyogrio"]

#: measured apart as well as together. The target is the geospatial group's: those packages
#: bundle GDAL, PROJ and GEOS each (three GDALs). numpy's and scipy's wheels bundle one
#: OpenBLAS each, but most of their native bytes are their own extension modules (67 MB for
#: numpy 1.26 and scipy 1.17), the same on both sides; their ratio and the whole
#: environment's are printed, and their OpenBLAS must be there once.
GROUPS = {"geospatial": ["rasterio", "fiona", "pyogrio", "GDAL", "shapely", "pyproj"], "numerical": ["numpy", "scipy"]}
TARGET_GROUP = "geospatial"


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


def make_env(where: Path, args: list[str]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    _run([str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args])
    out = subprocess.run([str(where / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def versions(venv: Path, dists: list[str]) -> dict[str, str]:
    code = "import importlib.metadata as m, json, sys; print(json.dumps({d: m.version(d) for d in sys.argv[1:]}))"
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code, *dists], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def import_seconds(venvs: list[Path], modules: list[str], rounds: int = 7) -> list[float]:
    """Best wall time of a fresh interpreter of each venv importing ``modules`` (its own start-up
    subtracted). The venvs take turns, round by round, so a busy moment of the machine falls on
    both sides alike."""
    runs: dict[tuple[Path, str], list[float]] = {(v, code): [] for v in venvs
                                                 for code in ("pass", "import " + ", ".join(modules))}
    for _ in range(rounds):
        for (venv, code), times in runs.items():
            start = time.perf_counter()
            subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    best = {key: min(times) for key, times in runs.items()}
    return [best[(v, "import " + ", ".join(modules))] - best[(v, "pass")] for v in venvs]


def farm_packages() -> dict[str, str]:
    """The farm's Python-package recipes: distribution -> the public version it builds."""
    from farm.catalog import Catalog
    from farm.kinds import kind_of
    from farm.settings import find_root, load_settings

    settings = load_settings(find_root(ROOT))
    catalog = Catalog.from_settings(settings)
    out = {}
    for name in catalog.documents:
        recipe = catalog.variants_of(name)[0]
        if recipe.python is not None:
            out[kind_of(recipe).dist_name(recipe, settings.namespace)] = recipe.version
    return out


#: run in a venv: the files of the named distributions and of the farm library wheels they
#: depend on, directly or through each other (Requires-Dist without an extra marker)
_OWNED = r"""
import importlib.metadata as m, json, re, sys
c = lambda n: re.sub(r"[-_.]+", "-", n).lower()
dists = {c(d.metadata["Name"]): d for d in m.distributions()}
todo, seen = [c(n) for n in sys.argv[1:]], set()
while todo:
    name = todo.pop()
    if name in seen or name not in dists:
        continue
    seen.add(name)
    for req in dists[name].requires or []:
        dep = c(re.match(r"[A-Za-z0-9._-]+", req).group())
        if "extra ==" not in req and dep.startswith("wheelfarm-"):
            todo.append(dep)
print(json.dumps([str(f.locate()) for n in sorted(seen) for f in (dists[n].files or [])]))
"""


def owned_files(venv: Path, dists: list[str]) -> set[Path]:
    """The installed files of ``dists`` and of the farm's library wheels they bring with them."""
    out = subprocess.run([str(venv / "bin" / "python"), "-c", _OWNED, *dists], capture_output=True, text=True,
                         check=True)
    return {Path(p).resolve() for p in json.loads(out.stdout)}


def measure(name: str, site: Path, owned: set[Path]) -> Footprint:
    """Every file of the compared packages (and the farm libraries they depend on); their other
    dependencies (NumPy, click, attrs, ...) come from the registry on both sides and are left out."""
    fp = Footprint(name)
    for path in sorted(p for p in site.rglob("*") if p.is_file() and not p.is_symlink() and p.resolve() in owned):
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--target", type=float, default=3.0, help="least native-bytes ratio registry/ours")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    index = (args.index.resolve() / "simple").as_uri() + "/"
    packages = farm_packages()
    published = {d: v for d, v in packages.items()
                 if (args.index / "simple" / canonicalize_name(d)).is_dir()}
    if not published:
        sys.exit(f"the farm index {args.index} holds none of {', '.join(packages)}; run ci/consumers.sh first")
    registry = dict(published)
    gdal = registry.pop("GDAL", None)
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        ours_venv, pypi_venv = Path(tmp, "ours"), Path(tmp, "registry")
        ours = make_env(ours_venv, ["--extra-index-url", index, *(f"{d}=={v}" for d, v in published.items())])
        got = versions(ours_venv, list(published))
        not_ours = {d: v for d, v in got.items() if "+" not in v}
        if not_ours:
            sys.exit(f"the farm's index was given but these came from elsewhere: {not_ours}")
        extra = []
        compared = list(published)
        if gdal:
            probe = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                                    "-d", tmp, "gdal-wheel"], capture_output=True, text=True)
            extra = ["gdal-wheel"] if probe.returncode == 0 else []
            if not extra:  # nothing stands in for GDAL's bindings on this CPython: compare without them
                compared.remove("GDAL")
                print(f"gdal-wheel has no wheel for this CPython: GDAL's bindings are left out of both sides")
        pypi = make_env(pypi_venv, ["--only-binary", ":all:", *(f"{d}=={v}" for d, v in registry.items()), *extra])
        a = measure("farm: " + ", ".join(f"{d} {v}" for d, v in got.items()), ours,
                    owned_files(ours_venv, compared))
        b = measure("registry: " + ", ".join(f"{d} {v}" for d, v in versions(pypi_venv, [*registry, *extra]).items()),
                    pypi, owned_files(pypi_venv, [*registry, *extra]))
        groups = {}
        for group, members in GROUPS.items():
            mine = [d for d in compared if d in members]
            theirs = [d for d in [*registry, *extra] if d in members or (d == "gdal-wheel" and "GDAL" in mine)]
            if mine:
                groups[group] = (measure(group, ours, owned_files(ours_venv, mine)),
                                 measure(group, pypi, owned_files(pypi_venv, theirs)))
        wanted = [m for m in IMPORT if m in {d.lower() for d in published}]
        times = tuple(import_seconds([ours_venv, pypi_venv], wanted)) if wanted else None
    report(a)
    report(b)
    whole = b.native_bytes / a.native_bytes
    repeated = sum(1 for c in a.libraries.values() if len(c) > 1)
    print()
    for group, (ga, gb) in groups.items():
        mark = f" (target >= {args.target}x)" if group == TARGET_GROUP else ""
        print(f"native bytes, {group} ({', '.join(d for d in GROUPS[group] if d in compared)}): registry "
              f"{gb.native_bytes:,} / farm {ga.native_bytes:,} = {gb.native_bytes / ga.native_bytes:.2f}x{mark}; "
              f"shared libraries {gb.library_bytes:,} / {ga.library_bytes:,}, extension modules "
              f"{gb.extensions:,} / {ga.extensions:,}")
    target_pair = groups.get(TARGET_GROUP, (a, b))
    ratio = target_pair[1].native_bytes / target_pair[0].native_bytes
    print(f"native bytes, the whole environment: registry {b.native_bytes:,} / farm {a.native_bytes:,} = {whole:.2f}x")
    print(f"site-packages: registry {b.site_bytes:,} / farm {a.site_bytes:,} = {b.site_bytes / a.site_bytes:.2f}x")
    print(f"libraries with more than one copy: farm {repeated}, registry "
          f"{sum(1 for c in b.libraries.values() if len(c) > 1)}; proj.db: farm x{a.proj_db}, registry x{b.proj_db}")
    if times:
        print(f"import {', '.join(wanted)}: farm {times[0] * 1000:.0f} ms, registry {times[1] * 1000:.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({
            fp.name: {"site_bytes": fp.site_bytes, "native_bytes": fp.native_bytes, "library_bytes": fp.library_bytes,
                      "extension_bytes": fp.extensions, "executable_bytes": fp.executables,
                      "extra_copy_bytes": fp.extra_copy_bytes, "proj_db": fp.proj_db,
                      "libraries": {k: [s for _, s in v] for k, v in fp.libraries.items()}}
            for fp in (a, b)} | {"ratio_native": ratio, "ratio_native_whole": whole, "import_seconds": times,
                                 "groups": {g: {"farm": ga.native_bytes, "registry": gb.native_bytes}
                                            for g, (ga, gb) in groups.items()}}, indent=1))
    missed = [m for ok, m in ((ratio >= args.target, f"{TARGET_GROUP} ratio {ratio:.2f} < {args.target}"),
                              (repeated == 0, f"{repeated} libraries twice"),
                              (a.proj_db <= 1, f"proj.db x{a.proj_db}")) if not ok]
    if missed:
        print("target missed: " + "; ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
