"""What the integration tests share: running the farm command against a farm folder."""

from __future__ import annotations

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
