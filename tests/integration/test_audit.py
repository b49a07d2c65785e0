"""farm audit against real wheels: a library linking a sibling wheel's library, which plain
``auditwheel show`` can only call linux_x86_64, gets the manylinux policy its repair proved."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from farm_helpers import farm


pytestmark = pytest.mark.integration

SOURCES = {
    "chaina": {
        "a.c": "int chain_a(int x) { return 2 * x; }\n",
        "build.sh": "cc -O2 -fPIC -shared -Wl,-soname,libchaina.so.1 a.c -o $PREFIX/lib/libchaina.so.1\n"
                    "ln -s libchaina.so.1 $PREFIX/lib/libchaina.so\n",
    },
    "chainb": {
        "b.c": "int chain_a(int x);\nint chain_b(int x) { return chain_a(x) + 1; }\n",
        "build.sh": "cc -O2 -fPIC -shared -Wl,-soname,libchainb.so.1 b.c -o $PREFIX/lib/libchainb.so.1 $LDFLAGS -lchaina\n",
    },
}


def _recipe(root: Path, sources: Path, name: str, host: list[str]) -> None:
    files = {**SOURCES[name], "LICENSE": "MIT\n"}
    files["build.sh"] = "set -e\nmkdir -p $PREFIX/lib\n" + files["build.sh"]
    # outside the farm: provenance.json names the URL, and no shipped file may name the build root
    tarball = sources / f"{name}.tar.gz"
    with tarfile.open(tarball, "w:gz") as tf:
        for arc, text in files.items():
            info = tarfile.TarInfo(f"{name}-1.0/{arc}")
            info.size = len(text.encode())
            tf.addfile(info, io.BytesIO(text.encode()))
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    folder = root / "recipes" / name
    folder.mkdir(parents=True)
    (folder / "recipe.yaml").write_text(f"""\
package: {{name: {name}, version: "1.0"}}
source:
  - url: {tarball.as_uri()}
    sha256: "{sha}"
build: {{number: 0, script: ["bash build.sh"]}}
requirements: {{build: [c-compiler], host: {json.dumps(host)}}}
provides: {{sonames: [lib{name}.so.1]}}
about: {{license: MIT, license_file: LICENSE, summary: A two-library chain, homepage: https://example.org}}
test: {{commands: ["true"]}}
maintainers: [wheelfarm/core]
""")


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("chain")
    (root / "recipes").mkdir()
    (root / "recipes" / "pins.yaml").write_text("pins: {}\n")
    sources = tmp_path_factory.mktemp("sources")
    _recipe(root, sources, "chaina", [])
    _recipe(root, sources, "chainb", ["chaina"])
    farm(root, "build", "chainb")
    return root


def test_show_cannot_see_the_sibling_but_audit_excludes_it(chain: Path) -> None:
    (wheel,) = (chain / "wheelhouse").glob("wheelfarm_chainb-*.whl")
    show = subprocess.run([str(Path(sys.executable).parent / "auditwheel"), "show", str(wheel)],
                          capture_output=True, text=True, check=True)
    assert '"linux_x86_64"' in " ".join(show.stdout.split())
    (row,) = json.loads(farm(chain, "audit", str(wheel), "--format", "json").stdout)
    assert row["ok"] and row["policy"].startswith("manylinux_")
    assert row["excluded"] == {"libchaina.so.1": next((chain / "wheelhouse").glob("wheelfarm_chaina-*.whl")).name}
    assert row["tags"] and all(t.startswith("manylinux") for t in row["tags"]) and row["problems"] == []


def test_missing_sibling_is_an_error_naming_the_requirement(chain: Path, tmp_path: Path) -> None:
    (wheel,) = (chain / "wheelhouse").glob("wheelfarm_chainb-*.whl")
    lonely = tmp_path / wheel.name
    lonely.write_bytes(wheel.read_bytes())
    env_root = tmp_path / "farm"
    (env_root / "recipes").mkdir(parents=True)
    result = farm(env_root, "audit", str(lonely), check=False)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"{wheel.name}: requires wheelfarm-chaina" in line and "farm build chaina" in line


def test_whole_wheelhouse_is_audited_by_default(chain: Path) -> None:
    out = farm(chain, "audit").stdout.splitlines()
    assert len(out) == 2 and all(line.startswith("ok   wheelfarm_chain") for line in out)
