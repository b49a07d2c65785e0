"""Dependents' version ranges from a dependency's ABI policy (conda's min_pin / max_pin)."""

from __future__ import annotations

from packaging.version import Version

__all__ = ["pin_range"]


def _parts(policy: str) -> int:
    if not policy or any(p != "x" for p in policy.split(".")):
        raise ValueError(f"pin policy {policy!r} must be x, x.x, x.x.x ...")
    return len(policy.split("."))


def pin_range(version: str, max_pin: str, min_pin: str = "x.x.x") -> str:
    """``pin_range("3.6.2", "x.x")`` -> ``">=3.6.2,<3.7"``.

    The lower bound keeps ``min_pin`` parts of the release built against; the upper
    bound increments the last of ``max_pin``'s parts (so a ``.postN`` rebuild matches).
    """
    release = list(Version(version).release)
    lower_n, upper_n = _parts(min_pin), _parts(max_pin)
    lower = ".".join(str(p) for p in release[:lower_n])
    padded = release + [0] * max(0, upper_n - len(release))
    upper_parts = padded[:upper_n]
    upper_parts[-1] += 1
    upper = ".".join(str(p) for p in upper_parts)
    return f">={lower},<{upper}"
