"""The checks: what is wrong in an environment or a process, each finding once.

Pure functions over what the other modules gathered; nothing here touches the
disk. Every check has a stable id, a name and a severity in :data:`CHECKS`, so
a bug report or a script can refer to "D301" and mean the same thing next year.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import MappingProxyType

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from farm.doctor.environment import Environment, LibraryFile, Wheel, WheelKind
from farm.doctor.loader import NeededPick, expand_origin
from farm.doctor.cuda import cuda_fit, variant_name
from farm.doctor.nvidia import DriverInfo
from farm.doctor.process import LoadedLibrary

__all__ = [
    "CHECKS",
    "Check",
    "Finding",
    "Severity",
    "cuda_findings",
    "dependency_findings",
    "duplicate_findings",
    "environment_findings",
    "human_bytes",
    "loader_findings",
    "process_findings",
    "record_findings",
    "runpath_findings",
]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    severity: Severity
    summary: str


CHECKS: Mapping[str, Check] = MappingProxyType(
    {
        c.id: c
        for c in (
            Check("D101", "duplicate-library", Severity.WARNING, "one library installed more than once across wheels"),
            Check(
                "D102", "missing-dependency", Severity.ERROR, "a library wheel's wheelfarm dependency is not installed"
            ),
            Check("D103", "dependency-out-of-range", Severity.ERROR, "a library wheel's dependency is outside its pin"),
            Check("D104", "search-path-outside-environment", Severity.WARNING, "RUNPATH/RPATH leaves the environment"),
            Check("D105", "record-mismatch", Severity.ERROR, "a library wheel's files are missing or changed"),
            Check("D106", "loader-shadowed", Severity.WARNING, "the loader picks another file than the wheel ships"),
            Check("D107", "unresolved-dependency", Severity.ERROR, "a library's DT_NEEDED is found nowhere"),
            Check("D201", "cuda-newer-than-driver", Severity.ERROR, "a CUDA wheel needs a newer NVIDIA driver"),
            Check("D301", "duplicate-library-loaded", Severity.WARNING, "two copies of one library in the process"),
            Check("D302", "duplicate-soname-loaded", Severity.ERROR, "one soname loaded from two files"),
        )
    }
)


@dataclass(frozen=True)
class Finding:
    """One problem, said once, in one line."""

    id: str
    severity: Severity
    subject: str
    message: str
    paths: tuple[str, ...] = ()
    wasted_bytes: int | None = None

    @property
    def name(self) -> str:
        return CHECKS[self.id].name


def _finding(
    check_id: str,
    subject: str,
    message: str,
    paths: Iterable[str | Path] = (),
    wasted_bytes: int | None = None,
) -> Finding:
    check = CHECKS[check_id]
    return Finding(check.id, check.severity, subject, message, tuple(str(p) for p in paths), wasted_bytes)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


def duplicate_findings(env: Environment) -> list[Finding]:
    """D101: one library identity present as more than one file across the wheels.

    Copies for different CUDA majors are not duplicates: a cu12 and a cu13 stack installed side
    by side (``wheelfarm-ucx-cu12`` on ``nvidia-cuda-runtime-cu12``, ``-cu13`` on CUDA 13's) are
    two variants a process chooses between, each whole.
    """
    groups: dict[tuple[str, int | None], list[tuple[Wheel, LibraryFile]]] = defaultdict(list)
    seen: set[str] = set()
    for wheel, lib in env.libraries:
        real = os.path.realpath(lib.path)
        if real in seen:
            continue
        seen.add(real)
        groups[(lib.identity, wheel.cuda_major)].append((wheel, lib))
    findings: list[Finding] = []
    for identity, _major in sorted(groups, key=lambda k: (k[0], k[1] or 0)):
        copies = sorted(groups[(identity, _major)], key=lambda pair: (canonicalize_name(pair[0].name), str(pair[1].path)))
        if len(copies) < 2:
            continue
        wasted = sum(lib.size for _, lib in copies[1:])
        owners = ", ".join(sorted({w.name for w, _ in copies}))
        versions = sorted({lib.version.value for _, lib in copies if lib.version}, key=_version_key)
        version_text = f" (versions {', '.join(versions)})" if versions else ""
        findings.append(
            _finding(
                "D101",
                identity,
                f"{identity}: {len(copies)} copies in {owners}{version_text}; {human_bytes(wasted)} beyond the first",
                paths=tuple(str(lib.path) for _, lib in copies),
                wasted_bytes=wasted,
            )
        )
    return findings


def dependency_findings(env: Environment) -> list[Finding]:
    """D102/D103: a library wheel's ``Requires-Dist`` on another library wheel is unmet."""
    prefix = f"{canonicalize_name(env.namespace)}-"
    markers = {**env.interpreter.markers, "extra": ""}
    findings: list[Finding] = []
    for wheel in env.wheels:
        if wheel.kind is not WheelKind.WHEELFARM:
            continue
        for text in wheel.requires:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if not canonicalize_name(req.name).startswith(prefix):
                continue
            if req.marker is not None and not req.marker.evaluate(markers):
                continue
            installed = env.installed_version(req.name)
            wanted = f"{req.name}{req.specifier}"
            if installed is None:
                findings.append(
                    _finding("D102", wheel.name, f"{wheel.name} {wheel.version} needs {wanted}, which is not installed")
                )
            elif not req.specifier.contains(installed, prereleases=True):
                findings.append(
                    _finding(
                        "D103",
                        wheel.name,
                        f"{wheel.name} {wheel.version} needs {wanted}, but {req.name} {installed} is installed",
                    )
                )
    return findings


def _under(path: str, roots: Sequence[str]) -> bool:
    for candidate in {os.path.normpath(path), os.path.realpath(path)}:
        for root in roots:
            if candidate == root or candidate.startswith(root.rstrip(os.sep) + os.sep):
                return True
    return False


def runpath_findings(env: Environment) -> list[Finding]:
    """D104: RUNPATH/RPATH entries that reach outside the environment, one finding per distribution."""
    interp = env.interpreter
    roots = sorted({os.path.normpath(str(interp.prefix)), os.path.realpath(interp.prefix)})
    outside: dict[str, dict[str, set[Path]]] = defaultdict(lambda: defaultdict(set))
    for entry in env.search_paths:
        expanded = expand_origin(entry.entry, entry.file.parent)
        if expanded is None:
            continue
        if not os.path.isabs(expanded) or not _under(expanded, roots):
            outside[entry.distribution][f"{entry.entry} ({entry.tag})"].add(entry.file)
    findings: list[Finding] = []
    for dist in sorted(outside, key=canonicalize_name):
        entries = outside[dist]
        files = sorted({f for group in entries.values() for f in group})
        where = ", ".join(sorted(entries))
        findings.append(
            _finding(
                "D104",
                dist,
                f"{dist}: {len(files)} file(s) search {where}, outside the environment {interp.prefix}",
                paths=tuple(str(f) for f in files),
            )
        )
    return findings


def record_findings(env: Environment) -> list[Finding]:
    """D105: a library wheel whose installed files no longer match its RECORD."""
    findings: list[Finding] = []
    for wheel in env.wheels:
        record = wheel.record
        if record is None or record.intact:
            continue
        parts = []
        if record.missing:
            parts.append(f"{len(record.missing)} missing")
        if record.modified:
            parts.append(f"{len(record.modified)} changed")
        findings.append(
            _finding(
                "D105",
                wheel.name,
                f"{wheel.name} {wheel.version}: {' and '.join(parts)} of {record.checked} files in RECORD; "
                f"reinstall it (pip install --force-reinstall {wheel.name}=={wheel.version})",
                paths=record.missing + record.modified,
            )
        )
    return findings


def loader_findings(picks: Iterable[NeededPick]) -> list[Finding]:
    """D106/D107: a library's dependency shadowed by another file, or found nowhere."""
    findings: list[Finding] = []
    for pick in picks:
        chosen = pick.resolution
        if chosen.path is None:
            findings.append(
                _finding(
                    "D107",
                    pick.soname,
                    f"{pick.requester.name} needs {pick.soname}, which the loader finds nowhere "
                    f"(searched its RUNPATH, LD_LIBRARY_PATH, ld.so.cache)",
                    paths=(str(pick.requester),),
                )
            )
        elif pick.own is not None and os.path.realpath(chosen.path) != os.path.realpath(pick.own):
            via = chosen.via.value if chosen.via else "the loader"
            findings.append(
                _finding(
                    "D106",
                    pick.soname,
                    f"{pick.requester.name} needs {pick.soname}: the loader picks {chosen.path} ({via}) "
                    f"instead of {pick.own}",
                    paths=(str(pick.requester), str(chosen.path), str(pick.own)),
                )
            )
    return findings


def cuda_findings(env: Environment, driver: DriverInfo | None) -> list[Finding]:
    """D201: an installed CUDA wheel this machine's driver is too old to run, one finding per wheel.

    No driver at all is no finding: CUDA wheels install and load without one
    (the report says so in its driver line).
    """
    if driver is None or not driver.present:
        return []
    fit = cuda_fit(env.wheels, driver)
    has = driver.driver_version or "of unknown version"
    limit = f"CUDA {driver.cuda_version[0]}.{driver.cuda_version[1]}" if driver.cuda_version else "an unknown CUDA"
    findings: list[Finding] = []
    for wheel in fit.too_old:
        need = wheel.minimum_driver or "a newer one"
        remedy = f"upgrade the driver to >= {need}"
        if fit.variant is not None and fit.variant < wheel.cuda_major:
            remedy = f"install the -cu{fit.variant} variant ({variant_name(wheel.name, fit.variant)}), or {remedy}"
        findings.append(
            _finding(
                "D201",
                wheel.name,
                f"{wheel.name} {wheel.version} is built for CUDA {wheel.cuda_major} (driver >= {need}); "
                f"driver {has} supports up to {limit}: {remedy}",
            )
        )
    return findings


def environment_findings(
    env: Environment, picks: Iterable[NeededPick] = (), driver: DriverInfo | None = None
) -> tuple[Finding, ...]:
    """Every environment check, in id order."""
    found = [
        *duplicate_findings(env),
        *dependency_findings(env),
        *runpath_findings(env),
        *record_findings(env),
        *loader_findings(picks),
        *cuda_findings(env, driver),
    ]
    return tuple(sorted(found, key=lambda f: f.id))


def process_findings(libraries: Sequence[LoadedLibrary]) -> tuple[Finding, ...]:
    """D301/D302: one library, or one soname, loaded from more than one file; each said once."""
    distinct: dict[tuple[str, int], LoadedLibrary] = {}
    for lib in libraries:
        distinct.setdefault((lib.device, lib.inode), lib)
    by_identity: dict[str, list[LoadedLibrary]] = defaultdict(list)
    by_soname: dict[str, list[LoadedLibrary]] = defaultdict(list)
    for lib in distinct.values():
        by_identity[lib.identity].append(lib)
        if lib.soname:
            by_soname[lib.soname].append(lib)
    findings: list[Finding] = []
    covered: set[tuple[str, int]] = set()
    for identity in sorted(by_identity):
        copies = sorted(by_identity[identity], key=lambda lib: str(lib.path))
        if len(copies) < 2:
            continue
        covered.update((lib.device, lib.inode) for lib in copies)
        shared = sorted(
            soname
            for soname, group in by_soname.items()
            if len({(g.device, g.inode) for g in group}) > 1 and all(g.identity == identity for g in group)
        )
        owners = ", ".join(lib.owner or str(lib.path.parent) for lib in copies)
        if shared:
            findings.append(
                _finding(
                    "D302",
                    identity,
                    f"{identity}: soname {', '.join(shared)} loaded from {len(copies)} files ({owners})",
                    paths=tuple(str(lib.path) for lib in copies),
                )
            )
        else:
            findings.append(
                _finding(
                    "D301",
                    identity,
                    f"{identity}: {len(copies)} copies loaded ({owners})",
                    paths=tuple(str(lib.path) for lib in copies),
                )
            )
    for soname in sorted(by_soname):
        group = by_soname[soname]
        keys = {(lib.device, lib.inode) for lib in group}
        if len(keys) < 2 or keys <= covered:
            continue
        findings.append(
            _finding(
                "D302",
                soname,
                f"{soname}: loaded from {len(keys)} files",
                paths=tuple(sorted(str(lib.path) for lib in group)),
            )
        )
    return tuple(findings)
