"""Audit: auditwheel's own policy analysis of a library wheel, with its sibling wheels known.

``auditwheel show`` cannot see the wheels a library wheel depends on: their sonames are
external libraries outside the manylinux whitelist, so ``show`` reports ``linux_x86_64`` for
every wheel that links a sibling (libtiff linking libjpeg-turbo's wheel), and it has no
``--exclude``. ``auditwheel repair --exclude`` is what proved the tag at build time; this
module runs the same analysis (``auditwheel.wheel_abi.analyze_wheel_abi``) with the same
exclusions, but derives them from the wheel itself rather than trusting a list:

- each ``Requires-Dist`` on another ``<namespace>-*`` distribution must be satisfied by a
  wheel in the given folders (its sonames are what may be excluded, nothing else);
- auditwheel then finds every other DT_NEEDED either in the wheel or in the manylinux
  whitelist, and the symbol versions within the policy, or the audit fails;
- the platform tags in the wheel's file name must be ones that policy allows.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from farm.errors import FarmError
from farm.wheelfile import read_metadata

__all__ = ["AuditError", "Audit", "audit_wheel", "sibling_sonames"]

_SONAME = re.compile(r"lib[^/]*\.so\.[0-9][^/]*")


class AuditError(FarmError, RuntimeError):
    pass


@dataclass(frozen=True)
class Audit:
    wheel: Path
    #: the policy auditwheel finds the wheel consistent with, siblings excluded
    policy: str
    #: the platform tags in the file name
    tags: tuple[str, ...]
    #: soname -> the sibling wheel that provides it
    excluded: dict[str, str] = field(default_factory=dict)
    #: libraries auditwheel still counts as external (neither in a sibling nor whitelisted)
    external: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _wheels_of(folders: Sequence[Path]) -> dict[str, list[tuple[Version, Path]]]:
    found: dict[str, list[tuple[Version, Path]]] = {}
    for folder in folders:
        for wheel in sorted(folder.glob("*.whl")):
            name, version, _, _ = parse_wheel_filename(wheel.name)
            found.setdefault(str(name), []).append((version, wheel))
    return found


def _lib_sonames(wheel: Path) -> list[str]:
    """Sonames a library wheel ships under ``<namespace>/<name>/lib/`` (dev links excluded)."""
    with zipfile.ZipFile(wheel) as zf:
        return sorted({Path(n).name for n in zf.namelist()
                       if "/lib/" in n and n.count("/") == 3 and _SONAME.fullmatch(Path(n).name)})


def sibling_sonames(wheel: Path, namespace: str, folders: Sequence[Path],
                    external: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """soname -> providing wheel's file name, for every ``<namespace>-*`` requirement of ``wheel``;
    an external wheel it requires (``pins.yaml: external``, NVIDIA's) provides the sonames the pins give it."""
    available = _wheels_of(folders)
    prefix = canonicalize_name(namespace) + "-"
    known = {canonicalize_name(k): v for k, v in (external or {}).items()}
    out: dict[str, str] = {}
    for line in read_metadata(wheel).get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise AuditError(f"{wheel.name}: METADATA Requires-Dist {line!r} is not a requirement: {exc}") from None
        name = canonicalize_name(req.name)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        if name in known:
            for soname in known[name]:
                out.setdefault(soname, f"{req.name} (pins.yaml)")
            continue
        if not name.startswith(prefix):
            continue
        matching = [(v, w) for v, w in available.get(name, []) if req.specifier.contains(v, prereleases=True)]
        if not matching:
            where = ", ".join(str(f) for f in folders) or "no folder"
            raise AuditError(f"{wheel.name}: requires {req}, and no wheel in {where} satisfies it; "
                             f"build it (farm build {name[len(prefix):]}) or pass the folder holding it with --find-links")
        _, provider = max(matching)
        for soname in _lib_sonames(provider):
            out.setdefault(soname, provider.name)
    return out


def _analyze(wheel: Path, exclude: Iterable[str]) -> Any:
    try:
        wheel_abi = importlib.import_module("auditwheel.wheel_abi")
        wheeltools = importlib.import_module("auditwheel.wheeltools")
    except ImportError:
        raise AuditError("auditwheel is not installed: pip install 'wheelfarm[build]'") from None
    return wheel_abi.analyze_wheel_abi(
        wheeltools.get_wheel_libc(wheel.name), wheeltools.get_wheel_architecture(wheel.name), wheel,
        frozenset(exclude), disable_isa_ext_check=False, allow_graft=False)


def audit_wheel(wheel: Path, namespace: str, folders: Sequence[Path],
                external_wheels: Mapping[str, Sequence[str]] | None = None, driver: Sequence[str] = ()) -> Audit:
    """Audit one wheel; ``folders`` hold the sibling wheels its requirements name, ``external_wheels`` the
    sonames of the external wheels it may require, ``driver`` the NVIDIA driver's (never a wheel's)."""
    if not wheel.is_file():
        raise AuditError(f"{wheel}: no such wheel")
    excluded = sibling_sonames(wheel, namespace, folders, external_wheels)
    if any(v.endswith("(pins.yaml)") for v in excluded.values()):  # built against NVIDIA's wheels
        excluded.update({soname: "the NVIDIA driver" for soname in driver})
    info = _analyze(wheel, excluded)
    policies = info.policies
    platform_tags = tuple(sorted({t.platform for t in parse_wheel_filename(wheel.name)[3]}))
    problems: list[str] = []
    external: tuple[str, ...] = ()
    if info.overall_policy == policies.linux:
        external = tuple(sorted({lib for name, ref in info.external_refs.items() if name != policies.linux.name
                                 for lib in ref.libs}))
        reason = (f"it links {', '.join(external)}, provided by no required wheel and not whitelisted" if external
                  else "its symbol versions or instruction set are beyond every manylinux policy")
        problems.append(f"auditwheel finds no manylinux policy: {reason}")
    for tag in platform_tags:
        try:
            claimed = policies.get_policy_by_name(tag)
        except LookupError:
            problems.append(f"platform tag {tag} is not one auditwheel knows")
            continue
        if claimed.priority > info.overall_policy.priority:
            problems.append(f"the file name claims {tag}, but the wheel is only consistent with "
                            f"{info.overall_policy.name}")
    return Audit(wheel, info.overall_policy.name, platform_tags, excluded, external, tuple(problems))
