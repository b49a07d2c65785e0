"""A small farm in a temporary git repository for the CI tests: cheap recipes whose
sources are tarballs made here and whose builds are one cc line each.

Graph: base <- mid <- top (each links the one before), and lone (links nothing)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}

HOSTS = {"base": [], "mid": ["base"], "top": ["mid"], "lone": []}

PINS = """\
schema_version: 1
toolchain:
  c_compiler: gcc
platforms:
  linux-x86_64:
    policy: manylinux_2_17
pins:
  base: "1.0"
  mid: "1.0"
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, check=True)
    return done.stdout


def _c_source(name: str, host: list[str]) -> str:
    calls = " + ".join([f"{h}_value(x)" for h in host] + ["1"])
    decls = "".join(f"int {h}_value(int x);\n" for h in host)
    return f"{decls}int {name}_value(int x) {{ return x + {calls}; }}\n"


def write_recipe(root: Path, sources: Path, name: str, number: int = 0) -> None:
    host = HOSTS[name]
    links = " ".join(f"-l{h}" for h in host)
    files = {
        f"{name}.c": _c_source(name, host),
        "LICENSE": "MIT\n",
        "build.sh": "set -e\nmkdir -p $PREFIX/lib\n"
                    f"cc -O2 -fPIC -shared -Wl,-soname,lib{name}.so.1 {name}.c -o $PREFIX/lib/lib{name}.so.1 "
                    f"$LDFLAGS {links}\nln -s lib{name}.so.1 $PREFIX/lib/lib{name}.so\n",
    }
    tarball = sources / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz") as tf:
        for arc, text in files.items():
            info = tarfile.TarInfo(f"{name}-1.0/{arc}")
            info.size = len(text.encode())
            tf.addfile(info, io.BytesIO(text.encode()))
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    folder = root / "recipes" / name
    folder.mkdir(parents=True, exist_ok=True)
    hosts = ", ".join(host)
    (folder / "recipe.yaml").write_text(f"""\
schema_version: 1
package: {{name: {name}, version: "1.0"}}
source:
  - url: {tarball.as_uri()}
    sha256: "{sha}"
build: {{number: {number}, script: ["bash build.sh"]}}
requirements: {{build: [c-compiler], host: [{hosts}]}}
provides: {{sonames: [lib{name}.so.1]}}
about: {{license: MIT, license_file: LICENSE, summary: a recipe for the CI tests, homepage: https://example.org}}
test: {{commands: ["true"]}}
maintainers: [wheelfarm/core]
""", encoding="utf-8")


def make_farm(tmp: Path) -> Path:
    """The farm, committed once; its ci/ holds the project's own platforms and action pins."""
    root = tmp / "repo"  # not "farm": python -m farm run beside it would import the folder
    sources = tmp / "sources"
    sources.mkdir(parents=True)
    (root / "recipes" / "migrations").mkdir(parents=True)
    (root / "recipes" / "pins.yaml").write_text(PINS, encoding="utf-8")
    for name in HOSTS:
        write_recipe(root, sources, name)
    (root / "ci").mkdir()
    for f in ("platforms.yaml", "actions.yaml"):
        shutil.copy2(REPO / "ci" / f, root / "ci" / f)
    (root / "farm").mkdir()
    (root / "farm" / "build.py").write_text("# stands for the tool\n", encoding="utf-8")
    (root / ".gitignore").write_text(".farm/\nindex/\nwheelhouse/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "farm")
    return root


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()
