"""Tool prefixes: Debian binary packages unpacked into a folder, never installed.

Some builds need a tool that no wheel ships: CUDA 12 kernels need ``nvcc`` 12, and
NVIDIA's PyPI wheels carry only parts of it (``ptxas``, libnvvm, the crt headers, but no
``nvcc``, ``cicc``, ``cudafe++`` or ``fatbinary``). Debian's non-free component packages the
whole toolkit. :func:`tool_prefix` makes a folder from such packages:

* a private apt state (``<cache>/apt-<suite>-deb-<component>``) gets ``Types: deb`` entries for
  the suite and component, derived from the machine's own entries as :mod:`farm.debian` derives
  its ``deb-src`` ones (same mirror, same key; the system's apt set-up is never touched), and
  runs ``apt-get update`` there;
* each package is looked up in that state's signed ``Packages`` index (``apt-cache show``), the
  main one at the spec's exact version, the others at the version a package already resolved
  pins with ``(= version)``, else the newest; ``apt-get download`` fetches it (apt checks the
  index's hashes), farm checks the index's sha256 again and keeps the ``.deb`` in the
  content-addressed cache (``<cache>/sha256/ab/<sha256>/<file>``, as :class:`farm.fetch.SourceCache`);
* ``dpkg-deb -x`` unpacks every package into a temporary folder next to the final one (a package
  with ``keep`` patterns: only its members matching them, through ``dpkg-deb --fsys-tarfile``);
  absolute symlinks are made relative to the prefix; the folder is renamed into place at once, so
  a failed download or unpack leaves no final folder.

The prefix is ``<cache>/tools/<hash>``, the hash of the spec and of the ``.deb`` sha256s;
``<cache>/tools/by-spec/<hash of the spec>`` names it, so a second call with the same spec
returns it without apt or network. ``.farm-tools.json`` in it records the spec and each
package's version, file, size and sha256.

Layout of the CUDA 12 prefix (:data:`CUDA12_NVCC`), the packages' own file system from ``/``::

    usr/lib/nvidia-cuda-toolkit/bin/nvcc          the real nvcc (nvcc_path), with cicc, crt/*.stub
    usr/lib/nvidia-cuda-toolkit/bin/nvcc.profile  rewritten for the prefix (see below)
    usr/lib/nvidia-cuda-toolkit/bin/gcc, g++      Debian's host-compiler picks (g++-13, else 12, ...)
    usr/lib/nvidia-cuda-toolkit/libdevice/        libdevice.10.bc for cicc
    usr/bin/ptxas, fatbinary, nvlink, cudafe++, cuobjdump, ...
    usr/bin/nvcc                                  a wrapper to the real nvcc, relative
    usr/include/                                  cuda_runtime.h, crt/, ... (include_dir)
    usr/lib/<multiarch>/libcudart.so*, libcudart_static.a, libcudadevrt.a, stubs/libcuda.so

Why rewritten: Debian's ``nvcc.profile`` is a symlink to ``/etc/nvcc.profile``, whose paths are
absolute (``/usr/lib/nvidia-cuda-toolkit/...``, ``-L/usr/lib/x86_64-linux-gnu``) and which relies on
``/usr/include`` being the compiler's default; the prefix is not at ``/``. nvcc reads the profile
next to its own binary, so that file is replaced by one written in terms of nvcc's ``$(_HERE_)``:
the tools' ``PATH`` (the prefix's ``bin`` folders first, so no other CUDA's ``ptxas`` is found),
``-I`` the prefix's ``usr/include``, ``-L`` its library folders and the libdevice folder; every
path lies inside the prefix, and the prefix stays relocatable. A build passes :func:`nvcc_path`
as its CUDA compiler (CMake: ``CMAKE_CUDA_COMPILER``; ``CUDAToolkit_ROOT`` is ``<prefix>/usr``,
whose ``bin/nvcc`` is the wrapper) and :func:`include_dir` where it needs the headers.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from farm.debian import APT_DIR, AptSources, DebianError, debian_newer, parse_control
from farm.fetch import SourceCache, sha256_file
from farm.progress import Reporter

__all__ = [
    "CUDA12_NVCC",
    "DebianTools",
    "DebtoolsError",
    "Runner",
    "include_dir",
    "nvcc_path",
    "nvcc_profile",
    "tool_prefix",
]

#: runs a command: ``run(cmd, cwd=..., capture_output=True, text=True)``, like :func:`subprocess.run`
Runner = Callable[..., subprocess.CompletedProcess[str]]

MANIFEST = ".farm-tools.json"
_NVCC_DIR = Path("usr/lib/nvidia-cuda-toolkit/bin")


class DebtoolsError(DebianError):
    """A tool prefix could not be made from Debian packages."""


@dataclass(frozen=True)
class DebianTools:
    """Debian binary packages that make a tool prefix together."""

    suite: str
    #: the archive component the packages live in (``non-free``)
    component: str
    #: the main package first: ``version`` is its version
    packages: tuple[str, ...]
    #: the exact Debian version of ``packages[0]`` (None: the newest the suite has)
    version: str | None
    #: (package, tar patterns): of these packages only the members matching the patterns
    #: (``./usr/include/*``) are unpacked; the others are unpacked whole
    keep: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def key(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


_MULTIARCH_LIBS = "./usr/lib/*-linux-gnu"

#: nvcc 12.4 from trixie: what nvcc needs to compile and link a ``.cu`` file into a shared library.
#: nvidia-cuda-toolkit has nvcc, cicc, ptxas, fatbinary, nvlink, cudafe++, libdevice, the crt link
#: stubs and the host-compiler picks; the headers (cuda_runtime.h, crt/) and libcudart.so,
#: libcudart_static.a, libcudadevrt.a live only in nvidia-cuda-dev, a 934 MB package of every CUDA
#: library's static archives: only those members are unpacked. libcudart12 has libcudart.so.12.
#: Not taken: nvidia-cuda-dev's other dependencies (libcublas12, libcufft11, libcusparse12, ...),
#: libnvvm4 (cicc carries its own NVVM), nvidia-cuda-toolkit-gcc (cuda-gcc is gcc-13 only).
CUDA12_NVCC = DebianTools(
    suite="trixie",
    component="non-free",
    packages=("nvidia-cuda-toolkit", "nvidia-cuda-dev", "libcudart12"),
    version="12.4.131~12.4.1-2",
    keep=(("nvidia-cuda-dev", (
        "./usr/include/*",
        f"{_MULTIARCH_LIBS}/libcudart.so",
        f"{_MULTIARCH_LIBS}/libcudart_static.a",
        f"{_MULTIARCH_LIBS}/libcudadevrt.a",
        f"{_MULTIARCH_LIBS}/libculibos.a",
        f"{_MULTIARCH_LIBS}/stubs/libcuda.so",
        "./usr/share/doc/nvidia-cuda-dev/copyright",
    )),),
)


def nvcc_path(prefix: Path) -> Path:
    """The prefix's real nvcc binary (it reads the rewritten ``nvcc.profile`` next to it)."""
    return prefix / _NVCC_DIR / "nvcc"


