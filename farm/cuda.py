"""CUDA variants: everything that differs between a cu12 and a cu13 build, in one place.

A recipe lists the CUDA majors it builds for (``build.cuda: ["12", "13"]``) and the CUDA
components it uses (``requirements.cuda: [runtime, nvml, cufft, nvcc]``). Each major is a
:class:`CudaToolkit` from ``recipes/pins.yaml: cuda``: the NVIDIA wheel of each component
(CUDA 12's ``nvidia/<component>/lib`` layout or CUDA 13's ``nvidia/cu13/lib``), how its
``nvcc`` is provided (NVIDIA's wheels for CUDA 13; unpacked Debian packages for CUDA 12,
whose NVIDIA nvcc wheel has no nvcc), the GPU architectures and the oldest driver.

Every variant is its own wheel, ``<namespace>-<name>-cu12`` under
``<namespace>/<name>_cu12/``, so both install side by side.

At build time the NVIDIA wheels are unpacked into the build tree's host folder, and an
*overlay* (``<tree>/cuda``) makes them look like the toolkit build systems expect: one
``include/``, ``lib64/`` (and ``lib``) with unversioned ``.so`` links, stub libcuda and
libnvidia-ml (the driver's libraries: linked against, never shipped or declared) and
``bin/`` with nvcc. The overlay lives outside the install prefix, so it never reaches a
wheel. The machine's own CUDA (``/usr/local/cuda``, an ``nvcc`` on PATH) is hidden from
every build: PATH folders holding CUDA tools are replaced by copies without them, and
CMake is told to ignore the system toolkit's prefixes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from farm.errors import FarmError

__all__ = [
    "COMPILER",
    "CUDA_TOOLS",
    "DRIVER_LIBRARIES",
    "CudaError",
    "CudaToolkit",
    "CudaVariant",
    "DebianCompiler",
    "Overlay",
    "hide_system_cuda",
    "make_overlay",
    "make_stub",
    "stub_symbols",
]

#: the pseudo-component of ``requirements.cuda`` asking for the toolkit's compiler
COMPILER = "nvcc"

#: executables of a CUDA toolkit; a PATH folder holding one is hidden from builds
CUDA_TOOLS = ("nvcc", "ptxas", "fatbinary", "nvlink", "cudafe++", "bin2c", "cuobjdump", "nvdisasm", "nvprune",
              "cu++filt", "__nvcc_device_query", "cuda-gdb", "nsys", "ncu", "nvidia-smi")

#: the driver's libraries: linked against stubs made at build time, never shipped nor declared
DRIVER_LIBRARIES = ("libcuda.so.1", "libnvidia-ml.so.1")

#: where system toolkits live; CMake is told to ignore these prefixes
SYSTEM_PREFIXES = ("/usr/local/cuda", "/opt/cuda", "/usr/lib/cuda", "/usr/lib/nvidia-cuda-toolkit")

#: which header declares each driver library's functions, and their prefix
_STUBS = {"libcuda.so.1": ("cuda.h", "cu"), "libnvidia-ml.so.1": ("nvml.h", "nvml")}


class CudaError(FarmError, RuntimeError):
    """A CUDA variant cannot be set up as its recipe and the pins say."""


@dataclass(frozen=True)
class DebianCompiler:
    """nvcc unpacked from Debian binary packages (CUDA 12: NVIDIA's nvcc wheel has no nvcc)."""

    suite: str
    component: str
    packages: tuple[str, ...]
    version: str | None = None
    #: (package, tar patterns): only these members of the package are unpacked
    keep: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class CudaToolkit:
    """One CUDA major as ``pins.yaml: cuda.<major>`` describes it."""

    major: str
    #: the distribution suffix and folder suffix of its variants (``cu12``)
    label: str
    #: the oldest Linux driver that runs it
    driver: str
    #: component -> the external wheels (``pins.yaml: external``) that provide it (the runtime's
    #: headers need the crt headers, which NVIDIA ships in another wheel)
    components: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: external wheels that make up nvcc (CUDA 13), installed into the build environment only
    compiler_wheels: tuple[str, ...] = ()
    #: or Debian packages unpacked into a tool prefix (CUDA 12)
    compiler_debian: DebianCompiler | None = None
    #: real GPU code (SASS) for these architectures, plus PTX for ``ptx`` (the newest)
    sass: tuple[str, ...] = ()
    ptx: str = ""

    def wheel_of(self, component: str) -> tuple[str, ...]:
        try:
            return self.components[component]
        except KeyError:
            raise CudaError(f"CUDA {self.major} has no component {component!r} in pins.yaml (known: "
                            f"{', '.join(sorted(self.components))}); add it under cuda.{self.major}.components"
                            ) from None

    def unknown_components(self, components: Sequence[str]) -> list[tuple[int, str]]:
        """(index, message) for each of a recipe's ``requirements.cuda`` this major does not know."""
        known = ", ".join([*sorted(self.components), COMPILER])
        return [(i, f"CUDA {self.major} has no component {c!r} (known: {known}); add it under "
                    f"cuda.{self.major}.components in pins.yaml")
                for i, c in enumerate(components) if c != COMPILER and c not in self.components]

    def wheel_of_all(self, components: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for c in components for w in self.wheel_of(c)))

    @property
    def cmake_architectures(self) -> str:
        """``CUDAARCHS`` (CMake's default for ``CMAKE_CUDA_ARCHITECTURES``): SASS for each, PTX for the newest."""
        return ";".join([*(f"{a}-real" for a in self.sass), *([f"{self.ptx}-virtual"] if self.ptx else [])])

    @property
    def gencode(self) -> str:
        """The same as nvcc flags, for build systems that pass them by hand."""
        flags = [f"-gencode=arch=compute_{a},code=sm_{a}" for a in self.sass]
        if self.ptx:
            flags.append(f"-gencode=arch=compute_{self.ptx},code=compute_{self.ptx}")
        return " ".join(flags)


