"""Helpers for the doctor's tests: tiny real shared libraries, wheels and venvs."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from farm.doctor.interpreter import Interpreter


def require_gcc() -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("needs a C compiler (gcc)")
    return gcc


CompileSo = Callable[..., Path]


def compile_library(
    gcc: str,
    scratch: Path,
    out: Path,
    source: str,
    soname: str | None = None,
    link: Sequence[str] = (),
    runpath: Sequence[str] = (),
    rpath: Sequence[str] = (),
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    src = scratch / f"{out.name}.c"
    src.write_text(source)
    cmd = [gcc, "-shared", "-fPIC", "-o", str(out), str(src)]
    if soname:
        cmd.append(f"-Wl,-soname,{soname}")
    if runpath:
        cmd += ["-Wl,--enable-new-dtags", "-Wl,-rpath," + ":".join(runpath)]
    elif rpath:
        cmd += ["-Wl,--disable-new-dtags", "-Wl,-rpath," + ":".join(rpath)]
    if link:
        cmd += ["-Wl,--no-as-needed", *link]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


@dataclass(frozen=True)
class FakeDist:
    """A distribution laid into a site-packages folder by hand, as an installer would."""

    name: str
    version: str
    files: dict[str, bytes]
    requires: tuple[str, ...] = ()


def install_fake(site: Path, dist: FakeDist) -> None:
    """Write a distribution's files, dist-info METADATA and RECORD into ``site``."""
    info = f"{dist.name.replace('-', '_')}-{dist.version}.dist-info"
    lines = []
    for name, data in dist.files.items():
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        lines.append(record_line(name, data))
    meta = f"Metadata-Version: 2.1\nName: {dist.name}\nVersion: {dist.version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in dist.requires)
    (site / info).mkdir(parents=True, exist_ok=True)
    (site / info / "METADATA").write_text(meta)
    lines.append(record_line(f"{info}/METADATA", meta.encode()))
    lines.append(f"{info}/RECORD,,")
    (site / info / "RECORD").write_text("\n".join(lines) + "\n")


def fake_interpreter(site: Path, prefix: Path | None = None) -> Interpreter:
    return Interpreter(
        executable=sys.executable,
        version="3.11.0",
        prefix=prefix or site.parent,
        base_prefix=prefix or site.parent,
        paths=(site,),
        platform="linux",
        machine="x86_64",
        markers={"sys_platform": "linux", "python_version": "3.11", "platform_machine": "x86_64"},
    )


def build_wheel(
    out_dir: Path,
    name: str,
    version: str,
    files: dict[str, bytes],
    requires: Iterable[str] = (),
) -> Path:
    """A real .whl (py3-none-linux_<arch>) with METADATA, WHEEL and RECORD."""
    import platform

    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    tag = f"py3-none-linux_{platform.machine()}"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    wheel_meta = f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: false\nTag: {tag}\n"
    contents = {**files, f"{info}/METADATA": meta.encode(), f"{info}/WHEEL": wheel_meta.encode()}
    record = "".join(record_line(n, d) + "\n" for n, d in contents.items()) + f"{info}/RECORD,,\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in contents.items():
            info_entry = zipfile.ZipInfo(n)
            info_entry.external_attr = (0o755 if ".so" in n else 0o644) << 16
            zf.writestr(info_entry, d)
        zf.writestr(f"{info}/RECORD", record)
    return path


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def site(self) -> Path:
        done = subprocess.run(
            [str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        )
        return Path(done.stdout.strip())

    def pip(self, *args: str) -> None:
        subprocess.run(
            [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args],
            check=True,
            capture_output=True,
            text=True,
        )


def make_venv(root: Path, *packages: str) -> Venv:
    """``python -m venv`` with the same interpreter as the tests, then ``pip install``."""
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    env = Venv(root)
    if packages:
        env.pip(*packages)
    return env


def _out(pointer: Any) -> Any:
    """The ctypes object behind ctypes.byref(...)."""
    return pointer._obj


class FakeCuda:
    def __init__(self, version: int = 12040, status: int = 0) -> None:
        self.version, self.status = version, status

    def cuDriverGetVersion(self, pointer: Any) -> int:  # noqa: N802 - the C name
        _out(pointer).value = self.version
        return self.status


class FakeNvml:
    def __init__(self, driver: bytes = b"550.54.15", gpus: tuple[bytes, ...] = (b"NVIDIA H100 80GB HBM3",)) -> None:
        self.driver, self.gpus = driver, gpus
        self.shut_down = False

    def nvmlInit_v2(self) -> int:  # noqa: N802
        return 0

    def nvmlShutdown(self) -> int:  # noqa: N802
        self.shut_down = True
        return 0

    def nvmlSystemGetDriverVersion(self, buffer: Any, length: Any) -> int:  # noqa: N802
        buffer.value = self.driver
        return 0

    def nvmlDeviceGetCount_v2(self, pointer: Any) -> int:  # noqa: N802
        _out(pointer).value = len(self.gpus)
        return 0

    def nvmlDeviceGetHandleByIndex_v2(self, index: Any, pointer: Any) -> int:  # noqa: N802
        _out(pointer).value = 0x1000 + index.value
        return 0

    def nvmlDeviceGetName(self, handle: Any, buffer: Any, length: Any) -> int:  # noqa: N802
        buffer.value = self.gpus[handle.value - 0x1000]
        return 0

    def nvmlDeviceGetMemoryInfo(self, handle: Any, pointer: Any) -> int:  # noqa: N802
        _out(pointer).total = 80 * 1024**3
        return 0


def opener_for(libraries: dict[str, object]) -> Any:
    def open_(name: str) -> object:
        if name in libraries:
            return libraries[name]
        raise OSError(f"{name}: cannot open shared object file")

    return open_
