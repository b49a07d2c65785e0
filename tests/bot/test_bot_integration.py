"""The bot end to end with real builds: wheels are built with `farm build` and published with
`farm index` between bot runs, and the bot reads readiness from that index.

The farm is the real zlib, libjpeg-turbo and libtiff recipes plus a small real library,
tiffutil (host: zlib, libtiff), so the zlib migration has two waves. The zlib pin starts
one release behind zlib's recipe, as it is when a new zlib has just been published.

While a migration runs, a rebuild must build against the migration's pins, which reach
recipes/pins.yaml only when the migration completes. `build()` below lays the active
migrations' pins over pins.yaml for the duration of each build, as
farm.bot.migration.effective_pins describes; once `farm build` applies that overlay
itself, `build()` shrinks to the two commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bot_fakes import GIT_ENV, RECIPES, commit_all, git

from farm.bot.edits import set_in_mapping
from farm.bot.forge_local import LocalForge
from farm.bot.migration import load_migrations
from farm.catalog import Catalog
from farm.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

TIFFUTIL_BUILD = """#!/usr/bin/env bash
set -euo pipefail
cat > tiffutil.c <<'C'
#include <stdio.h>
#include <tiffio.h>
#include <zlib.h>
const char *tiffutil_versions(void) {
    static char out[512];
    snprintf(out, sizeof out, "%s; zlib %s", TIFFGetVersion(), zlibVersion());
    return out;
}
C
mkdir -p "$PREFIX/lib"
cc $CFLAGS -shared -Wl,-soname,libtiffutil.so.1 -o "$PREFIX/lib/libtiffutil.so.1" tiffutil.c \\
  $("$PKG_CONFIG" --cflags --libs libtiff-4 zlib) $LDFLAGS
"""


def tiffutil_recipe() -> str:
    zlib = (RECIPES / "zlib" / "recipe.yaml").read_text()
    source = zlib[zlib.index("source:"):zlib.index("build:")].replace("${{ version }}", "1.2.13")
    return f"""# A small library over libtiff and zlib: the zlib migration's second wave.
# Its source is zlib's release, used only for the license file.
schema_version: 1
package:
  name: tiffutil
  version: "1.0.0"

{source}build:
  number: 0
  script: build.sh

requirements:
  build:
    - c-compiler
    - pkgconf
  host:
    - zlib
    - libtiff
    - libjpeg-turbo  # libtiff-4.pc requires it

provides:
  sonames: [libtiffutil.so.1]

test:
  python:
    - import wheelfarm.tiffutil as t; t.load_library()

about:
  license: Zlib
  license_file: LICENSE
  summary: TIFF and zlib versions in one call (a test fixture)

maintainers:
  - wheelfarm/core
"""


def farm(root: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "farm", *args, "--root", str(root)], capture_output=True,
                          text=True, cwd=root, env={**os.environ, **GIT_ENV})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def build(root: Path, *names: str) -> None:
    """Build and publish, with the active migrations' pins laid over pins.yaml (see the module doc)."""
    pins = root / "recipes" / "pins.yaml"
    original = pins.read_text()
    overlay = original
    for m in load_migrations(root / "recipes" / "migrations"):
        for name, version in m.pins.items():
            overlay = set_in_mapping(overlay, ("pins",), name, version).text
    pins.write_text(overlay)
    try:
        farm(root, "build", *names)
        farm(root, "index")
    finally:
        pins.write_text(original)


def bot(root: Path) -> str:
    return farm(root, "bot", "run", "--no-updates", "--quiet")


@pytest.fixture
def real_farm(tmp_path: Path) -> Path:
    root = tmp_path / "farm"
    # libtiff and everything it links (its codecs' libraries too): only zlib's dependents migrate
    graph = Catalog.from_settings(load_settings(REPO)).graph()
    for name in ("libtiff", *graph.dependencies("libtiff", transitive=True)):
        # zlib at 1.2.13, whatever release the farm's own recipe has moved to
        shutil.copytree((RECIPES if name == "zlib" else REPO / "recipes") / name, root / "recipes" / name)
    pins = (REPO / "recipes" / "pins.yaml").read_text()
    (root / "recipes" / "pins.yaml").write_text(re.sub(r'(?m)^  zlib: "[^"]*"$', '  zlib: "1.2.12"', pins))
    (root / "recipes" / "tiffutil").mkdir()
    (root / "recipes" / "tiffutil" / "recipe.yaml").write_text(tiffutil_recipe())
    (root / "recipes" / "tiffutil" / "build.sh").write_text(TIFFUTIL_BUILD)
    (root / "recipes" / "tiffutil" / "build.sh").chmod(0o755)
    (root / ".gitignore").write_text(".farm/\nindex/\nwheelhouse/\n")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "farm")
    return root


def test_real_rebuilds_open_the_next_wave(real_farm: Path) -> None:
    root = real_farm
    build(root, "zlib", "libjpeg-turbo")  # zlib 1.2.13 is published; the pin still says 1.2.12
    farm(root, "migrate", "new", "--pin", "zlib=1.2.13")
    commit_all(root, "Migrate to zlib 1.2.13")
    forge = LocalForge(root)

    first = bot(root)
    assert "opened libtiff #1" in first
    assert [p.head for p in forge.list_prs("farm-bot/")] == ["farm-bot/migrate/zlib-1.2.13/libtiff"]

    git(root, "merge", "-q", "--no-ff", "farm-bot/migrate/zlib-1.2.13/libtiff", "-m", "Merge libtiff rebuild")
    build(root, "libtiff")
    second = bot(root)
    assert "opened tiffutil #2" in second
    assert len(forge.list_prs("farm-bot/")) == 2

    third = bot(root)
    assert "opened" not in third and len(forge.list_prs("farm-bot/")) == 2

    git(root, "merge", "-q", "--no-ff", "farm-bot/migrate/zlib-1.2.13/tiffutil", "-m", "Merge tiffutil rebuild")
    build(root, "tiffutil")
    fourth = bot(root)
    assert "opened #3 Complete migration zlib-1.2.13" in fourth
    git(root, "merge", "-q", "--no-ff", "farm-bot/complete/zlib-1.2.13", "-m", "Complete zlib-1.2.13")
    assert 'zlib: "1.2.13"' in (root / "recipes" / "pins.yaml").read_text()
    assert "opened" not in bot(root)
    assert [p.state for p in forge.list_prs("farm-bot/")] == ["merged"] * 3
