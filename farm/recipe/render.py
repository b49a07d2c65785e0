"""Reading recipe files and resolving them per variant and platform.

``RecipeDocument`` is the file as written (with positions); :func:`render` evaluates its
context, conditions and substitutions for one variant on one platform and returns a
frozen :class:`~farm.recipe.model.Recipe`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.cuda import COMPILER, CudaVariant
from farm.errors import FarmError
from farm.locate import Located, Path_, YamlError, load_yaml
from farm.pep725 import Pep725Error, parse_depurl
from farm.pins import Pins
from farm.platforms import Platform
from farm.recipe.model import (
    About,
    Artifact,
    Origin,
    Provides,
    PythonSpec,
    Recipe,
    Requirement,
    TestSpec,
    parse_requirement,
)
from farm.recipe.schema import RECIPE, is_condition, validate
from farm.recipe.template import TemplateError, Templates

__all__ = [
    "RecipeDocument",
    "RecipeError",
    "base_context",
    "discover",
    "read_document",
    "render",
    "render_all",
    "variants",
]

RECIPE_FILE = "recipe.yaml"

#: one sandboxed environment for every recipe: it keeps each expression compiled once
_TEMPLATES = Templates()


class RecipeError(FarmError, ValueError):
    """A recipe cannot be read or rendered; the message starts with file:line:col."""


@dataclass(frozen=True)
class RecipeDocument:
    file: Path
    located: Located

    @property
    def folder(self) -> Path:
        return self.file.parent

    @property
    def data(self) -> dict[str, Any]:
        return self.located.data if isinstance(self.located.data, dict) else {}

    def where(self, path: Path_) -> str:
        pos = self.located.locations.of(path)
        return f"{self.file}:{pos.line}:{pos.col}"

    @property
    def declared_name(self) -> str:
        """The package name without rendering (folder name when it is a template)."""
        package = self.data.get("package")
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str) and "${{" not in name:
            return name
        return self.folder.name


def discover(root: Path) -> list[Path]:
    """``recipes/*/recipe.yaml`` below ``root`` (or ``root`` itself when it is a recipe)."""
    if root.is_file():
        return [root]
    if (root / RECIPE_FILE).is_file():
        return [root / RECIPE_FILE]
    return sorted(p for p in root.glob(f"*/{RECIPE_FILE}") if p.is_file())


def read_document(file: Path) -> RecipeDocument:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{file}: cannot read: {exc}") from None
    try:
        return RecipeDocument(file, load_yaml(text, file))
    except YamlError as exc:
        raise RecipeError(f"{file}:{exc.position.line}:{exc.position.col}: {exc}") from None


def python_versions(doc: RecipeDocument, pins: Pins | None) -> list[str]:
    """The CPythons of ``pins.python`` a Python-package recipe builds for (one, the oldest, for abi3)."""
    spec = doc.data.get("python")
    if not isinstance(spec, dict) or pins is None:
        return []
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        wanted = SpecifierSet(str(spec.get("requires", "")))
    except InvalidSpecifier:
        raise RecipeError(f"{doc.where(('python', 'requires'))}: {spec.get('requires')!r} is not a PEP 440 "
                          "range; write e.g. '>=3.10'") from None
    found = [v for v in pins.python if wanted.contains(v, prereleases=True)]
    return found[:1] if spec.get("abi3") else found


def variants(doc: RecipeDocument, pins: Pins | None = None) -> list[dict[str, Any]]:
    """Every combination of the recipe's variant axes, the default (first values) first.

    A Python-package recipe gains the axis ``python``: the CPythons of ``pins.python`` in its range;
    a CUDA recipe the axis ``cuda``: the majors of ``build.cuda``.
    """
    build = doc.data.get("build")
    axes = dict(build.get("variants") or {}) if isinstance(build, dict) and isinstance(build.get("variants"), dict) else {}
    pythons = python_versions(doc, pins)
    if pythons:
        axes["python"] = pythons
    cuda = build.get("cuda") if isinstance(build, dict) else None
    if isinstance(cuda, list) and cuda:
        axes["cuda"] = [str(c) for c in cuda]
    if not axes:
        return [{}]
    keys = [k for k, v in axes.items() if isinstance(v, list) and v]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(axes[k] for k in keys))]


