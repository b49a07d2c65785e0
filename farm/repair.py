"""Repair: auditwheel on Linux, delocate on macOS, with the host dependencies' libraries
excluded (they are wired by RUNPATH to the sibling wheels, never grafted)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from farm.errors import FarmError
from farm.platforms import Platform

__all__ = ["RepairError", "Repaired", "repair_command", "repair_wheel", "policy_whitelist"]


class RepairError(FarmError, RuntimeError):
    pass


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


def repair_wheel(wheel: Path, dest: Path, platform: Platform, exclude: Sequence[str],
                 plat: str | None = None) -> Repaired:
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
    repaired = made[-1]
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
