from __future__ import annotations

from pathlib import Path

from farm.doctor.environment import Environment, LibraryFile, RecordCheck, SearchPathEntry, Wheel, WheelKind
from farm.doctor.findings import (
    CHECKS,
    Severity,
    cuda_findings,
    dependency_findings,
    duplicate_findings,
    environment_findings,
    human_bytes,
    loader_findings,
    record_findings,
    runpath_findings,
)
from farm.doctor.identity import split_library_name
from farm.doctor.loader import NeededPick, Resolution, Via
from farm.doctor.nvidia import DriverInfo
from farm.doctor.versions import LibraryVersion, VersionSource

from doctor_helpers import fake_interpreter

PREFIX = Path("/env")
SITE = PREFIX / "lib/python3.11/site-packages"


def lib(path: str, size: int = 100, version: str | None = None, **kw: object) -> LibraryFile:
    full = SITE / path
    return LibraryFile(
        path=full,
        identity=split_library_name(full.name, full.parent.name.removesuffix(".libs") or None).identity,
        size=size,
        soname=full.name,
        needed=(),
        runpath=(),
        rpath=(),
        version=LibraryVersion(version, VersionSource.EMBEDDED) if version else None,
    )


def wheel(name: str, kind: WheelKind, *libs: LibraryFile, version: str = "1.0", **kw: object) -> Wheel:
    requires = kw.get("requires", ())
    record = kw.get("record")
    cuda = kw.get("cuda_major")
    assert isinstance(requires, tuple) and (record is None or isinstance(record, RecordCheck))
    assert cuda is None or isinstance(cuda, int)
    return Wheel(name, version, kind, SITE, libs, requires, record=record, cuda_major=cuda)


def environment(
    *wheels: Wheel, installed: dict[str, str] | None = None, search: tuple[SearchPathEntry, ...] = ()
) -> Environment:
    names = installed if installed is not None else {w.name: w.version for w in wheels}
    return Environment(
        interpreter=fake_interpreter(SITE, prefix=PREFIX),
        namespace="wheelfarm",
        wheels=wheels,
        installed=tuple(sorted(names.items())),
        search_paths=search,
    )


def test_every_check_has_a_unique_stable_id() -> None:
    assert len({c.name for c in CHECKS.values()}) == len(CHECKS)
    assert all(key == c.id and c.id[0] == "D" and len(c.id) == 4 for key, c in CHECKS.items())


def test_duplicates_are_one_finding_per_library_with_their_cost() -> None:
    env = environment(
        wheel("numpy", WheelKind.OTHER, lib("numpy.libs/libscipy_openblas64_-32a4b2a6.so", 2500, "0.3.31")),
        wheel(
            "scipy",
            WheelKind.OTHER,
            lib("scipy.libs/libscipy_openblas-6cdc3b4a.so", 2400, "0.3.30"),
            lib("scipy.libs/libgfortran-8f1e9814.so.5.0.0", 300),
        ),
        wheel("other", WheelKind.OTHER, lib("other.libs/libgfortran-040039e1.so.5.0.0", 280)),
    )
    findings = duplicate_findings(env)
    assert [(f.id, f.subject, f.wasted_bytes) for f in findings] == [
        ("D101", "gfortran", 300),
        ("D101", "openblas", 2400),
    ]
    assert (
        findings[1].message == "openblas: 2 copies in numpy, scipy (versions 0.3.30, 0.3.31); 2.3 KiB beyond the first"
    )
    assert findings[1].severity is Severity.WARNING
    assert len(findings[1].paths) == 2


def test_no_duplicates_no_findings() -> None:
    env = environment(
        wheel("a", WheelKind.OTHER, lib("a.libs/libz-1a2b3c4d.so.1")),
        wheel("b", WheelKind.OTHER, lib("b.libs/libpng16-1a2b3c4d.so.16")),
    )
    assert duplicate_findings(env) == []


def test_dependencies_missing_and_out_of_range() -> None:
    bar = wheel(
        "wheelfarm-bar",
        WheelKind.WHEELFARM,
        requires=(
            "wheelfarm-foo>=1.2,<1.3",
            "wheelfarm-gone>=2",
            "wheelfarm-win-only; sys_platform == 'win32'",
            "wheelfarm-docs; extra == 'docs'",
            "numpy>=1",
        ),
    )
    env = environment(bar, installed={"wheelfarm-bar": "1.0", "wheelfarm-foo": "1.3.0"})
    findings = dependency_findings(env)
    assert [(f.id, f.severity) for f in findings] == [("D103", Severity.ERROR), ("D102", Severity.ERROR)]
    assert (
        findings[0].message == "wheelfarm-bar 1.0 needs wheelfarm-foo<1.3,>=1.2, but wheelfarm-foo 1.3.0 is installed"
    )
    assert findings[1].message == "wheelfarm-bar 1.0 needs wheelfarm-gone>=2, which is not installed"
    ok = environment(bar, installed={"wheelfarm-bar": "1.0", "wheelfarm-foo": "1.2.9.post1", "wheelfarm-gone": "2.1"})
    assert dependency_findings(ok) == []


