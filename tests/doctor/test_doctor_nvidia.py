from __future__ import annotations

import ctypes

import pytest

from farm.doctor.nvidia import (
    DriverInfo,
    decode_c_string,
    decode_cuda_version,
    driver_supports,
    read_driver,
)

from doctor_helpers import FakeCuda, FakeNvml, opener_for


def test_no_driver() -> None:
    info = read_driver(opener_for({}))
    assert info == DriverInfo(present=False)
    assert info.summary == "no NVIDIA driver"


def test_this_machine_answers_without_crashing() -> None:
    info = read_driver()
    assert isinstance(info.present, bool)
    if not info.present:
        assert info.summary == "no NVIDIA driver"


def test_driver_with_gpus() -> None:
    nvml = FakeNvml(gpus=(b"NVIDIA H100 80GB HBM3", b"NVIDIA A100-SXM4-40GB"))
    info = read_driver(opener_for({"libcuda.so.1": FakeCuda(12040), "libnvidia-ml.so.1": nvml}))
    assert info.present
    assert info.driver_version == "550.54.15"
    assert info.cuda_version == (12, 4)
    assert [g.name for g in info.gpus] == ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB"]
    assert info.gpus[0].memory_total == 80 * 1024**3
    assert nvml.shut_down
    assert info.summary == "driver 550.54.15, supports up to CUDA 12.4, 2 GPU(s)"
    assert info.notes == ()


def test_only_libcuda() -> None:
    info = read_driver(opener_for({"libcuda.so.1": FakeCuda(13000)}))
    assert info.present and info.cuda_version == (13, 0) and info.driver_version is None
    assert info.notes == ("libnvidia-ml.so.1 does not load",)


def test_failures_become_notes() -> None:
    class BrokenNvml(FakeNvml):
        def nvmlInit_v2(self) -> int:  # noqa: N802
            return 9  # NVML_ERROR_DRIVER_NOT_LOADED

    info = read_driver(opener_for({"libcuda.so.1": FakeCuda(status=100), "libnvidia-ml.so.1": BrokenNvml()}))
    assert info.present and info.cuda_version is None and info.gpus == ()
    assert "cuDriverGetVersion failed with CUDA error 100" in info.notes
    assert "nvmlInit failed with NVML error 9" in info.notes


def test_real_ctypes_buffers_decode() -> None:
    buffer = ctypes.create_string_buffer(16)
    buffer.value = b"580.65.06"
    assert decode_c_string(buffer.raw) == "580.65.06"
    assert decode_c_string(b"abc\0garbage") == "abc"


@pytest.mark.parametrize(("value", "decoded"), [(12040, (12, 4)), (11080, (11, 8)), (13000, (13, 0)), (12090, (12, 9))])
def test_decode_cuda_version(value: int, decoded: tuple[int, int]) -> None:
    assert decode_cuda_version(value) == decoded


@pytest.mark.parametrize(
    ("driver", "major", "ok"),
    [
        ("525.60.13", 12, True),
        ("525.60.12", 12, False),
        ("470.82.01", 12, False),
        ("550.54.15", 13, False),
        ("580.65.06", 13, True),
        ("580.95.05", 13, True),
        ("450.80.02", 11, True),
        ("999.1", 99, None),
        ("not-a-version", 12, None),
    ],
)
def test_driver_supports(driver: str, major: int, ok: bool | None) -> None:
    assert driver_supports(driver, major) is ok
