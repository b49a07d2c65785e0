"""Which installed CUDA wheels this machine's NVIDIA driver runs, and which variant fits it.

A CUDA wheel is NVIDIA's own (``nvidia-*``) or one of the farm's variants
(``wheelfarm-<name>-cu12``, ``-cu13``); :func:`farm.doctor.environment.cuda_target`
tells its CUDA major from the name or the layout. A CUDA major runs when the
driver is at least :data:`~farm.doctor.nvidia.MIN_LINUX_DRIVER` for it and
``cuDriverGetVersion`` reports that major or a newer one. Pure: the driver was
read elsewhere (and tests pass fakes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from farm.doctor.environment import Wheel, WheelKind
from farm.doctor.nvidia import MIN_LINUX_DRIVER, DriverInfo, driver_supports

__all__ = [
    "VARIANTS",
    "CudaFit",
    "CudaWheelFit",
    "cuda_fit",
    "driver_runs",
    "no_driver_line",
    "variant_name",
]

#: The CUDA majors the farm builds variants for, oldest first.
VARIANTS: tuple[int, ...] = (12, 13)


@dataclass(frozen=True)
class CudaWheelFit:
    """One installed CUDA wheel against this machine's driver."""

    name: str
    version: str
    kind: WheelKind
    cuda_major: int
    basis: str  # what told the major: "name suffix -cu12", "layout nvidia/cu13/"
    minimum_driver: str | None  # the oldest Linux driver for cuda_major; None if unknown
    runs: bool | None  # None: no driver, or a driver that did not say its version

    @property
    def state(self) -> str:
        """Whether it runs on this machine's driver, in a word or three."""
        if self.runs is None:
            return "unknown"
        return "runs" if self.runs else "no: driver too old"


@dataclass(frozen=True)
class CudaFit:
    """The driver, every installed CUDA wheel, and the variant that fits this machine."""

    driver: DriverInfo
    wheels: tuple[CudaWheelFit, ...]
    runnable: tuple[int, ...]  # the majors of VARIANTS this driver runs
    variant: int | None  # the newest of them: the variant to install here
    summary: str  # one line

    @property
    def too_old(self) -> tuple[CudaWheelFit, ...]:
        return tuple(w for w in self.wheels if w.runs is False)


def _short(version: str) -> str:
    return version.split(".", 1)[0]


def no_driver_line() -> str:
    """What doctor says when no NVIDIA driver loads; not an error."""
    needs = ", ".join(
        f"cu{major} needs driver >= {_short(MIN_LINUX_DRIVER[major])}"
        if i == 0
        else f"cu{major} >= {_short(MIN_LINUX_DRIVER[major])}"
        for i, major in enumerate(VARIANTS)
    )
    return f"no NVIDIA driver: CUDA wheels install and load, but find no device; {needs}"


def driver_runs(driver: DriverInfo, major: int) -> bool | None:
    """Whether the driver runs CUDA ``major`` code; None when there is no driver or it said too little."""
    if not driver.present:
        return None
    verdicts: list[bool] = []
    if driver.driver_version:
        supported = driver_supports(driver.driver_version, major)
        if supported is not None:
            verdicts.append(supported)
    if driver.cuda_version is not None:
        verdicts.append(major <= driver.cuda_version[0])
    if not verdicts:
        return None
    return all(verdicts)


def variant_name(name: str, major: int) -> str:
    """The same wheel built for CUDA ``major``: nvidia-cuda-runtime -> nvidia-cuda-runtime-cu12."""
    canonical: str = canonicalize_name(name)
    for suffix in (f"-cu{m}" for m in range(10, 20)):
        if canonical.endswith(suffix):
            canonical = canonical[: -len(suffix)]
            break
    return f"{canonical}-cu{major}"


def _summary(driver: DriverInfo, runnable: tuple[int, ...], variant: int | None) -> str:
    if not driver.present:
        return no_driver_line()
    if variant is None:
        if not runnable and all(driver_runs(driver, m) is False for m in VARIANTS):
            oldest = VARIANTS[0]
            return f"no CUDA variant fits: cu{oldest} needs driver >= {MIN_LINUX_DRIVER[oldest]}"
        return "the driver did not say its version: cannot tell which CUDA variant fits"
    others = []
    for major in VARIANTS:
        if major == variant:
            continue
        if major in runnable:
            others.append(f"cu{major} runs too")
        elif major > variant:
            others.append(f"cu{major} needs driver >= {MIN_LINUX_DRIVER.get(major, 'a newer one')}")
    tail = f" ({'; '.join(others)})" if others else ""
    return f"cu{variant} fits this machine{tail}"


def cuda_fit(wheels: Iterable[Wheel], driver: DriverInfo) -> CudaFit:
    """Each installed CUDA wheel against the driver, and the variant to install."""
    fits = tuple(
        CudaWheelFit(
            name=w.name,
            version=w.version,
            kind=w.kind,
            cuda_major=w.cuda_major,
            basis=w.cuda_basis or "",
            minimum_driver=MIN_LINUX_DRIVER.get(w.cuda_major),
            runs=driver_runs(driver, w.cuda_major),
        )
        for w in sorted(wheels, key=lambda w: canonicalize_name(w.name))
        if w.cuda_major is not None and w.kind is not WheelKind.OTHER
    )
    runnable = tuple(m for m in VARIANTS if driver_runs(driver, m))
    variant = max(runnable) if runnable else None
    return CudaFit(
        driver=driver, wheels=fits, runnable=runnable, variant=variant, summary=_summary(driver, runnable, variant)
    )