def test_search_paths_outside_the_environment_one_finding_per_distribution() -> None:
    ext = SITE / "shapely/_geos.so"
    other = SITE / "shapely/lib.so"
    search = (
        SearchPathEntry("shapely", ext, "RUNPATH", "/usr/local/lib64"),
        SearchPathEntry("shapely", other, "RUNPATH", "/usr/local/lib64"),
        SearchPathEntry("shapely", other, "RPATH", "$ORIGIN/../shapely.libs"),
        SearchPathEntry("numpy", SITE / "numpy/x.so", "RUNPATH", "$ORIGIN/../../numpy.libs"),
        SearchPathEntry("numpy", SITE / "numpy/x.so", "RUNPATH", str(PREFIX / "lib")),
        SearchPathEntry("odd", SITE / "odd/x.so", "RUNPATH", "relative/dir"),
        SearchPathEntry("escapee", SITE / "escapee/x.so", "RUNPATH", "$ORIGIN/../../../../../opt"),
    )
    findings = runpath_findings(environment(search=search))
    assert [f.subject for f in findings] == ["escapee", "odd", "shapely"]
    shapely = findings[-1]
    assert shapely.message == "shapely: 2 file(s) search /usr/local/lib64 (RUNPATH), outside the environment /env"
    assert shapely.paths == (str(ext), str(other))


def test_record_mismatch() -> None:
    broken = wheel("wheelfarm-foo", WheelKind.WHEELFARM, record=RecordCheck(5, ("a",), ("b", "c")))
    intact = wheel("wheelfarm-ok", WheelKind.WHEELFARM, record=RecordCheck(5, (), ()))
    [finding] = record_findings(environment(broken, intact))
    assert finding.id == "D105"
    assert "1 missing and 2 changed of 5 files" in finding.message
    assert "pip install --force-reinstall wheelfarm-foo==1.0" in finding.message


def test_loader_shadowing_and_unresolved() -> None:
    requester = SITE / "wheelfarm/bar/lib/libbar.so.1"
    own = SITE / "wheelfarm/foo/lib/libfoo.so.1"
    picks = [
        NeededPick(
            requester, "libfoo.so.1", Resolution("libfoo.so.1", Path("/opt/foo/libfoo.so.1"), Via.LIBRARY_PATH), own
        ),
        NeededPick(requester, "libc.so.6", Resolution("libc.so.6", Path("/lib/libc.so.6"), Via.CACHE), None),
        NeededPick(requester, "libgone.so.2", Resolution("libgone.so.2", None, None), None),
        NeededPick(requester, "libfoo.so.1", Resolution("libfoo.so.1", own, Via.RUNPATH), own),
    ]
    findings = loader_findings(picks)
    assert [f.id for f in findings] == ["D106", "D107"]
    assert "the loader picks /opt/foo/libfoo.so.1 (LD_LIBRARY_PATH) instead of" in findings[0].message


def test_cuda_against_the_driver() -> None:
    env = environment(
        wheel("nvidia-cublas-cu12", WheelKind.NVIDIA, cuda_major=12),
        wheel("nvidia-cuda-runtime", WheelKind.NVIDIA, version="13.0.48", cuda_major=13),
        wheel("wheelfarm-ucx-cu13", WheelKind.WHEELFARM, version="1.18.0", cuda_major=13),
    )
    assert cuda_findings(env, None) == []
    assert cuda_findings(env, DriverInfo(present=False)) == []  # no driver is no error
    old = cuda_findings(env, DriverInfo(present=True, driver_version="550.54.15", cuda_version=(12, 4)))
    assert [(f.id, f.severity, f.subject) for f in old] == [
        ("D201", Severity.ERROR, "nvidia-cuda-runtime"),
        ("D201", Severity.ERROR, "wheelfarm-ucx-cu13"),
    ]
    assert old[0].message == (
        "nvidia-cuda-runtime 13.0.48 is built for CUDA 13 (driver >= 580.65.06); driver 550.54.15 supports up to "
        "CUDA 12.4: install the -cu12 variant (nvidia-cuda-runtime-cu12), or upgrade the driver to >= 580.65.06"
    )
    assert "install the -cu12 variant (wheelfarm-ucx-cu12)" in old[1].message
    new = cuda_findings(env, DriverInfo(present=True, driver_version="580.95.05", cuda_version=(13, 0)))
    assert new == []
    ancient = cuda_findings(env, DriverInfo(present=True, driver_version="470.82.01", cuda_version=None))
    assert [f.subject for f in ancient] == ["nvidia-cublas-cu12", "nvidia-cuda-runtime", "wheelfarm-ucx-cu13"]
    assert ancient[0].message.endswith("supports up to an unknown CUDA: upgrade the driver to >= 525.60.13")
    only_libcuda = cuda_findings(env, DriverInfo(present=True, cuda_version=(12, 8)))
    assert [f.subject for f in only_libcuda] == ["nvidia-cuda-runtime", "wheelfarm-ucx-cu13"]
    assert cuda_findings(environment(), DriverInfo(present=False)) == []
    assert "D202" not in CHECKS


def test_environment_findings_sorted_by_id() -> None:
    env = environment(
        wheel("wheelfarm-bar", WheelKind.WHEELFARM, requires=("wheelfarm-gone",)),
        wheel("a", WheelKind.OTHER, lib("a.libs/libz-1a2b3c4d.so.1")),
        wheel("b", WheelKind.OTHER, lib("b.libs/libz-9a8b7c6d.so.1")),
    )
    assert [f.id for f in environment_findings(env)] == ["D101", "D102"]


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 1023, 1024, 5 * 1024**2, 3 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "5.0 MiB",
        "3.0 GiB",
    ]