@dataclass(frozen=True)
class CudaVariant:
    """One recipe's build for one CUDA major."""

    toolkit: CudaToolkit
    #: the components the recipe uses (``runtime``, ``nvml``, ``cufft``, ...), without ``nvcc``
    components: tuple[str, ...]
    #: whether the build compiles CUDA code with nvcc
    nvcc: bool = False

    @property
    def label(self) -> str:
        return self.toolkit.label

    @property
    def wheels(self) -> tuple[str, ...]:
        """The external wheels of the components, in the recipe's order."""
        return self.toolkit.wheel_of_all(self.components)

    @property
    def compiler_wheels(self) -> tuple[str, ...]:
        return self.toolkit.compiler_wheels if self.nvcc else ()

    def unavailable(self) -> str | None:
        """Why this machine cannot build the variant (None when it can)."""
        if self.nvcc and self.toolkit.compiler_debian is not None and shutil.which("apt-get") is None:
            return (f"CUDA {self.toolkit.major}'s nvcc is unpacked from Debian packages, and this machine has "
                    "no apt-get")
        return None


@dataclass(frozen=True)
class OverlayInput:
    """One unpacked NVIDIA wheel, as the overlay sees it (folders relative to the host tree)."""

    name: str
    lib_dir: str | None
    include_dir: str | None
    sonames: tuple[str, ...]
    version: str = ""


@dataclass(frozen=True)
class Overlay:
    """The build-time toolkit view; ``env`` is what the build script gets."""

    root: Path
    env: Mapping[str, str]


def _link(target: Path, link: Path) -> None:
    if link.is_symlink() or link.exists():
        return  # the first component providing a name wins
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def _launcher(tool: Path, path: Path) -> None:
    """A script running ``tool`` by its own path: nvcc finds nvcc.profile (cicc, libdevice, its
    headers) next to the path it is called by, so a link to it would not do."""
    path.write_text(f'#!/bin/sh\nexec "{tool.resolve()}" "$@"\n', encoding="utf-8")
    path.chmod(0o755)