def include_dir(prefix: Path) -> Path:
    """The prefix's CUDA headers (``cuda_runtime.h``, ``crt/``)."""
    return prefix / "usr" / "include"


def nvcc_profile(prefix: Path) -> str:
    """An ``nvcc.profile`` for nvcc at :func:`nvcc_path`, every path inside ``prefix`` through ``$(_HERE_)``."""
    usr = "$(_HERE_)/../../.."  # _HERE_ is usr/lib/nvidia-cuda-toolkit/bin
    libs = sorted(d.name for d in (prefix / "usr" / "lib").glob("*-linux-gnu") if d.is_dir())
    lib_flags = " ".join(f'"-L{usr}/lib/{d}/stubs" "-L{usr}/lib/{d}"' for d in libs)
    return (
        "# written by farm.debtools for a prefix not at /: paths relative to this nvcc\n"
        f"NVVMIR_LIBRARY_DIR = {usr}/lib/nvidia-cuda-toolkit/libdevice\n"
        f"PATH\t\t+= $(_HERE_):{usr}/bin:\n"
        f'INCLUDES\t+= "-I{usr}/include" $(_SPACE_)\n'
        f"LIBRARIES\t=+ $(_SPACE_) {lib_flags}\n"
    )


_NVCC_WRAPPER = '#!/bin/sh\nexec "$(dirname "$0")/../lib/nvidia-cuda-toolkit/bin/nvcc" "$@"\n'


def tool_prefix(spec: DebianTools, cache: Path, reporter: Reporter | None = None, *,
                run: Runner | None = None, apt_dir: Path = APT_DIR) -> Path:
    """The folder holding ``spec``'s packages unpacked; made once, then found without apt or network."""
    runner: Runner = run or subprocess.run
    tools = cache / "tools"
    pointer = tools / "by-spec" / spec.key()
    if pointer.is_file():
        found = tools / pointer.read_text(encoding="utf-8").strip()
        if (found / MANIFEST).is_file():
            return found
    apt = AptSources(cache / f"apt-{spec.suite}-deb-{spec.component}", apt_dir, spec.suite,
                     kind="deb", components=spec.component)
    apt.prepare(run=runner)
    debs = _download(spec, apt, SourceCache(cache), runner, reporter)
    digest = hashlib.sha256(json.dumps([spec.key(), [d["sha256"] for d in debs]]).encode()).hexdigest()[:24]
    final = tools / digest
    if not (final / MANIFEST).is_file():
        _unpack(spec, debs, final, runner, reporter)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(digest + "\n", encoding="utf-8")
    return final


