"""The lint pass: structure (from the schema), values, then the relations between recipes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.version import InvalidVersion, Version

from farm.graph import Graph
from farm.locate import Path_, YamlError, load_yaml
from farm.pins import Pins
from farm.platforms import Platform, current
from farm.recipe.model import parse_requirement
from farm.recipe.render import (RECIPE_FILE, RecipeDocument, RecipeError, base_context, discover, options,
                                 python_versions, variants)
from farm.recipe.schema import RECIPE, Violation, is_condition, validate
from farm.recipe.template import TemplateError, Templates
from farm.lint.diagnostic import Diagnostic
from farm.tools import BUILD_TOOLS

__all__ = ["lint_paths", "lint_text"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")

#: a missing key with its own lint instead of the generic F003
_MISSING: dict[Path_, str] = {
    ("build", "number"): "F013",
    ("maintainers",): "F009",
    ("test",): "F010",
    ("about", "license_file"): "F008",
    ("sha256",): "F006",
    ("url",): "F023",
}


@dataclass
class _RecipeLint:
    """Lints one recipe document and remembers what the cross-recipe pass needs."""

    doc: RecipeDocument
    pins: Pins
    platform: Platform
    out: list[Diagnostic] = field(default_factory=list)
    host: dict[str, Path_] = field(default_factory=dict)
    name: str | None = None

    def add(self, code: str, path: Path_, message: str, *, at_key: bool = False) -> None:
        locs = self.doc.located.locations
        pos = locs.key(path) if at_key else locs.of(path)
        self.out.append(Diagnostic(self.doc.file, pos.line, pos.col, code, message))

    # -- structure ---------------------------------------------------------------------
    def structure(self) -> bool:
        for path, _ in self.doc.located.locations.duplicates:
            self.add("F015", path, f"key {path[-1]!r} appears twice in the same mapping", at_key=True)
        data = self.doc.located.data
        if not isinstance(data, dict):
            self.add("F004", (), "a recipe must be a mapping with package, source, build, about, ...")
            return False
        violations = list(validate(RECIPE, data))
        suggested = {(*v.path[:-1], v.extra.get("suggestion")) for v in violations if v.kind == "unknown-key"}
        for v in violations:
            if v.kind == "missing" and v.path in suggested:
                continue  # the misspelt key already says it
            self.violation(v)
        return True

    def violation(self, v: Violation) -> None:
        if v.kind == "unknown-key":
            self.add("F002", v.path, v.message, at_key=True)
        elif v.kind == "missing":
            generic = tuple(k for k in v.path if isinstance(k, str))
            code = _MISSING.get(v.path) or _MISSING.get(generic[-1:]) or _MISSING.get(generic[-2:]) or "F003"
            if v.path == ("maintainers",) or (v.path and v.path[0] == "maintainers"):
                code = "F009"
            at = v.path[:-1] if v.extra.get("key") and v.path[-1] == v.extra["key"] else v.path
            self.add(code, at, v.message)
        else:
            self.add("F004", v.path, v.message)

    # -- values ------------------------------------------------------------------------
    def values(self) -> None:
        data: dict[str, Any] = self.doc.data
        templates = Templates()
        try:
            chosen = options(self.doc)
        except RecipeError:
            chosen = {}
        try:
            first = variants(self.doc, self.pins)[0]
        except RecipeError:  # an unreadable python.requires: F025 reports it
            first = variants(self.doc)[0]
        context = base_context(self.pins, self.platform, first, chosen)
        ok = True
        ctx = data.get("context")
        if isinstance(ctx, dict):
            for key, value in ctx.items():
                try:
                    context[str(key)] = templates.substitute(value, context)
                except TemplateError as exc:
                    self.add("F014", ("context", key), str(exc))
                    ok = False

        def value_at(path: Path_) -> Any:
            """The substituted value at ``path``, or None (reported) when it cannot be."""
            raw: Any = data
            for k in path:
                if isinstance(raw, dict) and k in raw:
                    raw = raw[k]
                elif isinstance(raw, list) and isinstance(k, int) and k < len(raw):
                    raw = raw[k]
                else:
                    return None
            try:
                return templates.substitute(raw, context)
            except TemplateError as exc:
                if ok:
                    self.add("F014", path, str(exc))
                return None

        self.check_package(value_at)
        self.check_sources(data, value_at)
        self.check_build(data, value_at)
        self.check_requirements(data, value_at)
        self.check_about(data, value_at)
        self.check_test(data)
        self.check_python(data)
        self.check_updates(data)
        self.check_cuda(data)
        if "python" in data:
            pass  # a Python package provides no libraries to other recipes
        elif not isinstance(data.get("provides"), dict) or not data["provides"].get("sonames"):
            self.add("H104", ("provides",) if "provides" in data else (), "the recipe declares no sonames it provides")
        maintainers = data.get("maintainers")
        if isinstance(maintainers, list) and maintainers == []:
            pass  # reported by the schema (F009)

    def check_package(self, value: Any) -> None:
        name = value(("package", "name"))
        if isinstance(name, str):
            if not _NAME.match(name):
                self.add("F019", ("package", "name"), f"package name {name!r} is not a valid library name")
            else:
                self.name = name
                if self.doc.folder.name != name and self.doc.folder.name != "recipes":
                    self.add("F016", ("package", "name"),
                             f"package name {name!r} differs from its folder {self.doc.folder.name!r}")
        version = value(("package", "version"))
        if version is not None and isinstance(self.doc.data.get("package"), dict):
            try:
                Version(str(version))
            except InvalidVersion:
                self.add("F005", ("package", "version"), f"version {version!r} is not a PEP 440 version")

    def check_sources(self, data: dict[str, Any], value: Any) -> None:
        sources = data.get("source")
        if not isinstance(sources, list):
            return
        for path, item in _items(sources, ("source",)):
            if not isinstance(item, dict):
                continue
            origins = [(path, item)]
            alternatives = item.get("alternatives")
            if isinstance(alternatives, list):
                origins += [(p, a) for p, a in _items(alternatives, (*path, "alternatives")) if isinstance(a, dict)]
            for opath, origin in origins:
                if "sha256" in origin:
                    sha = value((*opath, "sha256"))
                    if isinstance(sha, str) and not _SHA256.match(sha.lower()):
                        self.add("F006", (*opath, "sha256"), f"sha256 {sha!r} is not 64 hexadecimal digits")
                url = value((*opath, "url")) if "url" in origin else None
                if isinstance(url, str) and url.startswith("http://"):
                    self.add("H103", (*opath, "url"), f"download over plain HTTP: {url}")
            patches = item.get("patches")
            if isinstance(patches, list):
                for ppath, patch in _items(patches, (*path, "patches")):
                    rendered = value(ppath) if not is_condition(patch) else None
                    if isinstance(rendered, str) and not (self.doc.folder / rendered).is_file():
                        self.add("F017", ppath, f"patch {rendered!r} not found in {self.doc.folder}")

    def check_build(self, data: dict[str, Any], value: Any) -> None:
        build = data.get("build")
        if not isinstance(build, dict):
            return
        script = value(("build", "script")) if isinstance(build.get("script"), str) else None
        if isinstance(script, str) and "\n" not in script and " " not in script and script.endswith(".sh"):
            if not (self.doc.folder / script).is_file():
                self.add("F018", ("build", "script"), f"build script {script!r} not found in {self.doc.folder}")
        grafts = build.get("grafts")
        for soname, why in (grafts.items() if isinstance(grafts, dict) else ()):
            if not re.fullmatch(r"lib[\w+.-]+\.so(\.\d+)*", str(soname)):
                self.add("F028", ("build", "grafts", soname), f"build.grafts key {soname!r} is not a soname")
            elif not str(why or "").strip():
                self.add("F028", ("build", "grafts", soname), f"build.grafts gives no reason for {soname}")

    def check_python(self, data: dict[str, Any]) -> None:
        build = data.get("build")
        if "python" not in data:
            if isinstance(build, dict) and "script" not in build:
                self.add("F024", ("build",), "the recipe has neither build.script nor a python section")
            return
        if not isinstance(data["python"], dict) or "requires" not in data["python"]:
            return  # the schema reports it
        try:
            if not python_versions(self.doc, self.pins):
                self.add("F025", ("python", "requires"), f"python.requires {data['python']['requires']!r} admits "
                         f"none of {', '.join(self.pins.python) or 'the (empty) python list'} in recipes/pins.yaml")
        except RecipeError as exc:
            self.add("F025", ("python", "requires"), str(exc).split(": ", 1)[-1])

    def check_updates(self, data: dict[str, Any]) -> None:
        updates = data.get("updates")
        if not isinstance(updates, dict):
            return
        sources = [k for k in ("github", "pypi", "url", "debian") if k in updates]
        if len(sources) != 1:
            self.add("F026", ("updates",), f"updates names {' and '.join(sources) or 'no source'}; name exactly one")
        if "debian" in updates and not updates.get("suites"):
            self.add("F026", ("updates", "debian"), "updates.debian needs suites (e.g. [bookworm, trixie, forky])")
        if "suites" in updates and "debian" not in updates:
            self.add("F026", ("updates", "suites"), "updates.suites is read only with updates.debian")
        pattern = updates.get("pattern")
        if isinstance(pattern, str):
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                self.add("F026", ("updates", "pattern"), f"updates.pattern is not a regular expression: {exc}")
            else:
                if "debian" not in updates and compiled.groups != 1:
                    self.add("F026", ("updates", "pattern"),
                             f"updates.pattern must capture the version in one group, it has {compiled.groups}")

    def check_cuda(self, data: dict[str, Any]) -> None:
        build = data.get("build")
        majors = build.get("cuda") if isinstance(build, dict) else None
        reqs = data.get("requirements")
        components = reqs.get("cuda") if isinstance(reqs, dict) else None
        if components and not majors:
            self.add("F027", ("requirements", "cuda"), "requirements.cuda is read only with build.cuda")
        for i, major in enumerate(majors if isinstance(majors, list) else []):
            kit = self.pins.cuda.get(str(major))
            if kit is None:
                self.add("F027", ("build", "cuda", i), f"CUDA {major} is not in recipes/pins.yaml "
                         f"(known: {', '.join(sorted(self.pins.cuda)) or 'none'})")
                continue
            wanted = [str(c) for c in components] if isinstance(components, list) else []
            for j, message in kit.unknown_components(wanted):
                self.add("F027", ("requirements", "cuda", j), message)

    def check_requirements(self, data: dict[str, Any], value: Any) -> None:
        reqs = data.get("requirements")
        if not isinstance(reqs, dict):
            return
        host_names: set[str] = set()
        for key in ("build", "host", "run"):
            items = reqs.get(key)
            if not isinstance(items, list):
                continue
            for path, _ in _items(items, ("requirements", key)):
                text = value(path)
                if not isinstance(text, str):
                    continue
                try:
                    req = parse_requirement(text)
                except ValueError as exc:
                    self.add("F022", path, str(exc))
                    continue
                if key == "build" and req.name not in BUILD_TOOLS:
                    self.add("F020", path, f"build tool {req.name!r} is unknown; known: {', '.join(sorted(BUILD_TOOLS))}")
                elif key == "host":
                    self.host.setdefault(req.name, path)
                    host_names.add(req.name)
                elif key == "run" and req.name in host_names:
                    self.add("H105", path, f"run requirement {req.name!r} is already a host dependency")

    def check_about(self, data: dict[str, Any], value: Any) -> None:
        about = data.get("about")
        if not isinstance(about, dict):
            return
        license_ = value(("about", "license")) if "license" in about else None
        if isinstance(license_, str):
            try:
                canonicalize_license_expression(license_)
            except InvalidLicenseExpression:
                self.add("F007", ("about", "license"), f"license {license_!r} is not an SPDX expression")
        files = about.get("license_file")
        if files == [] or files == "":
            self.add("F008", ("about", "license_file"), "no license file named")
        if "homepage" not in about:
            self.add("H101", ("about",), "about has no homepage")
        summary = value(("about", "summary")) if "summary" in about else None
        if isinstance(summary, str) and (len(summary) > 80 or "\n" in summary.strip() or summary.endswith(".")):
            self.add("H102", ("about", "summary"), "summary should be one line under 80 characters without a final period")

    def check_test(self, data: dict[str, Any]) -> None:
        test = data.get("test")
        if isinstance(test, dict) and not test.get("commands") and not test.get("python"):
            self.add("F010", ("test",), "the test section runs nothing")


def _items(values: list[Any], path: Path_) -> Iterator[tuple[Path_, Any]]:
    """List items with their paths, looking into both branches of conditions."""
    for i, item in enumerate(values):
        if is_condition(item):
            for branch in ("then", "else"):
                sub = item.get(branch)
                if isinstance(sub, list):
                    yield from _items(sub, (*path, i, branch))
                elif sub is not None:
                    yield from _items([sub], (*path, i, branch)) if is_condition(sub) else iter([((*path, i, branch), sub)])
        else:
            yield (*path, i), item


def _read(file: Path, text: str | None) -> RecipeDocument | Diagnostic:
    try:
        if text is None:
            text = file.read_text(encoding="utf-8")
        return RecipeDocument(file, load_yaml(text, file))
    except YamlError as exc:
        return Diagnostic(file, exc.position.line, exc.position.col, "F001", str(exc))
    except (OSError, UnicodeDecodeError) as exc:
        return Diagnostic(file, 1, 1, "F001", f"cannot read the file: {exc}")


def _siblings(docs: Iterable[RecipeDocument]) -> set[str]:
    """The recipe names beside the linted ones (``farm lint recipes/starpu`` knows ``recipes/fftw``)."""
    folders = {doc.folder.parent for doc in docs}
    return {f.parent.name for folder in folders for f in folder.glob(f"*/{RECIPE_FILE}")}


def _lint_documents(docs: list[RecipeDocument], pins: Pins, platform: Platform) -> list[Diagnostic]:
    beside = _siblings(docs)
    out: list[Diagnostic] = []
    linted: list[_RecipeLint] = []
    for doc in docs:
        one = _RecipeLint(doc, pins, platform)
        if one.structure():
            one.values()
        out.extend(one.out)
        linted.append(one)
    by_name: dict[str, _RecipeLint] = {}
    for one in linted:
        if one.name is None:
            continue
        if one.name in by_name:
            one.add("F021", ("package", "name"),
                    f"recipe name {one.name!r} is also used by {by_name[one.name].doc.file}")
            out.append(one.out[-1])
        else:
            by_name[one.name] = one
    for one in linted:
        for dep, path in one.host.items():
            if dep not in by_name and dep not in pins.external and dep not in beside:
                one.add("F011", path, f"host dependency {dep!r} is neither a recipe nor an external wheel")
                out.append(one.out[-1])
    graph = Graph.build({n: [d for d in one.host if d in by_name] for n, one in by_name.items()})
    for cycle in graph.cycles():
        first = by_name[cycle[0]]
        first.add("F012", first.host[cycle[1]], "dependency cycle: " + " -> ".join(cycle))
        out.append(first.out[-1])
    return sorted(set(out))


def lint_paths(paths: Iterable[Path], pins: Pins, platform: Platform | None = None) -> list[Diagnostic]:
    """Lint recipe files or folders of recipes; relations are checked across all of them."""
    docs: list[RecipeDocument] = []
    out: list[Diagnostic] = []
    for root in paths:
        files = discover(root)
        if not files and not root.exists():
            out.append(Diagnostic(root, 1, 1, "F001", "no such file or folder"))
        for file in files:
            read = _read(file, None)
            if isinstance(read, Diagnostic):
                out.append(read)
            else:
                docs.append(read)
    return sorted(out + _lint_documents(docs, pins, platform or current()))


def lint_text(text: str, file: Path, pins: Pins | None = None, platform: Platform | None = None,
              ) -> list[Diagnostic]:
    """Lint one recipe given as text (relations checked against itself only)."""
    read = _read(file, text)
    if isinstance(read, Diagnostic):
        return [read]
    return _lint_documents([read], pins or Pins(), platform or current())

