"""Repair: auditwheel on Linux, delocate on macOS, with the host dependencies' libraries
excluded (they are wired by RUNPATH to the sibling wheels, never grafted).

A repaired wheel is normalised again (``wheelfile.normalize_wheel``): the repair tools
rewrite the archive with the current time. Repairing to a named policy (``--strict-policy``)
first checks the wheel's versioned symbols against it, with auditwheel's policy data, and
names each symbol the policy's glibc (or libstdc++, libgcc) is too old for.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection
from packaging.version import InvalidVersion, Version

from farm.errors import FarmError
from farm.platforms import Platform
from farm.wheelfile import normalize_wheel

__all__ = ["PolicyError", "RepairError", "Repaired", "PolicyCheck", "TooNew", "policy_violations", "policy_whitelist",
           "repair_command", "repair_wheel"]


class RepairError(FarmError, RuntimeError):
    pass


class PolicyError(RepairError):
    """The wheel needs newer symbol versions than the platform policy allows."""


@dataclass(frozen=True, order=True)
class TooNew:
    """One undefined symbol of a shipped ELF file whose version the policy does not allow."""

    file: str  # the member of the wheel
    symbol: str
    version: str  # GLIBC_2.34
    library: str  # libc.so.6

    def __str__(self) -> str:
        return f"{self.file} needs {self.symbol}@{self.version} ({self.library})"


@dataclass(frozen=True)
class Repaired:
    wheel: Path
    tag: str


def repair_command(platform: Platform, wheel: str, dest: str, exclude: Sequence[str],
                   plat: str | None = None) -> list[str]:
    """The repair command line for ``platform`` (also used in generated cibuildwheel configs)."""
    if platform.os == "linux":
        cmd = ["auditwheel", "repair", "-w", dest]
        if plat:
            cmd += ["--plat", plat]
        for soname in sorted(set(exclude)):
            cmd += ["--exclude", soname]
        return [*cmd, wheel]
    if platform.os == "macos":
        cmd = ["delocate-wheel", "--require-archs", platform.arch.replace("aarch64", "arm64"), "-w", dest]
        if exclude:
            cmd += ["--exclude", ",".join(sorted(set(exclude)))]
        return [*cmd, "-v", wheel]
    raise RepairError(f"no repair tool for {platform.name}; build on Linux or macOS")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise RepairError(f"'{name}' is not installed: pip install 'wheelfarm[build]'")
    return found


def _analyze(wheel: Path, exclude: Sequence[str]) -> Any:
    try:
        wheel_abi = importlib.import_module("auditwheel.wheel_abi")
        wheeltools = importlib.import_module("auditwheel.wheeltools")
    except ImportError:
        raise RepairError("auditwheel is not installed: pip install 'wheelfarm[build]'") from None
    # a packed wheel says linux_<arch>: auditwheel then reads libc and architecture from its ELF files
    try:
        libc = wheeltools.get_wheel_libc(wheel.name)
    except wheeltools.WheelToolsError:
        libc = None
    try:
        arch = wheeltools.get_wheel_architecture(wheel.name)
    except wheeltools.WheelToolsError:
        arch = None
    return wheel_abi.analyze_wheel_abi(libc, arch, wheel, frozenset(exclude), disable_isa_ext_check=True,
                                       allow_graft=False)


def _undefined_versioned(data: bytes) -> Iterator[tuple[str, str, str]]:
    """(symbol, version, library) of every undefined, versioned dynamic symbol of an ELF file."""
    elf = ELFFile(io.BytesIO(data))
    need = elf.get_section_by_name(".gnu.version_r")
    versym = elf.get_section_by_name(".gnu.version")
    dynsym = elf.get_section_by_name(".dynsym")
    if not isinstance(need, GNUVerNeedSection) or not isinstance(versym, GNUVerSymSection) \
            or not isinstance(dynsym, SymbolTableSection):
        return
    by_index: dict[int, tuple[str, str]] = {}
    for verneed, auxiliaries in need.iter_versions():
        for aux in auxiliaries:
            by_index[int(aux.entry["vna_other"])] = (aux.name, verneed.name or "")
    for n, symbol in enumerate(dynsym.iter_symbols()):
        if symbol.entry["st_shndx"] != "SHN_UNDEF" or not symbol.name:
            continue
        index = versym.get_symbol(n).entry["ndx"]
        if isinstance(index, int) and (index & 0x7FFF) in by_index:
            version, library = by_index[index & 0x7FFF]
            yield symbol.name, version, library


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:  # CXXABI's TM_1
        return (0, version)


def _newest(versions: frozenset[str]) -> str:
    return max(versions, key=_version_key) if versions else "none"


@dataclass(frozen=True)
class PolicyCheck:
    """What a wheel needs beyond policy ``policy``: empty ``too_new`` when it meets it."""

    policy: str
    #: symbol-version family (GLIBC, GLIBCXX, CXXABI, GCC) -> the newest version the policy allows
    newest_allowed: dict[str, str]
    too_new: tuple[TooNew, ...]

    @property
    def ok(self) -> bool:
        return not self.too_new

    def message(self, wheel: str) -> str:
        first = self.too_new[0]
        family = first.version.partition("_")[0]
        shown = "; ".join(str(t) for t in self.too_new[:3])
        more = f" (and {len(self.too_new) - 3} more)" if len(self.too_new) > 3 else ""
        return (f"{wheel} cannot claim {self.policy}: it allows {family} up to "
                f"{self.newest_allowed.get(family, 'none')}, but {shown}{more}; build it in a {self.policy} "
                f"image (CI) or without --strict-policy")


def policy_violations(wheel: Path, plat: str, exclude: Sequence[str] = ()) -> PolicyCheck:
    """The symbols of ``wheel`` needing a newer glibc (libstdc++, libgcc) than policy ``plat`` allows.

    auditwheel's analysis gives the symbol versions the wheel requires and its policy data
    what ``plat`` allows; the ELF files name the symbols, newest version first. Libraries in
    ``exclude`` (the sibling wheels') are the farm's own and not judged.
    """
    info = _analyze(wheel, exclude)
    try:
        target = info.policies.get_policy_by_name(plat)
    except LookupError:
        raise RepairError(f"{plat} is not a policy auditwheel knows; fix platforms in recipes/pins.yaml") from None
    allowed: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in target.symbol_versions.items()}
    newest = {family: _newest(versions) for family, versions in sorted(allowed.items())}
    excluded = set(exclude)

    def too_new(version: str) -> bool:
        family, _, number = version.partition("_")
        return family in allowed and number not in allowed[family]

    wanted = {v for library, versions in info.versioned_symbols.items() if library not in excluded
              for v in versions if too_new(v)}
    found: set[TooNew] = set()
    if wanted:
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.infolist():
                data = b"" if member.is_dir() else zf.read(member)
                if not data.startswith(b"\x7fELF"):
                    continue
                try:
                    for symbol, version, library in _undefined_versioned(data):
                        if version in wanted and library not in excluded:
                            found.add(TooNew(member.filename, symbol, version, library))
                except ELFError as exc:
                    raise RepairError(f"{wheel.name}: {member.filename} is not a readable ELF file ({exc})") from None
    # the newest version first (what the policy would have to allow), then by file and symbol
    ordered = sorted(sorted(found), key=lambda t: (t.version.partition("_")[0],
                                                   _version_key(t.version.partition("_")[2])), reverse=True)
    return PolicyCheck(plat, newest, tuple(ordered))


def repair_wheel(wheel: Path, dest: Path, platform: Platform, exclude: Sequence[str],
                 plat: str | None = None) -> Repaired:
    """Repair ``wheel`` into ``dest`` (to policy ``plat`` where given) and normalise the result."""
    if plat and platform.os == "linux":
        checked = policy_violations(wheel, plat, exclude)
        if not checked.ok:
            raise PolicyError(checked.message(wheel.name))
    dest.mkdir(parents=True, exist_ok=True)
    cmd = repair_command(platform, str(wheel), str(dest), exclude, plat)
    cmd[0] = _tool(cmd[0])
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RepairError(f"{cmd[0].rsplit('/', 1)[-1]} could not repair {wheel.name}: {' '.join(detail)}")
    made = sorted(dest.glob("*.whl"), key=lambda p: p.stat().st_mtime)
    if not made:
        raise RepairError(f"repair of {wheel.name} produced no wheel")
    repaired = normalize_wheel(made[-1])
    return Repaired(repaired, repaired.name.rsplit("-", 1)[-1].removesuffix(".whl"))


def policy_whitelist(arch: str = "x86_64") -> frozenset[str]:
    """Sonames every manylinux policy lets a wheel take from the system (auditwheel's data)."""
    try:
        from importlib import resources

        text = resources.files("auditwheel").joinpath("policy/manylinux-policy.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset({"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
                          "libgcc_s.so.1", "libstdc++.so.6", "ld-linux-x86-64.so.2"})
    names: set[str] = set()
    for policy in json.loads(text):
        names.update(policy.get("lib_whitelist", []))
    names.update({"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"})
    return frozenset(names)
