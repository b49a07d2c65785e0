"""farm's PEP 517 backend: ``pip wheel`` and cibuildwheel build a recipe through it.

The project folder's pyproject.toml names the recipe and the farm root (``farm cibw``
writes one). The backend runs the same pipeline as ``farm build`` up to packing and
returns the packed wheel; the front end's repair step (auditwheel/delocate) follows.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["build_sdist", "build_wheel", "get_requires_for_build_wheel"]


def _project() -> tuple[str, Path, dict[str, str]]:
    data = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    farm = data.get("tool", {}).get("farm", {})
    if "recipe" not in farm:
        raise ValueError("pyproject.toml: [tool.farm] needs 'recipe' (write it with 'farm cibw RECIPE')")
    chosen = {str(k): str(v) for k, v in dict(farm.get("variant", {})).items()}
    return str(farm["recipe"]), (Path.cwd() / str(farm.get("root", "."))).resolve(), chosen


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: dict[str, Any] | None = None,
                metadata_directory: str | None = None) -> str:
    from farm.build import Builder
    from farm.catalog import Catalog
    from farm.kinds import kind_of
    from farm.settings import load_settings

    name, root, chosen = _project()
    settings = load_settings(root)
    builder = Builder(settings, Catalog.from_settings(settings), test=False)
    # [tool.farm] variant picks one wheel of several (cuda = "13"); the kind picks among the rest
    variants = [v for v in builder.catalog.variants_of(name)
                if all(str(v.variant.get(k)) == value for k, value in chosen.items())]
    if not variants:
        raise ValueError(f"pyproject.toml: [tool.farm] variant {chosen} matches no variant of {name}")
    recipe = kind_of(variants[0]).backend_variant(variants, "%d.%d" % sys.version_info[:2])
    packed = builder.pack_only(recipe)
    target = Path(wheel_directory) / packed.name
    shutil.copyfile(packed, target)
    return os.path.basename(target)


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    raise NotImplementedError("recipes are built from their upstream sources; there is no sdist of a recipe")
