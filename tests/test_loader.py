from __future__ import annotations

import os
import types

from farm.loader import exec_module_source, loader_source


def test_generated_loader_sets_data_paths_and_names_missing_files(tmp_path: object, monkeypatch: object) -> None:
    src = loader_source(dist="wheelfarm-proj", version="9.1.1", summary="Cartographic projections.",
                        namespace="wheelfarm", dependencies=["sqlite"], libraries=["libproj.so.25"],
                        rtld="local", env={"PROJ_DATA": "share/proj"})
    module = types.ModuleType("wheelfarm.proj")
    module.__file__ = "/site/wheelfarm/proj/__init__.py"
    exec(compile(src, "__init__.py", "exec"), module.__dict__)
    assert module.lib_dir() == "/site/wheelfarm/proj/lib"
    assert module.__version__ == "9.1.1"
    os.environ.pop("PROJ_DATA", None)
    module._set_environment()
    assert os.environ.pop("PROJ_DATA") == "/site/wheelfarm/proj/share/proj"
    assert "_DEPENDENCIES = ('sqlite',)" in src and "RTLD_LOCAL" in src


def test_exec_module_compiles() -> None:
    compile(exec_module_source("wheelfarm-gdal", {"GDAL_DATA": "share/gdal"}), "_exec.py", "exec")
