"""farm doctor: which native libraries an environment sees and loads, and which clash.

The library never prints; :func:`diagnose` returns a frozen :class:`Report` and
:mod:`farm.doctor.report` turns it into a table or JSON. After importing
whatever is suspected, :func:`inspect_process` tells what this process loaded::

    import numpy, scipy.linalg
    import farm.doctor
    report = farm.doctor.diagnose(process=True)
    print(farm.doctor.render_table(report))
"""

from __future__ import annotations

from farm.doctor.cuda import CudaFit, CudaWheelFit, cuda_fit
from farm.doctor.diagnose import LoaderRow, ProcessReport, Report, diagnose, inspect_process
from farm.doctor.findings import CHECKS, Finding, Severity
from farm.doctor.identity import LibraryIdentity, library_identity
from farm.doctor.process import LoadedLibrary, loaded_libraries
from farm.doctor.report import render_json, render_table, to_data

__all__ = [
    "CHECKS",
    "CudaFit",
    "CudaWheelFit",
    "Finding",
    "LibraryIdentity",
    "LoadedLibrary",
    "LoaderRow",
    "ProcessReport",
    "Report",
    "Severity",
    "cuda_fit",
    "diagnose",
    "inspect_process",
    "library_identity",
    "loaded_libraries",
    "render_json",
    "render_table",
    "to_data",
]
