"""Build keys: one hash of everything that goes into a build; unchanged key, no rebuild."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from farm import __version__
from farm.buildenv import COMPILE_FLAGS
from farm.pack import LAYOUT_VERSION
from farm.recipe.model import Recipe

__all__ = ["build_key", "compiler_identity"]


@functools.lru_cache(maxsize=None)
def compiler_identity(executable: str) -> str:
    """The compiler's first ``--version`` line; asked once per process (``--all`` keys every recipe)."""
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.splitlines()[0] if out else "unknown"


def _folder_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def build_key(recipe: Recipe, *, namespace: str, dependency_wheels: Mapping[str, str],
              toolchain: Mapping[str, Any], tools: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """The key and the inputs it hashes (kept for provenance and for explaining rebuilds)."""
    inputs: dict[str, Any] = {
        "farm": __version__,
        "layout": LAYOUT_VERSION,
        "flags": COMPILE_FLAGS,
        "namespace": namespace,
        "platform": recipe.platform.name,
        "variant": dict(recipe.variant),
        "recipe": json.loads(json.dumps(dict(recipe.resolved), default=str, sort_keys=True)),
        "recipe_files": _folder_digest(recipe.folder),
        "sources": sorted(o.sha256 for a in recipe.sources for o in a.origins[:1]),
        "dependencies": dict(sorted(dependency_wheels.items())),
        "toolchain": {k: str(v) for k, v in sorted(toolchain.items())},
        "compilers": {k: compiler_identity(v) for k, v in sorted(tools.items()) if k.endswith("compiler")},
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return digest, inputs
