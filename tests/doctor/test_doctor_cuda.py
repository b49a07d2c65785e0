"""CUDA fit: installed CUDA wheels against a driver read through fake libcuda and NVML."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

import farm.cli.doctor
from farm.cli import main
from farm.doctor import diagnose, render_json, render_table
from farm.doctor.cuda import cuda_fit, driver_runs, no_driver_line, variant_name
from farm.doctor.diagnose import Report
from farm.doctor.nvidia import DriverInfo

from doctor_helpers import CompileSo, FakeCuda, FakeDist, FakeNvml, fake_interpreter, install_fake, opener_for

NO_DRIVER = "no NVIDIA driver: CUDA wheels install and load, but find no device; cu12 needs driver >= 525, cu13 >= 580"


@pytest.fixture
def site(tmp_path: Path, compile_so: CompileSo) -> Path:
    """NVIDIA's CUDA 12 and CUDA 13 runtimes, a CUDA 12 cuFFT (version 11.x) and one farm cu13 variant."""
    site = tmp_path / "env" / "site-packages"
    build = tmp_path / "build"
    dists = [
        FakeDist("nvidia-cuda-runtime-cu12", "12.9.79", {"nvidia/cuda_runtime/lib/libcudart.so.12": b"12"}),
        FakeDist("nvidia-cufft-cu12", "11.4.1.4", {"nvidia/cufft/lib/libcufft.so.11": b"11"}),
        FakeDist("nvidia-cuda-runtime", "13.0.96", {"nvidia/cu13/lib/libcudart.so.13": b"13"}),
        FakeDist("wheelfarm-foo-cu13", "1.0", {"wheelfarm/foo_cu13/lib/libfoo.so.1": b"foo"}),
    ]
    for dist in dists:
        [(member, _)] = dist.files.items()
        name = Path(member).name
        lib = compile_so(build / dist.name / name, soname=name)
        install_fake(site, FakeDist(dist.name, dist.version, {member: lib.read_bytes()}))
    return site


def _opener(driver: bytes, cuda: int) -> Any:
    return opener_for({"libcuda.so.1": FakeCuda(cuda), "libnvidia-ml.so.1": FakeNvml(driver=driver)})


def _diagnose(site: Path, opener: Any) -> Report:
    return diagnose(interpreter=fake_interpreter(site), opener=opener, environ={})


def _exit_status(site: Path, opener: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> int:
    monkeypatch.setattr(
        farm.cli.doctor, "diagnose", functools.partial(diagnose, interpreter=fake_interpreter(site), opener=opener)
    )
    status = main(["doctor"])
    capsys.readouterr()
    return status


def test_no_driver_is_one_line_and_no_error(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _diagnose(site, opener_for({}))
    assert report.cuda is not None
    assert report.cuda.summary == NO_DRIVER == no_driver_line()
    assert report.cuda.variant is None and report.cuda.too_old == ()
    assert {w.runs for w in report.cuda.wheels} == {None}
    assert not [f for f in report.findings if f.id.startswith("D2")]
    text = render_table(report)
    assert NO_DRIVER + "\n" in text
    rest = text.replace(NO_DRIVER, "")
    assert "NVIDIA driver" not in rest and "CUDA:" not in rest  # said once
    data = json.loads(render_json(report))
    assert data["cuda"]["summary"] == NO_DRIVER and data["cuda"]["variant"] is None
    assert _exit_status(site, opener_for({}), monkeypatch, capsys) == 0


def test_driver_550_runs_cu12_and_flags_cu13(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opener = _opener(b"550.54.15", 12040)
    report = _diagnose(site, opener)
    fit = report.cuda
    assert fit is not None
    assert {w.name: (w.cuda_major, w.runs) for w in fit.wheels} == {
        "nvidia-cuda-runtime": (13, False),
        "nvidia-cuda-runtime-cu12": (12, True),
        "nvidia-cufft-cu12": (12, True),  # version 11.4.1.4, but a CUDA 12 wheel
        "wheelfarm-foo-cu13": (13, False),
    }
    assert (fit.runnable, fit.variant) == ((12,), 12)
    assert fit.summary == "cu12 fits this machine (cu13 needs driver >= 580.65.06)"
    flagged = {f.subject: f for f in report.findings if f.id == "D201"}
    assert set(flagged) == {"nvidia-cuda-runtime", "wheelfarm-foo-cu13"}
    assert flagged["wheelfarm-foo-cu13"].message == (
        "wheelfarm-foo-cu13 1.0 is built for CUDA 13 (driver >= 580.65.06); driver 550.54.15 supports up to "
        "CUDA 12.4: install the -cu12 variant (wheelfarm-foo-cu12), or upgrade the driver to >= 580.65.06"
    )
    text = render_table(report)
    assert "NVIDIA driver: driver 550.54.15, supports up to CUDA 12.4, 1 GPU(s)" in text
    assert "CUDA: cu12 fits this machine (cu13 needs driver >= 580.65.06)" in text
    assert "nvidia-cufft-cu12         11.4.1.4  cu12  name suffix -cu12" in text
    assert "nvidia-cuda-runtime       13.0.96   cu13  layout nvidia/cu13/  580.65.06     no: driver too old" in text
    data = json.loads(render_json(report))
    assert data["cuda"]["variant"] == "cu12"
    assert {w["name"]: w["runs"] for w in data["cuda"]["wheels"]}["nvidia-cuda-runtime"] is False
    assert _exit_status(site, opener, monkeypatch, capsys) == farm.cli.doctor.EXIT_ERRORS


def test_driver_590_runs_both(site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    opener = _opener(b"590.44.01", 13010)
    report = _diagnose(site, opener)
    fit = report.cuda
    assert fit is not None
    assert all(w.runs for w in fit.wheels) and len(fit.wheels) == 4
    assert (fit.runnable, fit.variant) == ((12, 13), 13)
    assert fit.summary == "cu13 fits this machine (cu12 runs too)"
    assert not [f for f in report.findings if f.id == "D201"]
    assert "CUDA: cu13 fits this machine (cu12 runs too)" in render_table(report)
    assert _exit_status(site, opener, monkeypatch, capsys) == 0


def test_cuda_fit_from_the_driver_reading_alone() -> None:
    assert driver_runs(DriverInfo(present=False), 12) is None
    assert driver_runs(DriverInfo(present=True), 12) is None  # neither version said
    assert driver_runs(DriverInfo(present=True, cuda_version=(12, 8)), 13) is False
    assert driver_runs(DriverInfo(present=True, driver_version="575.51.03", cuda_version=(12, 9)), 12) is True
    assert driver_runs(DriverInfo(present=True, driver_version="470.82.01"), 12) is False
    ancient = cuda_fit((), DriverInfo(present=True, driver_version="470.82.01", cuda_version=(11, 4)))
    assert (ancient.variant, ancient.summary) == (None, "no CUDA variant fits: cu12 needs driver >= 525.60.13")
    mute = cuda_fit((), DriverInfo(present=True))
    assert mute.summary == "the driver did not say its version: cannot tell which CUDA variant fits"
    assert variant_name("nvidia-cuda-runtime", 12) == "nvidia-cuda-runtime-cu12"
    assert variant_name("wheelfarm-foo-cu13", 12) == "wheelfarm-foo-cu12"
