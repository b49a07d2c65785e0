"""What the integration tests share: running the farm command against a farm folder."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path


def farm(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``farm ARGS --root ROOT`` in a subprocess; raises with its output when it fails and ``check``."""
    result = subprocess.run([sys.executable, "-m", "farm", *args, "--root", str(root)], capture_output=True,
                            text=True, cwd=root)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout + result.stderr)
    return result


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file's sha256 and every link's target below ``folders``: equal snapshots, untouched folders."""
    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")) if folder.exists() else []:
            key = str(p.relative_to(folder.parent))
            out[key] = ("link:" + str(p.readlink())) if p.is_symlink() else (
                hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
    return out
