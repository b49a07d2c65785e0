"""What ``ci/`` says about hosted CI: the platforms builds run on (``ci/platforms.yaml``)
and the actions workflows use, each pinned by commit (``ci/actions.yaml``).

Both files are validated strictly at load; a problem names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from farm.errors import FarmError
from farm.locate import YamlError, load_yaml
from farm.platforms import Platform, parse
from farm.recipe.schema import MapOf, Obj, Shape, Str, validate

__all__ = ["ActionPin", "CiConfig", "CiConfigError", "CiPlatform", "load_ci_config"]

PLATFORMS_FILE = "platforms.yaml"
ACTIONS_FILE = "actions.yaml"
_SHA = re.compile(r"^[0-9a-f]{40}$")

_PLATFORMS = MapOf(
    Obj(
        {
            "runner": Str("the GitHub-hosted runner label, e.g. ubuntu-24.04"),
            "image": Str("the manylinux image cibuildwheel builds Linux wheels in, e.g. manylinux_2_28"),
        },
        required=frozenset({"runner"}),
    ),
    "platform (linux-x86_64, macos-aarch64, ...) -> where its builds run",
)
_ACTIONS = MapOf(
    Obj(
        {
            "commit": Str("the full 40-hex commit of the release"),
            "version": Str("the release tag that commit is, for people reading the workflow"),
        },
        required=frozenset({"commit", "version"}),
    ),
    "owner/name -> the release it is pinned to",
)


class CiConfigError(FarmError, ValueError):
    """ci/platforms.yaml or ci/actions.yaml is malformed."""


@dataclass(frozen=True)
class CiPlatform:
    platform: Platform
    runner: str
    #: the manylinux image (Linux only)
    image: str | None = None

    @property
    def name(self) -> str:
        return self.platform.name


@dataclass(frozen=True)
class ActionPin:
    name: str
    commit: str
    version: str

    @property
    def uses(self) -> str:
        """What a workflow step's ``uses:`` says: ``owner/name@<commit> # <tag>``."""
        return f"{self.name}@{self.commit} # {self.version}"


@dataclass(frozen=True)
class CiConfig:
    platforms: tuple[CiPlatform, ...]
    actions: Mapping[str, ActionPin]

    def action(self, name: str) -> ActionPin:
        try:
            return self.actions[name]
        except KeyError:
            raise CiConfigError(f"no pin for action {name!r} in ci/{ACTIONS_FILE}; add its commit and tag") from None


def _load(file: Path, shape: Shape) -> tuple[dict[str, Any], Any]:
    try:
        located = load_yaml(file.read_text(encoding="utf-8"), file)
    except OSError as exc:
        raise CiConfigError(f"{file}: cannot read: {exc}") from None
    except YamlError as exc:
        raise CiConfigError(f"{file}:{exc.position.line}:{exc.position.col}: {exc}") from None
    data = located.data if isinstance(located.data, dict) else {}
    problems = list(validate(shape, data))
    if problems:
        p = problems[0]
        pos = located.locations.key(p.path) if p.at_key else located.locations.of(p.path)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CiConfigError(f"{file}:{pos.line}:{pos.col}: {p.message}{more}")
    return data, located.locations


def load_ci_config(ci_dir: Path) -> CiConfig:
    """Read and check ``ci/platforms.yaml`` and ``ci/actions.yaml``."""
    pfile = ci_dir / PLATFORMS_FILE
    pdata, plocs = _load(pfile, _PLATFORMS)
    platforms: list[CiPlatform] = []
    for name, value in pdata.items():
        try:
            platform = parse(str(name))
        except ValueError as exc:
            raise CiConfigError(f"{pfile}:{plocs.key((name,)).line}: {exc}") from None
        image = value.get("image")
        if platform.os == "linux" and not image:
            raise CiConfigError(f"{pfile}:{plocs.key((name,)).line}: {name} builds in a manylinux container; "
                                "name its image, e.g. image: manylinux_2_28")
        platforms.append(CiPlatform(platform, str(value["runner"]), str(image) if image else None))
    afile = ci_dir / ACTIONS_FILE
    adata, alocs = _load(afile, _ACTIONS)
    actions: dict[str, ActionPin] = {}
    for name, value in adata.items():
        commit = str(value["commit"])
        if not _SHA.match(commit):
            raise CiConfigError(f"{afile}:{alocs.of((name, 'commit')).line}: {name}: {commit!r} is not a full "
                                "40-hex commit; pin the release's commit, not a tag or branch")
        actions[str(name)] = ActionPin(str(name), commit, str(value["version"]))
    return CiConfig(tuple(platforms), MappingProxyType(actions))
