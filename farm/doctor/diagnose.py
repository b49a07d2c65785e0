"""One call that gathers everything and decides what is wrong: :func:`diagnose`.

Gathering (disk, subprocesses, ctypes) happens here; deciding is
:mod:`farm.doctor.findings`; rendering is :mod:`farm.doctor.report`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from farm.doctor.cuda import CudaFit, cuda_fit
from farm.doctor.elf import ElfReadError, read_dynamic
from farm.doctor.environment import DEFAULT_NAMESPACE, Environment, LibraryFile, WheelKind, scan_environment
from farm.doctor.findings import Finding, environment_findings, process_findings
from farm.doctor.interpreter import Interpreter, Runner, current_interpreter, query_interpreter
from farm.doctor.loader import LoaderConfig, NeededPick, Resolution, loader_config, resolve, resolve_needed
from farm.doctor.nvidia import DriverInfo, Opener, read_driver
from farm.doctor.probe import call_version
from farm.doctor.process import LoadedLibrary, import_modules, loaded_libraries, remote_maps
from farm.doctor.versions import LibraryVersion, VersionSource

__all__ = ["LoaderRow", "ProcessReport", "Report", "diagnose", "inspect_process"]


@dataclass(frozen=True)
class LoaderRow:
    """For a soname a library wheel provides: what a bare ``dlopen(soname)`` would give."""

    soname: str
    provided_by: str
    wheel_file: Path
    resolution: Resolution


@dataclass(frozen=True)
class ProcessReport:
    """The libraries loaded in a process, and the findings about them."""

    source: str  # "this process" or the other interpreter's path
    imported: tuple[str, ...]
    libraries: tuple[LoadedLibrary, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Report:
    interpreter: Interpreter
    environment: Environment
    loader: LoaderConfig
    loader_rows: tuple[LoaderRow, ...]
    driver: DriverInfo | None
    process: ProcessReport | None
    findings: tuple[Finding, ...]

    @property
    def cuda(self) -> CudaFit | None:
        """The installed CUDA wheels against the driver; None when the driver was not checked."""
        return None if self.driver is None else cuda_fit(self.environment.wheels, self.driver)


def inspect_process(
    modules: Sequence[str] = (),
    python: Path | None = None,
    run: Runner = subprocess.run,
) -> ProcessReport:
    """The libraries loaded in this process (after importing ``modules``), or in another interpreter's.

    Usable from Python after importing whatever is suspected::

        import numpy, scipy.linalg
        from farm.doctor import inspect_process
        for finding in inspect_process().findings:
            print(finding.message)
    """
    if python is None:
        import_modules(modules)
        libraries = loaded_libraries()
        source = "this process"
    else:
        libraries = loaded_libraries(remote_maps(python, modules, run=run))
        source = str(python)
    return ProcessReport(
        source=source,
        imported=tuple(modules),
        libraries=libraries,
        findings=process_findings(libraries),
    )


def _soname_of(path: Path) -> str | None:
    try:
        info = read_dynamic(path)
    except (ElfReadError, OSError):
        return None
    return info.soname if info else None


def _loader_rows(env: Environment, config: LoaderConfig) -> tuple[LoaderRow, ...]:
    rows: list[LoaderRow] = []
    for wheel, lib in env.libraries:
        if wheel.kind is WheelKind.OTHER:
            continue  # mostly hashed sonames: nothing else can provide them
        rows.append(LoaderRow(lib.provides, wheel.name, lib.path, resolve(config, lib.provides)))
    return tuple(sorted(rows, key=lambda r: (r.provided_by, r.soname)))


def _needed_picks(env: Environment, config: LoaderConfig) -> tuple[NeededPick, ...]:
    picks: list[NeededPick] = []
    for wheel, lib in env.libraries:
        if wheel.kind is not WheelKind.WHEELFARM:
            continue
        for soname in lib.needed:
            picks.append(resolve_needed(config, lib.path, soname, lib.rpath, lib.runpath))
    return tuple(picks)


def _with_called_versions(env: Environment, python: str, run: Runner) -> Environment:
    def ask(lib: LibraryFile) -> LibraryFile:
        answer = call_version(python, lib.path, lib.identity, run=run)
        if answer is None:
            return lib
        return dataclasses.replace(lib, version=LibraryVersion(answer, VersionSource.CALL))

    wheels = tuple(
        dataclasses.replace(wheel, libraries=tuple(ask(lib) for lib in wheel.libraries)) for wheel in env.wheels
    )
    return dataclasses.replace(env, wheels=wheels)


def diagnose(
    python: Path | None = None,
    process: bool = False,
    imports: Sequence[str] = (),
    namespace: str = DEFAULT_NAMESPACE,
    call_versions: bool = False,
    check_driver: bool = True,
    environ: Mapping[str, str] | None = None,
    cache_file: Path = Path("/etc/ld.so.cache"),
    opener: Opener | None = None,
    run: Runner = subprocess.run,
    interpreter: Interpreter | None = None,
) -> Report:
    """Inspect an environment (this interpreter's, or ``python``'s) and, optionally, a process.

    ``process`` (implied by ``imports``) also lists the libraries loaded after
    importing ``imports``: in this process, or in a child of ``python``.
    ``opener`` opens the driver's libraries (``ctypes.CDLL``; tests pass fakes);
    ``interpreter``, an interpreter already described, is inspected instead of
    asking ``python`` or this one.
    """
    process_report = inspect_process(imports, python, run=run) if process or imports else None
    if interpreter is None:
        interpreter = current_interpreter() if python is None else query_interpreter(python, run=run)
    env = scan_environment(interpreter, namespace=namespace)
    if call_versions:
        env = _with_called_versions(env, interpreter.executable, run)
    config = loader_config(os.environ if environ is None else environ, cache_file=cache_file, soname_of=_soname_of)
    driver: DriverInfo | None = None
    if check_driver:
        driver = read_driver() if opener is None else read_driver(opener)
    findings = environment_findings(env, _needed_picks(env, config), driver)
    if process_report is not None:
        findings = findings + process_report.findings
    return Report(
        interpreter=interpreter,
        environment=env,
        loader=config,
        loader_rows=_loader_rows(env, config),
        driver=driver,
        process=process_report,
        findings=findings,
    )
