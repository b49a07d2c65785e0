"""A native library built by its recipe's script and packed into ``<namespace>-<name>``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from farm.buildenv import BuildFailed, build_environment, run_script
from farm.kinds import Job, TestJob
from farm.pack import Packed, pack
from farm.recipe.model import Recipe
from farm.wheeltest import test_wheel

__all__ = ["LibraryKind"]


#: the one CPython cibuildwheel builds a library with; its wheel (py3-none) does not depend on it
BUILD_PYTHON = "cp312"


class LibraryKind:
    def dist_name(self, recipe: Recipe, namespace: str) -> str:
        return f"{namespace}-{recipe.package}"

    def wheel_version(self, recipe: Recipe, namespace: str) -> str:
        return recipe.wheel_version

    def unavailable(self, recipe: Recipe) -> str | None:
        return recipe.cuda.unavailable() if recipe.cuda is not None else None

    def compile(self, job: Job) -> None:
        if not job.recipe.script:
            raise BuildFailed(f"{job.recipe.name}: a library recipe needs build.script "
                              f"({job.recipe.folder / 'recipe.yaml'})")
        env = build_environment(job.recipe, job.tree, namespace=job.namespace, dep_roots=job.dep_roots,
                                tools=job.tools, cpu_count=job.cpu_count, caller_env=job.caller_env,
                                indirect_roots=job.indirect_roots, extra=job.cuda_env)
        run_script(job.recipe, job.tree, env, job.log)

    def pack(self, job: Job, provenance: Mapping[str, Any]) -> Packed:
        r = job.recipe
        return pack(r, namespace=job.namespace, prefix=job.tree.prefix, src_dir=job.tree.src, deps=job.deps,
                    provenance=provenance, work=job.work, out_dir=job.work / "dist",
                    platform_tag=f"{r.platform.os}_{r.platform.arch}", tools=job.tools)

    def test(self, job: TestJob) -> None:
        test_wheel(job.recipe, job.wheel, dist=job.dist, namespace=job.namespace, published=job.published,
                   work=job.work, log=job.log, executables=job.packed.executables, installer=job.installer,
                   external_wheels=job.external_wheels)

    def cibw_pythons(self, variants: Sequence[Recipe]) -> list[str]:
        return [BUILD_PYTHON]

    def backend_variant(self, variants: Sequence[Recipe], python: str) -> Recipe:
        return variants[0]

    def import_check(self, recipe: Recipe, namespace: str) -> str:
        return f"import {namespace}.{recipe.module} as m; m.load_library()"