def _download(spec: DebianTools, apt: AptSources, cache: SourceCache, run: Runner,
              reporter: Reporter | None) -> list[dict[str, str]]:
    """Each package's .deb in the content-addressed cache, checked against the Packages index."""
    pins: dict[str, str] = {}
    if spec.version:
        pins[spec.packages[0]] = spec.version
    out: list[dict[str, str]] = []
    for package in spec.packages:
        stanza = _stanza(apt, package, pins.get(package), run)
        version, sha = stanza["version"], stanza.get("sha256", "")
        file = Path(stanza.get("filename", f"{package}_{version}.deb")).name
        for dep in _exact_depends(stanza.get("depends", "")):
            pins.setdefault(*dep)
        path = cache.lookup(sha) if sha else None
        if path is None:
            if reporter:
                reporter.info(f"downloading {package} {version} ({int(stanza.get('size', '0')) / 1e6:.1f} MB)")
            path = _fetch(apt, package, version, sha, file, cache.root, run)
        out.append({"package": package, "version": version, "file": file, "sha256": sha,
                    "size": stanza.get("size", ""), "path": str(path)})
    return out


def _stanza(apt: AptSources, package: str, version: str | None, run: Runner) -> dict[str, str]:
    result = run(apt.command("apt-cache", "show", f"{package}={version}" if version else package),
                 capture_output=True, text=True)
    stanzas = [s for s in parse_control(result.stdout) if s.get("package") == package and "version" in s]
    if version:
        stanzas = [s for s in stanzas if s["version"] == version]
    if result.returncode != 0 or not stanzas:
        err = ((result.stderr or "").strip().splitlines() or ["not in the index"])[-1]
        wanted = f"{package} {version}" if version else package
        raise DebtoolsError(f"{apt.suite}/{apt.components} has no {wanted} ({err})")
    best = stanzas[0]
    for s in stanzas[1:]:
        if debian_newer(s["version"], best["version"]):
            best = s
    if len(best.get("sha256", "")) != 64:
        raise DebtoolsError(f"the index lists no sha256 for {package} {best['version']}")
    return best


def _exact_depends(depends: str) -> list[tuple[str, str]]:
    """``(package, version)`` for each ``pkg (= version)`` of a Depends field."""
    out = []
    for clause in depends.split(","):
        for alt in clause.split("|"):
            name, _, rest = alt.strip().partition("(")
            if rest.startswith("="):
                out.append((name.strip().split(":")[0], rest[1:].rstrip(") ").strip()))
    return out


def _fetch(apt: AptSources, package: str, version: str, sha: str, file: str, root: Path, run: Runner) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=root) as tmp:
        result = run(apt.command("apt-get", "download", f"{package}={version}"), cwd=tmp,
                     capture_output=True, text=True)
        got = sorted(Path(tmp).glob("*.deb"))
        if result.returncode != 0 or len(got) != 1:
            err = ((result.stderr or result.stdout or "").strip().splitlines() or ["no output"])[-1]
            raise DebtoolsError(f"apt-get download {package}={version} failed ({err})")
        actual = sha256_file(got[0])
        if actual != sha:
            raise DebtoolsError(f"{got[0].name}: sha256 {actual}, the index says {sha}; not cached")
        slot = root / "sha256" / sha[:2] / sha
        slot.mkdir(parents=True, exist_ok=True)
        final = slot / file
        shutil.move(str(got[0]), final)
        return final


def _unpack(spec: DebianTools, debs: Sequence[dict[str, str]], final: Path, run: Runner,
            reporter: Reporter | None) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=final.parent))
    try:
        keep = dict(spec.keep)
        for deb in debs:
            if reporter:
                reporter.info(f"unpacking {deb['file']}")
            patterns = keep.get(deb["package"])
            if patterns:
                script = 'set -o pipefail; dpkg-deb --fsys-tarfile "$0" | tar -x -C "$1" --wildcards "${@:2}"'
                cmd = ["bash", "-c", script, deb["path"], str(tmp), *patterns]
            else:
                cmd = ["dpkg-deb", "-x", deb["path"], str(tmp)]
            result = run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                err = ((result.stderr or "").strip().splitlines() or ["no error output"])[-1]
                raise DebtoolsError(f"unpacking {deb['file']} failed ({err})")
        _relative_symlinks(tmp)
        if (tmp / _NVCC_DIR / "nvcc").is_file():
            _rewrite_nvcc(tmp)
        manifest = {"spec": asdict(spec), "packages": [{k: v for k, v in d.items() if k != "path"} for d in debs]}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        tmp.chmod(0o755)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / MANIFEST).is_file():  # not another maker's finished prefix
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _relative_symlinks(root: Path) -> None:
    """Absolute symlinks (``nvcc.profile -> /etc/nvcc.profile``) point at the prefix's own path instead."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            link = Path(dirpath) / name
            if link.is_symlink() and os.readlink(link).startswith("/"):
                target = root / os.readlink(link).lstrip("/")
                link.unlink()
                link.symlink_to(os.path.relpath(target, link.parent))


def _rewrite_nvcc(root: Path) -> None:
    profile = root / _NVCC_DIR / "nvcc.profile"
    if profile.is_symlink() or profile.exists():
        profile.unlink()
    profile.write_text(nvcc_profile(root), encoding="utf-8")
    wrapper = root / "usr" / "bin" / "nvcc"
    if wrapper.is_symlink() or wrapper.exists():
        wrapper.unlink()
        wrapper.write_text(_NVCC_WRAPPER, encoding="utf-8")
        wrapper.chmod(0o755)
