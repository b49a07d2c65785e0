"""A doctor's report as a readable table or as JSON for a bug report; strings only, never printed here."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from farm.doctor.cuda import CudaFit, no_driver_line
from farm.doctor.diagnose import ProcessReport, Report
from farm.doctor.environment import LibraryFile, Wheel, WheelKind
from farm.doctor.findings import Finding, Severity, human_bytes

__all__ = ["JSON_SCHEMA_VERSION", "render_json", "render_table", "to_data"]

#: bumped when a key of the JSON output changes meaning or disappears
#: (2: a wheel's kind "bundled" became "other", listing every wheel that ships a shared library)
JSON_SCHEMA_VERSION = 2


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    lines = [indent + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append(indent + "  ".join("-" * w for w in widths))
    lines.extend(indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    return lines


def _version(lib: LibraryFile) -> str:
    if lib.version is None:
        return "-"
    return f"{lib.version.value} ({lib.version.source.value})"


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def _wheel_rows(wheels: Sequence[Wheel], kind: WheelKind) -> list[list[str]]:
    rows: list[list[str]] = []
    for wheel in wheels:
        if wheel.kind is not kind:
            continue
        state = ""
        if wheel.record is not None:
            state = (
                "intact"
                if wheel.record.intact
                else (f"{len(wheel.record.missing)} missing, {len(wheel.record.modified)} changed")
            )
        cuda = f"cu{wheel.cuda_major}" if wheel.cuda_major is not None else ""
        first = [wheel.name, wheel.version]
        if not wheel.libraries:
            rows.append([*first, "-", "-", "-", "-", "-", cuda or state])
        for i, lib in enumerate(wheel.libraries):
            head = first if i == 0 else ["", ""]
            rows.append(
                [
                    *head,
                    lib.identity,
                    _version(lib),
                    lib.soname or "-",
                    human_bytes(lib.size),
                    _relative(lib.path, wheel.location),
                    (cuda or state) if i == 0 else "",
                ]
            )
    return rows


_WHEEL_HEADERS = ("wheel", "version", "library", "library version", "soname", "size", "file", "state")
_TITLES = {
    WheelKind.WHEELFARM: "Library wheels",
    WheelKind.NVIDIA: "NVIDIA CUDA wheels",
    WheelKind.OTHER: "Other wheels that ship shared libraries",
}


def _inventory_line(wheels: Sequence[Wheel]) -> str:
    shipping = [w for w in wheels if w.libraries]
    counts = ", ".join(f"{sum(1 for w in shipping if w.kind is kind)} {_MAKERS[kind]}" for kind in WheelKind)
    return f"Wheels that ship shared libraries: {len(shipping)} ({counts})"


_MAKERS = {WheelKind.WHEELFARM: "ours", WheelKind.NVIDIA: "NVIDIA", WheelKind.OTHER: "other"}


def _driver_lines(report: Report) -> list[str]:
    driver = report.driver
    if driver is None:
        return ["NVIDIA driver: not checked"]
    if not driver.present:
        return [no_driver_line()]
    lines = [f"NVIDIA driver: {driver.summary}"]
    lines += [f"  GPU {g.index}: {g.name}" for g in driver.gpus]
    lines += [f"  note: {n}" for n in driver.notes]
    fit = report.cuda
    if fit is not None:
        lines += _cuda_lines(fit)
    return lines


def _cuda_lines(fit: CudaFit) -> list[str]:
    lines = [f"CUDA: {fit.summary}"]
    if not fit.wheels:
        return [*lines, "  no CUDA wheels installed"]
    rows = [
        [w.name, w.version, f"cu{w.cuda_major}", w.basis or "-", w.minimum_driver or "-", w.state]
        for w in fit.wheels
    ]
    return lines + _table(("CUDA wheel", "version", "CUDA", "told by", "needs driver", "on this driver"), rows)


def _process_lines(process: ProcessReport) -> list[str]:
    after = f" after importing {', '.join(process.imported)}" if process.imported else ""
    lines = [f"Loaded in {process.source}{after}: {len(process.libraries)} shared libraries"]
    rows = [[lib.identity, lib.soname or "-", lib.owner or "-", str(lib.path)] for lib in process.libraries]
    lines += _table(("library", "soname", "from", "file"), rows)
    return lines


def _finding_lines(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["Findings: none"]
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    lines = [f"Findings ({summary})"]
    lines += [f"  {f.id} {f.severity.value:<7} {f.message}" for f in findings]
    return lines


def render_table(report: Report) -> str:
    """The report for a person reading a terminal."""
    interp = report.interpreter
    lines = [f"Python {interp.version} at {interp.executable} (environment {interp.prefix})", ""]
    env = report.environment
    lines += [_inventory_line(env.wheels), ""]
    for kind in WheelKind:
        rows = _wheel_rows(env.wheels, kind)
        title = _TITLES[kind] + (f" ({env.namespace}-*)" if kind is WheelKind.WHEELFARM else "")
        if rows:
            lines += [f"{title}:", *_table(_WHEEL_HEADERS, rows), ""]
        else:
            lines += [f"{title}: none", ""]
    loader = report.loader
    lines.append(
        "Dynamic loader: LD_LIBRARY_PATH="
        + (os.pathsep.join(loader.library_path) or "(unset)")
        + ", LD_PRELOAD="
        + (" ".join(str(p) for p in loader.preload) or "(unset)")
        + f", {len(loader.cache)} sonames in ld.so.cache"
    )
    if report.loader_rows:
        rows = [
            [
                r.soname,
                r.provided_by,
                str(r.resolution.path) if r.resolution.path else "not found outside the wheel",
                r.resolution.via.value if r.resolution.via else "-",
            ]
            for r in report.loader_rows
        ]
        lines += _table(("soname", "wheel", "dlopen(soname) picks", "via"), rows)
    lines.append("")
    lines += _driver_lines(report)
    lines.append("")
    if report.process is not None:
        lines += [*_process_lines(report.process), ""]
    lines += _finding_lines(report.findings)
    return "\n".join(lines) + "\n"


def _library_data(lib: LibraryFile) -> dict[str, Any]:
    return {
        "path": str(lib.path),
        "identity": lib.identity,
        "version": lib.version.value if lib.version else None,
        "version_source": lib.version.source.value if lib.version else None,
        "soname": lib.soname,
        "size": lib.size,
        "needed": list(lib.needed),
        "runpath": list(lib.runpath),
        "rpath": list(lib.rpath),
        "error": lib.error,
    }


def _wheel_data(wheel: Wheel) -> dict[str, Any]:
    record = wheel.record
    return {
        "name": wheel.name,
        "version": wheel.version,
        "kind": wheel.kind.value,
        "maker": wheel.maker,
        "location": str(wheel.location),
        "component": wheel.component,
        "cuda_major": wheel.cuda_major,
        "cuda_basis": wheel.cuda_basis,
        "requires": list(wheel.requires),
        "record": None
        if record is None
        else {
            "checked": record.checked,
            "intact": record.intact,
            "missing": list(record.missing),
            "modified": list(record.modified),
        },
        "libraries": [_library_data(lib) for lib in wheel.libraries],
    }


def _cuda_data(fit: CudaFit | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {
        "summary": fit.summary,
        "variant": f"cu{fit.variant}" if fit.variant is not None else None,
        "runnable": [f"cu{m}" for m in fit.runnable],
        "wheels": [
            {
                "name": w.name,
                "version": w.version,
                "kind": w.kind.value,
                "cuda_major": w.cuda_major,
                "basis": w.basis,
                "minimum_driver": w.minimum_driver,
                "runs": w.runs,
            }
            for w in fit.wheels
        ],
    }


def _finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "name": finding.name,
        "severity": finding.severity.value,
        "subject": finding.subject,
        "message": finding.message,
        "paths": list(finding.paths),
        "wasted_bytes": finding.wasted_bytes,
    }


def to_data(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data, with stable keys."""
    interp = report.interpreter
    driver = report.driver
    process = report.process
    return {
        "schema": JSON_SCHEMA_VERSION,
        "interpreter": {
            "executable": interp.executable,
            "version": interp.version,
            "prefix": str(interp.prefix),
            "platform": interp.platform,
            "machine": interp.machine,
            "paths": [str(p) for p in interp.paths],
        },
        "wheels": [_wheel_data(w) for w in report.environment.wheels],
        "loader": {
            "ld_library_path": list(report.loader.library_path),
            "ld_preload": [str(p) for p in report.loader.preload],
            "cache_entries": len(report.loader.cache),
            "sonames": [
                {
                    "soname": r.soname,
                    "wheel": r.provided_by,
                    "wheel_file": str(r.wheel_file),
                    "picked": str(r.resolution.path) if r.resolution.path else None,
                    "via": r.resolution.via.value if r.resolution.via else None,
                }
                for r in report.loader_rows
            ],
        },
        "driver": None
        if driver is None
        else {
            "present": driver.present,
            "summary": driver.summary,
            "driver_version": driver.driver_version,
            "cuda_version": ".".join(map(str, driver.cuda_version)) if driver.cuda_version else None,
            "gpus": [{"index": g.index, "name": g.name, "memory_total": g.memory_total} for g in driver.gpus],
            "notes": list(driver.notes),
        },
        "cuda": _cuda_data(report.cuda),
        "process": None
        if process is None
        else {
            "source": process.source,
            "imported": list(process.imported),
            "libraries": [
                {
                    "path": str(lib.path),
                    "identity": lib.identity,
                    "soname": lib.soname,
                    "owner": lib.owner,
                    "deleted": lib.deleted,
                }
                for lib in process.libraries
            ],
        },
        "findings": [_finding_data(f) for f in report.findings],
    }


def render_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(to_data(report), indent=2, sort_keys=False) + "\n"