def stub_symbols(header: Path, prefix: str, cc: str, include_dirs: Sequence[Path]) -> list[str]:
    """The functions ``header`` declares whose names start with ``prefix``, under every name a program may call.

    cuda.h and nvml.h map names such as ``cuCtxCreate`` or ``nvmlInit`` to ``_v2`` versions
    with macros, and the driver exports both: a program compiled against the header calls
    the versioned one, a configure test (``AC_CHECK_LIB(nvidia-ml, nvmlInit)``) the plain one.
    The preprocessed header gives the first, the header's own text and its ``#define``s the second.
    """
    done = subprocess.run([cc, "-E", "-P", *(f"-I{d}" for d in include_dirs), str(header)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CudaError(f"cannot preprocess {header}: {done.stderr.strip()[:300]}")
    call = re.compile(rf"\b({re.escape(prefix)}[A-Z]\w*)\s*\(")
    names = set(call.findall(done.stdout))
    raw = header.read_text(encoding="utf-8", errors="replace")
    names |= set(call.findall(raw))
    for alias, target in re.findall(rf"^\s*#\s*define\s+({re.escape(prefix)}[A-Z]\w*)\s+({re.escape(prefix)}[A-Z]\w*)\s*$",
                                    raw, re.M):
        if target in names:
            names.add(alias)
    return sorted(names)


def make_stub(soname: str, symbols: Iterable[str], out_dir: Path, cc: str) -> Path:
    """A shared library named ``soname`` exporting ``symbols`` as empty functions: enough to link, never to run.

    Written as ``<out_dir>/<name>.so`` (what ``-l`` finds); binaries linked against it
    record ``soname`` (``libcuda.so.1``), which the driver provides on a GPU machine.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    base = soname.split(".so", 1)[0]
    source = out_dir / f"{base}-stub.c"
    source.write_text("".join(f"void {s}(void) {{}}\n" for s in symbols), encoding="utf-8")
    target = out_dir / f"{base}.so"
    done = subprocess.run([cc, "-shared", "-fPIC", "-o", str(target), f"-Wl,-soname,{soname}", str(source)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CudaError(f"cannot build the {soname} stub: {done.stderr.strip()[:300]}")
    source.unlink()
    return target


def make_overlay(variant: CudaVariant, host: Path, root: Path, inputs: Sequence[OverlayInput], cc: str,
                 nvcc_dir: Path | None) -> Overlay:
    """The toolkit view over the unpacked wheels in ``host``, at ``root`` (outside the install prefix).

    ``nvcc_dir`` is the folder of the nvcc to use (the unpacked compiler), None when the
    recipe compiles no CUDA code. Every header and library comes from ``inputs``; nothing
    from the machine's own toolkit.
    """
    include = root / "include"
    lib = root / "lib64"
    include.mkdir(parents=True, exist_ok=True)
    lib.mkdir(parents=True, exist_ok=True)
    (root / "lib").symlink_to("lib64")
    include_dirs: list[Path] = []
    for item in inputs:
        if item.include_dir and (host / item.include_dir).is_dir():
            src = host / item.include_dir
            include_dirs.append(src)
            for entry in sorted(src.iterdir()):
                _link(entry, include / entry.name)
        if item.lib_dir:
            for soname in item.sonames:
                real = host / item.lib_dir / soname
                if not real.is_file():
                    raise CudaError(f"{item.name} has no {item.lib_dir}/{soname}; check pins.yaml external.{item.name}")
                _link(real, lib / soname)
                _link(real, lib / (soname.split(".so", 1)[0] + ".so"))
    runtime = next((i for i in inputs if any(s.startswith("libcudart.so") for s in i.sonames)), None)
    if runtime is not None:
        # what a toolkit says of itself; CMake's FindCUDAToolkit reads it where no nvcc is
        (root / "version.json").write_text(json.dumps({
            "cuda": {"name": "CUDA SDK", "version": runtime.version},
            "cuda_cudart": {"name": "CUDA Runtime (cudart)", "version": runtime.version},
        }, indent=1) + "\n", encoding="utf-8")
    stubs = lib / "stubs"
    for soname, (header, prefix) in _STUBS.items():
        if (include / header).exists():
            symbols = stub_symbols(include / header, prefix, cc, [include])
            made = make_stub(soname, symbols, stubs, cc)
            _link(Path("stubs") / made.name, lib / made.name)
    env = {
        "CUDA_HOME": str(root),
        "CUDA_PATH": str(root),
        "CUDA_ROOT": str(root),
        "CUDAToolkit_ROOT": str(root),
        "CUDAARCHS": variant.toolkit.cmake_architectures,
        "FARM_CUDA": variant.toolkit.major,
        "FARM_CUDA_LABEL": variant.label,
        "FARM_NVCC_GENCODE": variant.toolkit.gencode,
        # gcc's own search path for -l: -lcudart, -lcuda find the overlay whatever the build system passes
        "LIBRARY_PATH": os.pathsep.join([str(lib), str(stubs)]),
    }
    # the build's programs (configure's checks) run against the wheels' libraries, and what links
    # a library of the build resolves its libcudart here, never where ld.so.conf points (a
    # machine's own toolkit); appended to the build's LDFLAGS
    env["LDFLAGS"] = f"-Wl,-rpath-link,{lib} -Wl,-rpath,{lib}"
    if nvcc_dir is not None:
        bindir = root / "bin"
        bindir.mkdir()
        for tool in sorted(nvcc_dir.iterdir()):
            if tool.name in CUDA_TOOLS:  # not the host-compiler wrappers a toolkit may keep beside nvcc
                _launcher(tool, bindir / tool.name)
        if not (bindir / "nvcc").exists():
            raise CudaError(f"no nvcc in {nvcc_dir}; check pins.yaml cuda.{variant.toolkit.major} compiler")
        env["CUDACXX"] = str(bindir / "nvcc")
        env["NVCC"] = str(bindir / "nvcc")
        env["FARM_CUDA_BIN"] = str(bindir)
    return Overlay(root, MappingProxyType(env))


def hide_system_cuda(path: Sequence[str], shadow: Path) -> list[str]:
    """``path`` with every folder holding a CUDA tool replaced by a copy (of links) without those tools.

    ``/usr/local/bin`` also holds tools builds need, so it cannot simply be dropped; a
    system toolkit's own ``bin`` (``/usr/local/cuda/bin``) is dropped.
    """
    out: list[str] = []
    for i, entry in enumerate(path):
        folder = Path(entry)
        if any(entry == p or entry.startswith(p + "/") or entry.startswith(p + "-") for p in SYSTEM_PREFIXES):
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            out.append(entry)
            continue
        if not any(n in CUDA_TOOLS for n in names):
            out.append(entry)
            continue
        copy = shadow / str(i)
        copy.mkdir(parents=True, exist_ok=True)
        for n in names:
            if n not in CUDA_TOOLS:
                _link(folder / n, copy / n)
        out.append(str(copy))
    return out