def options(doc: RecipeDocument, chosen: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The recipe's build options: the first value of each, unless ``chosen`` picks another."""
    build = doc.data.get("build")
    axes = build.get("options") if isinstance(build, dict) else None
    out: dict[str, Any] = {}
    for key, values in (axes.items() if isinstance(axes, dict) else []):
        if not isinstance(values, list) or not values:
            continue
        pick = (chosen or {}).get(key, values[0])
        if str(pick) not in [str(v) for v in values]:
            raise RecipeError(f"{doc.where(('build', 'options', key))}: option {key}={pick} is not one of "
                              f"{', '.join(str(v) for v in values)}")
        out[key] = next(v for v in values if str(v) == str(pick))
    return out


def base_context(pins: Pins, platform: Platform, variant: Mapping[str, Any],
                 chosen: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {**platform.variables(), **pins.variables(), **(chosen or {}), **variant, "variant": dict(variant)}


class _Resolver:
    def __init__(self, doc: RecipeDocument, templates: Templates, context: dict[str, Any]) -> None:
        self.doc = doc
        self.templates = templates
        self.context = context

    def fail(self, path: Path_, message: str) -> RecipeError:
        return RecipeError(f"{self.doc.where(path)}: {message}")

    def evaluate_context(self) -> None:
        ctx = self.doc.data.get("context")
        if not isinstance(ctx, dict):
            return
        for key, value in ctx.items():
            self.context[str(key)] = self.value(value, ("context", key))

    def value(self, value: Any, path: Path_) -> Any:
        try:
            return self.templates.substitute(value, self.context)
        except TemplateError as exc:
            raise self.fail(path, f"{exc}; define it under 'context' or fix the expression") from None

    def condition(self, expr: Any, path: Path_) -> bool:
        try:
            return self.templates.condition(expr, self.context)
        except TemplateError as exc:
            raise self.fail(path, str(exc)) from None

    def resolve(self, value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            return {k: self.resolve(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return list(self.items(value, path))
        return self.value(value, path)

    def items(self, values: list[Any], path: Path_) -> Iterator[Any]:
        for i, item in enumerate(values):
            if not is_condition(item):
                yield self.resolve(item, (*path, i))
                continue
            branch = "then" if self.condition(item["if"], (*path, i, "if")) else "else"
            chosen = item.get(branch, [])
            sub = chosen if isinstance(chosen, list) else [chosen]
            yield from self.items(sub, (*path, i, branch))


def _depurls(r: _Resolver, provides: Mapping[str, Any], name: str, library: bool) -> tuple[str, ...]:
    """``provides.depurls``, each checked; a library recipe without them satisfies ``dep:generic/<name>``.

    A Python-package recipe satisfies none unless it says so: its wheel is a PyPI package, not an
    external dependency.
    """
    declared = _strs(provides.get("depurls"))
    for i, text in enumerate(declared):
        try:
            parse_depurl(text)
        except Pep725Error as exc:
            raise r.fail(("provides", "depurls", i), str(exc)) from None
    return declared or ((f"dep:generic/{name}",) if library else ())


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def _origin(d: Mapping[str, Any]) -> Origin:
    deb = d.get("debian") or {}
    return Origin(
        sha256=str(d.get("sha256", "")).lower(),
        url=d.get("url"),
        debian_package=deb.get("package"),
        debian_file=deb.get("file"),
        debian_version=str(deb["version"]) if deb.get("version") is not None else None,
        debian_suite=deb.get("suite"),
        pypi_project=(d.get("pypi") or {}).get("name"),
        pypi_file=(d.get("pypi") or {}).get("file"),
    )


def _python(spec: Mapping[str, Any] | None, pythons: Sequence[str]) -> PythonSpec | None:
    if not spec:
        return None
    return PythonSpec(
        requires=str(spec["requires"]),
        module=str(spec["module"]),
        dist=str(spec["dist"]) if spec.get("dist") else None,
        abi3=bool(spec.get("abi3", False)),
        build_requires=_strs(spec.get("build_requires")),
        config_settings=MappingProxyType({str(k): _strs(v) for k, v in (spec.get("config_settings") or {}).items()}),
        pythons=tuple(pythons),
    )


def _cuda(r: _Resolver, pins: Pins, variant: Mapping[str, Any], reqs: Mapping[str, Any]) -> CudaVariant | None:
    if "cuda" not in variant:
        return None
    major = str(variant["cuda"])
    toolkit = pins.cuda.get(major)
    if toolkit is None:
        raise r.fail(("build", "cuda"), f"CUDA {major} is not in pins.yaml (known: {', '.join(sorted(pins.cuda)) or 'none'}); "
                                        "add it under cuda, or drop it from build.cuda")
    wanted = _strs(reqs.get("cuda"))
    for i, message in toolkit.unknown_components(wanted)[:1]:
        raise r.fail(("requirements", "cuda", i), message)
    for wheel in toolkit.wheel_of_all(c for c in wanted if c != COMPILER):
        if wheel not in pins.external:
            raise r.fail(("requirements", "cuda"), f"pins.yaml's cuda.{major} names {wheel}, which is not under external")
    return CudaVariant(toolkit, tuple(c for c in wanted if c != COMPILER), COMPILER in wanted)


def render(doc: RecipeDocument, pins: Pins, platform: Platform, variant: Mapping[str, Any] | None = None,
           templates: Templates | None = None, chosen: Mapping[str, Any] | None = None) -> Recipe:
    """Resolve ``doc`` for one variant and platform. Raises :class:`RecipeError`."""
    if doc.located.data is None or not isinstance(doc.located.data, dict):
        raise RecipeError(f"{doc.file}:1:1: a recipe must be a YAML mapping with package, source, build, ...")
    problems = list(validate(RECIPE, doc.data))
    if problems:
        p = problems[0]
        pos = doc.located.locations.key(p.path) if p.at_key else doc.located.locations.of(p.path)
        raise RecipeError(f"{doc.file}:{pos.line}:{pos.col}: {p.message} (run 'farm lint' for every problem)")
    variant = dict(variant if variant is not None else variants(doc, pins)[0])
    picked = options(doc, chosen)
    r = _Resolver(doc, templates or _TEMPLATES, base_context(pins, platform, variant, picked))
    r.evaluate_context()
    data = {k: r.resolve(v, (k,)) for k, v in doc.data.items() if k != "context"}

    package, build = data["package"], data["build"]
    reqs = data.get("requirements", {})
    about = data["about"]
    skip_value = build.get("skip", False)
    skip = any(bool(s) if not isinstance(s, str) else r.condition(s, ("build", "skip"))
               for s in (skip_value if isinstance(skip_value, list) else [skip_value]))

    def requirements(key: str) -> tuple[Any, ...]:
        out = []
        for i, text in enumerate(reqs.get(key, [])):
            try:
                out.append(parse_requirement(str(text)))
            except ValueError as exc:
                raise r.fail(("requirements", key, i), str(exc)) from None
        return tuple(out)

    cuda = _cuda(r, pins, variant, reqs)
    number = build["number"]
    if not isinstance(number, int) or isinstance(number, bool):
        raise r.fail(("build", "number"), f"build number must be a whole number, got {number!r}")
    abi = data.get("abi", {})
    provides = data.get("provides", {})
    test = data.get("test", {})
    return Recipe(
        name=str(package["name"]).lower(),
        version=str(package["version"]),
        build_number=number,
        folder=doc.folder,
        platform=platform,
        variant=MappingProxyType(variant),
        options=MappingProxyType(picked),
        local_label=".".join(f"{k}{v}".lower() for k, v in sorted(picked.items()) if v != options(doc).get(k)),
        sources=tuple(
            Artifact(
                origins=(_origin(s), *(_origin(a) for a in s.get("alternatives", []))),
                patches=_strs(s.get("patches")),
                target_directory=s.get("target_directory", ""),
                file_name=s.get("file_name"),
            )
            for s in data["source"]
        ),
        script=_strs(build.get("script")),
        about=About(
            license=about["license"],
            license_files=_strs(about["license_file"]),
            summary=about["summary"],
            homepage=about.get("homepage"),
            repository=about.get("repository"),
            documentation=about.get("documentation"),
            description=about.get("description"),
        ),
        maintainers=_strs(data["maintainers"]),
        build_requirements=_strs(reqs.get("build")),
        host=requirements("host") + tuple(Requirement(w) for w in (cuda.wheels if cuda else ())),
        run=requirements("run"),
        max_pin=abi.get("max_pin", "x.x"),
        min_pin=abi.get("min_pin", "x.x.x"),
        provides=Provides(
            sonames=_strs(provides.get("sonames")),
            env=MappingProxyType({str(k): str(v) for k, v in provides.get("env", {}).items()}),
            pkg_config=_strs(provides.get("pkg_config")),
            cmake=_strs(provides.get("cmake")),
            executables=_strs(provides.get("executables")),
            load_order=_strs(provides.get("load_order")),
            depurls=_depurls(r, provides, str(package["name"]).lower(), data.get("python") is None),
        ),
        test=TestSpec(*(_strs(test.get(k)) for k in ("commands", "python", "files", "requires"))),
        env=MappingProxyType({str(k): str(v) for k, v in build.get("env", {}).items()}),
        rtld=build.get("rtld", "local"),
        static=bool(build.get("static", False)),
        grafts=MappingProxyType({str(k): str(v) for k, v in build.get("grafts", {}).items()}),
        skip=skip,
        updates=MappingProxyType(dict(data.get("updates", {}))),
        python=_python(data.get("python"), python_versions(doc, pins)),
        cuda=cuda,
        resolved=MappingProxyType(data),
    )


def render_all(doc: RecipeDocument, pins: Pins, platform: Platform,
               chosen: Mapping[str, Any] | None = None) -> list[Recipe]:
    """Every variant of ``doc`` on ``platform`` (skipped ones included, marked ``skip``)."""
    return [render(doc, pins, platform, v, _TEMPLATES, chosen) for v in variants(doc, pins)]
