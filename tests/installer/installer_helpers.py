"""Small pure-Python wheels for the installer tests."""

from __future__ import annotations

from pathlib import Path

from farm.wheelfile import write_wheel


def make_wheel(out: Path, name: str, version: str, marker: str) -> Path:
    """A pure-Python wheel whose module ``name`` says ``MARK = marker``."""
    tree = out / f"tree-{name}-{version}-{marker}"
    module = name.replace("-", "_")
    (tree / module).mkdir(parents=True)
    (tree / module / "__init__.py").write_text(f"MARK = {marker!r}\n", encoding="utf-8")
    dist_info = f"{module}-{version}.dist-info"
    (tree / dist_info).mkdir()
    (tree / dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                                               encoding="utf-8")
    (tree / dist_info / "WHEEL").write_text("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                            "Tag: py3-none-any\n", encoding="utf-8")
    (out / marker).mkdir(parents=True, exist_ok=True)
    return write_wheel(tree, dist_info, out / marker / f"{module}-{version}-py3-none-any.whl")
