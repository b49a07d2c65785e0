"""The NVIDIA driver and GPUs, read through libcuda and libnvidia-ml with ctypes.

No ``nvidia-smi``: the driver's own libraries answer. ``cuDriverGetVersion``
gives the newest CUDA the driver supports; NVML gives the driver's version
string and the GPUs. Where neither library loads there is no NVIDIA driver,
which is an answer, not an error. The library opener is passed in, so tests give
fakes that behave like ctypes.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from packaging.version import InvalidVersion, Version

__all__ = [
    "MIN_LINUX_DRIVER",
    "DriverInfo",
    "Gpu",
    "Opener",
    "decode_c_string",
    "decode_cuda_version",
    "driver_supports",
    "read_driver",
]

#: CUDA major version -> the oldest Linux driver that runs it (minor version compatibility).
MIN_LINUX_DRIVER: Mapping[int, str] = MappingProxyType(
    {
        10: "410.48",
        11: "450.80.02",
        12: "525.60.13",
        13: "580.65.06",
    }
)

#: Opens a shared library by name, like ``ctypes.CDLL``; raises OSError when it cannot.
Opener = Callable[[str], Any]

_CUDA_LIBRARIES = ("libcuda.so.1", "libcuda.so", "nvcuda.dll", "libcuda.dylib")
_NVML_LIBRARIES = ("libnvidia-ml.so.1", "libnvidia-ml.so", "nvml.dll")
_NVML_SUCCESS = 0
_CUDA_SUCCESS = 0
_BUFFER = 96


@dataclass(frozen=True)
class Gpu:
    index: int
    name: str
    memory_total: int | None = None  # bytes


@dataclass(frozen=True)
class DriverInfo:
    """What the driver said; ``present`` is False when no NVIDIA driver library loads."""

    present: bool
    driver_version: str | None = None
    cuda_version: tuple[int, int] | None = None
    gpus: tuple[Gpu, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        if not self.present:
            return "no NVIDIA driver"
        cuda = f"CUDA {self.cuda_version[0]}.{self.cuda_version[1]}" if self.cuda_version else "CUDA unknown"
        return f"driver {self.driver_version or 'unknown'}, supports up to {cuda}, {len(self.gpus)} GPU(s)"


def decode_cuda_version(value: int) -> tuple[int, int]:
    """``cuDriverGetVersion``'s integer (1000 * major + 10 * minor) as (major, minor)."""
    return value // 1000, (value % 1000) // 10


def decode_c_string(raw: bytes) -> str:
    """A NUL-terminated C string from a fixed-size buffer."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def driver_supports(driver_version: str, cuda_major: int) -> bool | None:
    """Whether a Linux driver version runs CUDA ``cuda_major``; None if unknown."""
    minimum = MIN_LINUX_DRIVER.get(cuda_major)
    if minimum is None:
        return None if cuda_major > max(MIN_LINUX_DRIVER) else True
    try:
        return Version(driver_version) >= Version(minimum)
    except InvalidVersion:
        return None


def _open_first(opener: Opener, names: tuple[str, ...]) -> Any | None:
    for name in names:
        try:
            return opener(name)
        except OSError:
            continue
    return None


def _cuda_version(libcuda: Any) -> tuple[tuple[int, int] | None, str | None]:
    value = ctypes.c_int(0)
    try:
        status = libcuda.cuDriverGetVersion(ctypes.byref(value))
    except AttributeError:
        return None, "libcuda has no cuDriverGetVersion"
    if status != _CUDA_SUCCESS:
        return None, f"cuDriverGetVersion failed with CUDA error {status}"
    return decode_cuda_version(value.value), None


def _nvml(nvml: Any) -> tuple[str | None, tuple[Gpu, ...], list[str]]:
    notes: list[str] = []
    init = getattr(nvml, "nvmlInit_v2", None) or getattr(nvml, "nvmlInit", None)
    if init is None:
        return None, (), ["libnvidia-ml has no nvmlInit"]
    status = init()
    if status != _NVML_SUCCESS:
        return None, (), [f"nvmlInit failed with NVML error {status}"]
    try:
        buffer = ctypes.create_string_buffer(_BUFFER)
        version: str | None = None
        if nvml.nvmlSystemGetDriverVersion(buffer, ctypes.c_uint(_BUFFER)) == _NVML_SUCCESS:
            version = decode_c_string(buffer.raw)
        else:
            notes.append("nvmlSystemGetDriverVersion failed")
        count = ctypes.c_uint(0)
        get_count = getattr(nvml, "nvmlDeviceGetCount_v2", None) or nvml.nvmlDeviceGetCount
        if get_count(ctypes.byref(count)) != _NVML_SUCCESS:
            return version, (), [*notes, "nvmlDeviceGetCount failed"]
        gpus: list[Gpu] = []
        get_handle = getattr(nvml, "nvmlDeviceGetHandleByIndex_v2", None) or nvml.nvmlDeviceGetHandleByIndex
        for index in range(count.value):
            handle = ctypes.c_void_p()
            if get_handle(ctypes.c_uint(index), ctypes.byref(handle)) != _NVML_SUCCESS:
                notes.append(f"no handle for GPU {index}")
                continue
            name = ctypes.create_string_buffer(_BUFFER)
            label = "unknown"
            if nvml.nvmlDeviceGetName(handle, name, ctypes.c_uint(_BUFFER)) == _NVML_SUCCESS:
                label = decode_c_string(name.raw)
            gpus.append(Gpu(index=index, name=label, memory_total=_memory(nvml, handle)))
        return version, tuple(gpus), notes
    finally:
        shutdown = getattr(nvml, "nvmlShutdown", None)
        if shutdown is not None:
            shutdown()


class _Memory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


def _memory(nvml: Any, handle: ctypes.c_void_p) -> int | None:
    info = _Memory()
    getter = getattr(nvml, "nvmlDeviceGetMemoryInfo", None)
    if getter is None or getter(handle, ctypes.byref(info)) != _NVML_SUCCESS:
        return None
    return int(info.total)


def read_driver(opener: Opener = ctypes.CDLL) -> DriverInfo:
    """Ask the NVIDIA driver's libraries for its version and GPUs."""
    libcuda = _open_first(opener, _CUDA_LIBRARIES)
    nvml = _open_first(opener, _NVML_LIBRARIES)
    if libcuda is None and nvml is None:
        return DriverInfo(present=False)
    notes: list[str] = []
    cuda: tuple[int, int] | None = None
    if libcuda is not None:
        cuda, note = _cuda_version(libcuda)
        if note:
            notes.append(note)
    else:
        notes.append("libcuda.so.1 does not load")
    version: str | None = None
    gpus: tuple[Gpu, ...] = ()
    if nvml is not None:
        version, gpus, nvml_notes = _nvml(nvml)
        notes.extend(nvml_notes)
    else:
        notes.append("libnvidia-ml.so.1 does not load")
    return DriverInfo(present=True, driver_version=version, cuda_version=cuda, gpus=gpus, notes=tuple(notes))
