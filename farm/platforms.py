"""Build platforms: what a recipe's conditions see and what a wheel's tag says."""

from __future__ import annotations

import platform as _platform
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["Platform", "current", "parse"]

_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}


@dataclass(frozen=True, order=True)
class Platform:
    os: str  # linux | macos | windows
    arch: str  # x86_64 | aarch64 | ...

    @property
    def name(self) -> str:
        return f"{self.os}-{self.arch}"

    def variables(self) -> dict[str, Any]:
        """The names a recipe's ``if:`` conditions and substitutions can use."""
        return {
            "platform": self.name,
            "target_platform": self.name,
            "linux": self.os == "linux",
            "osx": self.os == "macos",
            "macos": self.os == "macos",
            "win": self.os == "windows",
            "unix": self.os != "windows",
            "x86_64": self.arch == "x86_64",
            "aarch64": self.arch == "aarch64",
            "arm64": self.arch == "aarch64",
            "arch": self.arch,
        }

    @property
    def shared_suffix(self) -> str:
        return {"linux": ".so", "macos": ".dylib", "windows": ".dll"}[self.os]


def parse(name: str) -> Platform:
    """``linux-x86_64`` -> Platform; raises ValueError naming the accepted forms."""
    os_, sep, arch = name.partition("-")
    if not sep or os_ not in ("linux", "macos", "windows") or not arch:
        raise ValueError(f"unknown platform {name!r}: use <linux|macos|windows>-<arch>, e.g. linux-x86_64")
    return Platform(os_, _ARCH_ALIASES.get(arch, arch))


def current() -> Platform:
    os_ = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform, sys.platform)
    arch = _platform.machine().lower()
    return Platform(os_, _ARCH_ALIASES.get(arch, arch))
