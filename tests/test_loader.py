from __future__ import annotations

import os
import types

from farm.loader import exec_attribute, exec_module_source, loader_source


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


def test_every_executable_name_survives_the_console_script_attribute() -> None:
    module = types.ModuleType("wheelfarm.demo._exec")
    module.__file__ = "/site/wheelfarm/demo/_exec.py"
    exec(compile(exec_module_source("wheelfarm-demo", {}), "_exec.py", "exec"), module.__dict__)
    for name in ("h5c++", "h5hlc++", "libpng16-config", "gdal-config", "x-+", "plain"):
        attribute = exec_attribute(name)
        assert attribute.isidentifier(), attribute
        run = getattr(module, attribute)
        assert run.__closure__ is not None and name in [c.cell_contents for c in run.__closure__]
