"""``farm build``: recipe -> plan -> fetch -> build in isolation -> pack -> repair -> link
check -> test in a fresh venv from the index -> wheelhouse + index.

One code path behind three front doors (the CLI, the PEP 517 backend, cibuildwheel).
Nothing reaches the wheelhouse or the index unless every stage passed.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from farm import __version__
from farm.buildenv import BuildTree, check_tools, install_wheel
from farm.buildkey import build_key
from farm.catalog import Catalog
from farm.cuda import DRIVER_LIBRARIES, Overlay, OverlayInput, make_overlay
from farm.errors import FarmError
from farm.extract import apply_patches, extract
from farm.fetch import FetchError, Fetched, SourceCache, sha256_file
from farm.index import publish
from farm.installer import choose as choose_installer
from farm.kinds import Job, Kind, TestJob, kind_of
from farm.linkcheck import LinkError, check_wheel
from farm.pack import HostDependency, Packed
from farm.progress import NullReporter, Reporter
from farm.recipe.model import Artifact, Origin, Recipe
from farm.repair import policy_whitelist, repair_wheel
from farm.reproducible import build_root, source_date_epoch
from farm.settings import Settings

__all__ = ["BuildError", "BuildResult", "Builder"]


class BuildError(FarmError, RuntimeError):
    pass


@dataclass(frozen=True)
class BuildResult:
    recipe: str
    variant: dict[str, Any]
    wheel: Path
    skipped: bool
    seconds: dict[str, float] = field(default_factory=dict)
    hints: tuple[str, ...] = ()


def _variant_id(recipe: Recipe) -> str:
    return "-".join(f"{k}{v}" for k, v in sorted(recipe.variant.items())) or "default"





@functools.lru_cache(maxsize=None)
def _sha256_of(path: Path, size: int, mtime_ns: int) -> str:
    """``sha256_file`` once per file version (size and time are part of the key)."""
    return sha256_file(path)


@dataclass(frozen=True)
class _Compiled:
    kind: Kind
    packed: Packed
    deps: list[tuple[HostDependency, Path | None]]
    key: str
    key_file: Path
    tree: BuildTree
    work: Path
    log: Path


@dataclass
class Builder:
    settings: Settings
    catalog: Catalog
    reporter: Reporter = field(default_factory=NullReporter)
    test: bool = True
    force: bool = False
    strict_policy: bool = False
    #: build only the variants matching these values (``--variant interface=lp64``)
    only_variants: dict[str, str] = field(default_factory=dict)
    #: build what the named recipes link first; False: only the named ones, their dependencies'
    #: wheels taken from the wheelhouse as they are (what a CI job for one recipe does)
    with_dependencies: bool = True
    cpu_count: int = field(default_factory=lambda: os.cpu_count() or 1)

    @property
    def dist_prefix(self) -> str:
        return self.settings.namespace

    # -- planning -----------------------------------------------------------------------
    def plan(self, names: Sequence[str]) -> list[str]:
        """The recipes to visit, dependencies first: the named ones and everything they link."""
        graph = self.catalog.graph()
        wanted: set[str] = set()
        for n in names:
            self.catalog.document(n)
            wanted.add(n)
            if self.with_dependencies:
                wanted.update(graph.dependencies(n, transitive=True))
        return [n for wave in graph.waves(only=wanted) for n in wave]

    def build(self, names: Sequence[str]) -> list[BuildResult]:
        results = []
        for name in self.plan(names):
            for recipe in self.catalog.variants_of(name):
                if any(k in recipe.variant and str(recipe.variant[k]) != v for k, v in self.only_variants.items()):
                    continue
                if recipe.skip:
                    self.reporter.info(f"{name} [{_variant_id(recipe)}]: skipped on {recipe.platform.name}")
                    continue
                why = kind_of(recipe).unavailable(recipe)
                if why:
                    self.reporter.info(f"{name} [{_variant_id(recipe)}]: skipped: {why}")
                    continue
                results.append(self.build_one(recipe))
        return results

    # -- wheels of dependencies ---------------------------------------------------------
    def variant_for(self, name: str, of: Recipe | None = None) -> Recipe:
        """The variant of recipe ``name`` that ``of`` links: the one of the same CUDA major, else the first."""
        found = self.catalog.variants_of(name)
        if of is not None and of.cuda is not None:
            same = [v for v in found if v.cuda is not None and v.cuda.toolkit.major == of.cuda.toolkit.major]
            if same:
                return same[0]
        return found[0]

    def wheel_for(self, name: str, of: Recipe | None = None) -> Path:
        """The wheelhouse's wheel of recipe ``name`` matching the global pin (newest build); for ``of``'s CUDA major."""
        dep = self.variant_for(name, of)
        dist = canonicalize_name(self.settings.dist_name(dep.package))
        pin = self.catalog.pins.pins.get(name)
        label = dep.local_label  # a development build links development builds
        best: tuple[Version, Path] | None = None
        for wheel in self.settings.wheelhouse.glob("*.whl"):
            wname, version, _, _ = parse_wheel_filename(wheel.name)
            if wname != dist or (version.local or "") != label:
                continue
            if pin is not None and version.base_version != Version(pin).base_version:
                continue
            if best is None or version > best[0]:
                best = (version, wheel)
        if best is None:
            want = f" {pin}" if pin else ""
            raise BuildError(f"no wheel of {dist}{want} in {self.settings.wheelhouse}; build it first (farm build {name})")
        return best[1]

    def external_wheel(self, name: str) -> Path | None:
        """The file of external wheel ``name`` (pins.yaml), from the source cache; None when it is known by version only."""
        ext = self.catalog.pins.external[name]
        if ext.wheel is None:
            return None
        file, sha256 = ext.wheel
        cache = SourceCache(self.settings.cache, self.settings.source_order, self.settings.download_timeout)
        origin = Origin(sha256=sha256, pypi_project=name, pypi_file=file)
        try:
            return cache.fetch(Artifact((origin,)), self.reporter.download).path
        except FetchError as exc:
            raise FetchError(f"{self.catalog.pins.file}: external.{name}: {exc}") from None

    def wheel_sha256(self, dep: HostDependency, wheel: Path) -> str:
        """A host wheel's sha256: an external one's is its pin (the source cache checked it), a farm
        wheel's is read once per process (every dependent of GDAL asks for GDAL's)."""
        ext = self.catalog.pins.external.get(dep.name) if dep.external else None
        if ext is not None and ext.wheel is not None:
            return ext.wheel[1]
        st = wheel.stat()
        return _sha256_of(wheel, st.st_size, st.st_mtime_ns)

    def host_dependencies(self, recipe: Recipe) -> list[tuple[HostDependency, Path | None]]:
        out: list[tuple[HostDependency, Path | None]] = []
        for req in recipe.host:
            if req.name in self.catalog.pins.external:
                ext = self.catalog.pins.external[req.name]
                out.append((HostDependency(ext.name, "", ext.name, ext.version, ext.max_pin, ext.min_pin,
                                           ext.lib_dir, ext.sonames, external=True, runtime=ext.runtime),
                            self.external_wheel(ext.name)))
                continue
            dep = self.variant_for(req.name, recipe)
            wheel = self.wheel_for(req.name, recipe)
            version = str(parse_wheel_filename(wheel.name)[1])
            out.append((HostDependency(dep.package, dep.module, self.settings.dist_name(dep.package), version,
                                       dep.max_pin, dep.min_pin, f"{self.settings.namespace}/{dep.module}/lib",
                                       dep.provides.sonames), wheel))
        return out

    # -- one build ----------------------------------------------------------------------
    @contextmanager
    def _stage(self, recipe: Recipe, name: str, seconds: dict[str, float], note: list[str] | None = None
               ) -> Iterator[None]:
        self.reporter.stage(recipe.name, name)
        start = time.monotonic()
        yield
        seconds[name] = time.monotonic() - start
        self.reporter.stage_done(recipe.name, name, seconds[name], (note or [""])[0])

    def tag(self, recipe: Recipe) -> str:
        """The name of a variant's build folder, log and key file."""
        return f"{recipe.name}-{_variant_id(recipe)}" + (f"-{recipe.local_label}" if recipe.local_label else "")

    def log_file(self, recipe: Recipe) -> Path:
        return self.settings.work / "logs" / f"{self.tag(recipe)}.log"

    def _compile(self, recipe: Recipe, seconds: dict[str, float]) -> _Compiled | BuildResult:
        """Everything up to a packed wheel, or the unchanged result when the key matches."""
        s = self.settings
        tag = self.tag(recipe)
        work = s.work / "build" / tag
        log = self.log_file(recipe)
        key_file = s.work / "keys" / f"{tag}.json"
        tools = check_tools(recipe, self.catalog.pins.toolchain)
        deps = self.host_dependencies(recipe)
        dep_wheels = {d.name: (self.wheel_sha256(d, w) if w else d.version) for d, w in deps}
        key, inputs = build_key(recipe, namespace=s.namespace, dependency_wheels=dep_wheels,
                                toolchain=self.catalog.pins.toolchain, tools=tools)
        if not self.force and key_file.exists():
            try:
                known = json.loads(key_file.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                known = {}  # unreadable: build again, as if there were none
            wheel = s.wheelhouse / known.get("wheel", "")
            if known.get("key") == key and wheel.is_file():
                # the index has it too, as after a build (a no-op where it does): dependents'
                # tests install from the index, and a wheel taken from elsewhere (a PR's checked
                # build) has not been published yet
                publish(s.index, [wheel])
                self.reporter.stage_done(recipe.name, "unchanged", 0.0, wheel.name)
                return BuildResult(recipe.name, dict(recipe.variant), wheel, True)
        tree = BuildTree(build_root(work)).fresh()  # one path length: see farm.reproducible
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"farm {__version__} building {recipe.name} {recipe.wheel_version} [{_variant_id(recipe)}]\n", encoding="utf-8")
        self.reporter.log_file(recipe.name, log)

        kind = kind_of(recipe)
        fetched: list[Fetched] = []
        with self._stage(recipe, "fetch", seconds):
            cache = SourceCache(s.cache, s.source_order, s.download_timeout)
            for i, artifact in enumerate(recipe.sources):
                try:
                    got = cache.fetch(artifact, self.reporter.download)
                except FetchError as exc:
                    where = self.catalog.document(self.catalog.name_of(recipe)).where(("source", i, "sha256"))
                    raise FetchError(f"{where}: {exc}") from None
                fetched.append(got)
                dest = tree.src / artifact.target_directory if artifact.target_directory else tree.src
                extract(got.path, dest)
                apply_patches(dest, [recipe.folder / p for p in artifact.patches])
        dep_roots: list[Path] = []
        indirect_roots: list[Path] = []
        overlay_env: dict[str, str] = {}
        with self._stage(recipe, "host", seconds):
            for dep, wheel in deps:
                if wheel is not None:
                    install_wheel(wheel, tree.host)
                    if not dep.external:
                        dep_roots.append(tree.host / s.namespace / dep.module)
            # what the host dependencies link in turn: present for the linker, never linked directly
            direct = {d.name for d, _ in deps}
            for name in self.catalog.graph().dependencies(self.catalog.name_of(recipe), transitive=True):
                if name not in direct:
                    install_wheel(self.wheel_for(name, recipe), tree.host)
                    indirect_roots.append(tree.host / s.namespace / self.variant_for(name, recipe).module)
            if recipe.cuda is not None:
                overlay_env = dict(self.cuda_overlay(recipe, tree, [d for d, _ in deps], tools).env)
        job = Job(recipe, s.namespace, tree, work, log, tuple(d for d, _ in deps), tuple(dep_roots),
                  tuple(indirect_roots), tools, self.cpu_count, dict(os.environ),
                  choose_installer(s.installer, cache=s.cache, environ=os.environ), overlay_env)
        with self._stage(recipe, "compile", seconds):
            kind.compile(job)
        provenance = {
            "recipe": recipe.name,
            "version": kind.wheel_version(recipe, s.namespace),
            "variant": dict(recipe.variant),
            "platform": recipe.platform.name,
            "build_key": key,
            "recipe_sha256": inputs["recipe_files"],
            "sources": [
                {"file": f.path.name, "sha256": f.sha256, "origin": f.origin.kind, "from": f.origin.describe()}
                for f in fetched
            ],
            "dependencies": {d.name: {"wheel": w.name if w else None, "sha256": dep_wheels[d.name],
                                      "version": d.version} for d, w in deps},
            "toolchain": inputs["toolchain"],
            "compilers": inputs["compilers"],
            "pins": dict(self.catalog.pins.pins),
            "builder": f"farm {__version__}",
            "source_date_epoch": source_date_epoch(recipe.folder, os.environ),
        }
        with self._stage(recipe, "pack", seconds):
            packed = kind.pack(job, provenance)
        return _Compiled(kind, packed, deps, key, key_file, tree, work, log)

    def cuda_overlay(self, recipe: Recipe, tree: BuildTree, deps: Sequence[HostDependency],
                     tools: dict[str, str]) -> Overlay:
        """NVIDIA's compiler unpacked next to the host wheels, and the toolkit view over them (see farm.cuda)."""
        assert recipe.cuda is not None
        toolkit = recipe.cuda.toolkit
        nvcc_dir: Path | None = None
        if recipe.cuda.nvcc:
            for name in recipe.cuda.compiler_wheels:
                wheel = self.external_wheel(name)
                if wheel is None:
                    raise BuildError(f"{self.catalog.pins.file}: external.{name} needs a wheel (file, sha256) "
                                     f"to be installed as CUDA {toolkit.major}'s compiler")
                install_wheel(wheel, tree.host)
            if toolkit.compiler_debian is not None:
                from farm.debtools import DebianTools, nvcc_path, tool_prefix

                d = toolkit.compiler_debian
                prefix = tool_prefix(DebianTools(d.suite, d.component, d.packages, d.version, d.keep),
                                     self.settings.cache)
                nvcc_dir = nvcc_path(prefix).parent
            elif recipe.cuda.compiler_wheels:
                found = sorted(tree.host.glob("nvidia/*/bin/nvcc"))
                if not found:
                    raise BuildError(f"CUDA {toolkit.major}'s compiler wheels have no nvidia/*/bin/nvcc; "
                                     f"check cuda.{toolkit.major}.compiler in {self.catalog.pins.file}")
                nvcc_dir = found[0].parent
            else:
                raise BuildError(f"{recipe.name}: requirements.cuda asks for nvcc, but CUDA {toolkit.major} has no "
                                 f"compiler in {self.catalog.pins.file}; add cuda.{toolkit.major}.compiler")
        inputs = [OverlayInput(d.name, d.lib_dir, self.catalog.pins.external[d.name].include_dir, d.sonames,
                               d.version) for d in deps if d.external]
        return make_overlay(recipe.cuda, tree.host, tree.root / "cuda", inputs, tools.get("c-compiler", "cc"),
                            nvcc_dir)

    def pack_only(self, recipe: Recipe) -> Path:
        """The packed, unrepaired wheel (what the PEP 517 backend hands to cibuildwheel)."""
        self.force = True
        compiled = self._compile(recipe, {})
        assert isinstance(compiled, _Compiled)
        return compiled.packed.wheel

    def build_one(self, recipe: Recipe) -> BuildResult:
        s = self.settings
        seconds: dict[str, float] = {}
        compiled = self._compile(recipe, seconds)
        if isinstance(compiled, BuildResult):
            return compiled
        packed, deps, key, key_file, tree, work, log = (compiled.packed, compiled.deps, compiled.key,
                                                        compiled.key_file, compiled.tree, compiled.work, compiled.log)
        linked = self.linked_sonames(recipe)
        driver = DRIVER_LIBRARIES if recipe.cuda is not None else ()
        exclude = sorted({soname for d, _ in deps for soname in d.sonames} | set(linked) | set(driver))
        with self._stage(recipe, "repair", seconds):
            policy = self.catalog.pins.platforms.get(recipe.platform.name)
            plat = f"{policy.policy}_{recipe.platform.arch}" if (policy and policy.policy and self.strict_policy) else None
            repaired = repair_wheel(packed.wheel, work / "repaired", recipe.platform, exclude, plat)
            if policy and policy.policy and not self.strict_policy and policy.policy not in repaired.tag:
                self.reporter.info(f"{recipe.name}: built here as {repaired.tag}; CI builds target {policy.policy}")
        with self._stage(recipe, "check", seconds):
            report = check_wheel(
                repaired.wheel, work, recipe=recipe.name, recipe_file=recipe.folder / "recipe.yaml",
                host_line=self._host_line(recipe), providers={d.name: d.sonames for d, _ in deps if d.runtime},
                allowed=[*policy_whitelist(recipe.platform.arch), *driver,
                         *(p.allowed_libraries if (p := self.catalog.pins.platforms.get(recipe.platform.name)) else ())],
                forbidden=[str(s.work), str(tree.root), str(s.root), str(s.cache)],
                farm_libraries=self.farm_libraries(recipe), never_shipped=self.never_shipped(),
                grafts=recipe.grafts, build_line=self._line(recipe, ("build", "grafts")),
                home=os.path.expanduser("~/"),
            )
            if report.errors:
                raise LinkError(f"{recipe.name}: link check failed:\n" + "\n".join("  " + e for e in report.errors))
        if self.test:
            with self._stage(recipe, "test", seconds):
                compiled.kind.test(TestJob(recipe, s.namespace, repaired.wheel, compiled.kind.dist_name(recipe, s.namespace),
                                           s.index, work / "test", log, packed, linked,
                                           choose_installer(s.installer, cache=s.cache, environ=os.environ),
                                           tuple(w for d, w in deps if d.external and d.runtime and w is not None)))
        with self._stage(recipe, "publish", seconds):
            s.wheelhouse.mkdir(parents=True, exist_ok=True)
            final = s.wheelhouse / repaired.wheel.name
            tmp = s.wheelhouse / f".{repaired.wheel.name}.part"
            shutil.copyfile(repaired.wheel, tmp)
            os.replace(tmp, final)
            publish(s.index, [final])
            key_file.parent.mkdir(parents=True, exist_ok=True)
            part = key_file.with_name(f".{key_file.name}.part")  # a kill never leaves half a key
            part.write_text(json.dumps({"key": key, "wheel": final.name}, indent=1), encoding="utf-8")
            os.replace(part, key_file)
        return BuildResult(recipe.name, dict(recipe.variant), final, False, seconds, report.hints)

    def linked_sonames(self, recipe: Recipe) -> list[str]:
        """The sonames of every farm library the recipe links, directly or through its dependencies."""
        names = self.catalog.graph().dependencies(self.catalog.name_of(recipe), transitive=True)
        out = [s for n in names for s in self.variant_for(n, recipe).provides.sonames]
        out += [s for r in recipe.host if r.name in self.catalog.pins.external
                for s in self.catalog.pins.external[r.name].sonames]
        return sorted(set(out))

    def farm_libraries(self, recipe: Recipe) -> dict[str, str]:
        """Soname -> the recipe that provides it, for every other recipe of the farm (a copy is never shipped)."""
        own = self.catalog.name_of(recipe)
        return {soname: name for name, variants in self.catalog.rendered.items() if name != own
                for v in variants for soname in v.provides.sonames}

    def never_shipped(self) -> dict[str, str]:
        """Soname -> whose it is, for the external wheels' libraries and the NVIDIA driver's."""
        out = {soname: ext.name for ext in self.catalog.pins.external.values() for soname in ext.sonames}
        out.update({soname: "the NVIDIA driver" for soname in DRIVER_LIBRARIES})
        return out

    def _host_line(self, recipe: Recipe) -> str:
        return self._line(recipe, ("requirements", "host"))

    def _line(self, recipe: Recipe, key: tuple[str, ...]) -> str:
        """The recipe line of ``key``, or of the nearest enclosing key the recipe has."""
        return f"{self.catalog.document(self.catalog.name_of(recipe)).located.locations.of(key).line}"


