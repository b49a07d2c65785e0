from __future__ import annotations

import json
from pathlib import Path

from farm.doctor.diagnose import LoaderRow, ProcessReport, Report
from farm.doctor.environment import scan_environment
from farm.doctor.findings import environment_findings, process_findings
from farm.doctor.loader import Resolution, Via, loader_config
from farm.doctor.nvidia import DriverInfo, Gpu
from farm.doctor.process import loaded_libraries
from farm.doctor.report import JSON_SCHEMA_VERSION, render_json, render_table, to_data

from doctor_helpers import CompileSo, FakeDist, fake_interpreter, install_fake

MAPS = """\
7f0000000000-7f0000001000 r--p 00000000 08:01 200 /env/site-packages/numpy.libs/libscipy_openblas64_-32a4b2a6.so
7f0000002000-7f0000003000 r--p 00000000 08:01 300 /env/site-packages/scipy.libs/libscipy_openblas-6cdc3b4a.so
"""


def _report(tmp_path: Path, compile_so: CompileSo) -> Report:
    site = tmp_path / "env" / "site-packages"
    lib = compile_so(tmp_path / "b" / "libz-1a2b3c4d.so.1.2.13", soname="libz-1a2b3c4d.so.1.2.13")
    foo = compile_so(tmp_path / "b" / "libfoo.so.1", soname="libfoo.so.1")
    for name in ("alpha", "beta"):
        install_fake(site, FakeDist(name, "1.0", {f"{name}.libs/libz-1a2b3c4d.so.1.2.13": lib.read_bytes()}))
    install_fake(site, FakeDist("wheelfarm-foo", "1.0", {"wheelfarm/foo/lib/libfoo.so.1": foo.read_bytes()}))
    env = scan_environment(fake_interpreter(site))
    libs = loaded_libraries(MAPS)
    process = ProcessReport("this process", ("numpy", "scipy"), libs, process_findings(libs))
    driver = DriverInfo(True, "550.54.15", (12, 4), (Gpu(0, "NVIDIA H100", 80 * 1024**3),))
    row = LoaderRow(
        "libfoo.so.1", "wheelfarm-foo", site / "wheelfarm/foo/lib/libfoo.so.1", Resolution("libfoo.so.1", None, None)
    )
    return Report(
        interpreter=env.interpreter,
        environment=env,
        loader=loader_config({"LD_LIBRARY_PATH": "/opt/x"}, cache_file=tmp_path / "none"),
        loader_rows=(row,),
        driver=driver,
        process=process,
        findings=environment_findings(env) + process.findings,
    )


def test_table_names_every_section(tmp_path: Path, compile_so: CompileSo) -> None:
    text = render_table(_report(tmp_path, compile_so))
    for expected in (
        "Library wheels (wheelfarm-*):",
        "NVIDIA CUDA wheels: none",
        "Wheels that ship shared libraries: 3 (1 ours, 0 NVIDIA, 2 other)",
        "Other wheels that ship shared libraries:",
        "alpha.libs/libz-1a2b3c4d.so.1.2.13",
        "1.2.13 (file name)",
        "LD_LIBRARY_PATH=/opt/x",
        "libfoo.so.1  wheelfarm-foo  not found outside the wheel",
        "NVIDIA driver: driver 550.54.15, supports up to CUDA 12.4, 1 GPU(s)",
        "GPU 0: NVIDIA H100",
        "CUDA: cu12 fits this machine (cu13 needs driver >= 580.65.06)",
        "  no CUDA wheels installed",
        "Loaded in this process after importing numpy, scipy: 2 shared libraries",
        "Findings (2 warnings)",
        "D101 warning zlib: 2 copies in alpha, beta (versions 1.2.13);",
        "D301 warning openblas: 2 copies loaded (numpy, scipy)",
    ):
        assert expected in text, expected
    assert text.endswith("\n")


def test_json_is_stable_and_complete(tmp_path: Path, compile_so: CompileSo) -> None:
    report = _report(tmp_path, compile_so)
    data = json.loads(render_json(report))
    assert data == to_data(report)
    assert data["schema"] == JSON_SCHEMA_VERSION
    assert list(data) == ["schema", "interpreter", "wheels", "loader", "driver", "cuda", "process", "findings"]
    assert [w["name"] for w in data["wheels"]] == ["alpha", "beta", "wheelfarm-foo"]
    kinds = [(w["kind"], w["maker"]) for w in data["wheels"]]
    assert kinds == [("other", "other"), ("other", "other"), ("wheelfarm", "ours")]
    assert data["cuda"] == {
        "summary": "cu12 fits this machine (cu13 needs driver >= 580.65.06)",
        "variant": "cu12",
        "runnable": ["cu12"],
        "wheels": [],
    }
    assert data["wheels"][2]["record"]["intact"] is True
    assert data["driver"]["cuda_version"] == "12.4"
    assert data["driver"]["gpus"] == [{"index": 0, "name": "NVIDIA H100", "memory_total": 80 * 1024**3}]
    assert data["loader"]["ld_library_path"] == ["/opt/x"]
    assert [f["id"] for f in data["findings"]] == ["D101", "D301"]
    dup = data["findings"][0]
    assert dup["name"] == "duplicate-library" and dup["severity"] == "warning"
    assert dup["wasted_bytes"] == (tmp_path / "env/site-packages/beta.libs/libz-1a2b3c4d.so.1.2.13").stat().st_size


def test_no_driver_and_no_findings(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    env = scan_environment(fake_interpreter(site))
    report = Report(env.interpreter, env, loader_config({}, cache_file=tmp_path / "x"), (), DriverInfo(False), None, ())
    text = render_table(report)
    assert "no NVIDIA driver: CUDA wheels install and load, but find no device;" in text
    assert "Findings: none" in text
    data = json.loads(render_json(report))
    assert data["driver"]["present"] is False
    assert data["cuda"]["variant"] is None and data["cuda"]["wheels"] == []
    unchecked = Report(env.interpreter, env, report.loader, (), None, None, ())
    assert "NVIDIA driver: not checked" in render_table(unchecked)
    assert to_data(unchecked)["cuda"] is None
    assert Via.CACHE.value == "ld.so.cache"
