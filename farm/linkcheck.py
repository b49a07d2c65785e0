"""After repair: every DT_NEEDED provided, no absolute or build-machine path shipped."""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from farm.elf import DynamicInfo, read_elf_bytes
from farm.errors import FarmError

__all__ = ["LinkError", "LinkReport", "check_wheel"]


class LinkError(FarmError, RuntimeError):
    pass


@dataclass(frozen=True)
class LinkReport:
    errors: tuple[str, ...]
    hints: tuple[str, ...]


def check_wheel(wheel: Path, work: Path, *, recipe: str, recipe_file: Path, host_line: str,
                providers: Mapping[str, Sequence[str]], allowed: Iterable[str],
                forbidden: Iterable[str], farm_libraries: Mapping[str, str] | None = None,
                never_shipped: Mapping[str, str] | None = None, grafts: Iterable[str] = (),
                build_line: str = "", home: str = "") -> LinkReport:
    """``providers``: host dependency name -> sonames its wheel provides.

    ``forbidden``: strings (build paths) that must appear in no shipped file.
    ``home``: the builder's home folder (``~/`` expanded): a path in it must appear in no
    shipped file either, where it is one: where it starts a path (not inside a longer path
    that merely contains the folder's name, as GDAL's help text does) or names a hidden
    folder in it (``-I<home>.pyenv/...``).
    ``farm_libraries``: soname -> the recipe providing it; no copy of one may ship in this
    wheel (auditwheel grafts a library it found on the machine as ``libz-<hash>.so.1.2.13``).
    ``never_shipped``: soname -> whose it is (an external wheel, the NVIDIA driver): linked
    against, never shipped, under any name.
    The wheel is read in place; nothing is written under ``work``.
    """
    stems = {_stem(soname): name for soname, name in (farm_libraries or {}).items()}
    foreign = {_stem(soname): owner for soname, owner in (never_shipped or {}).items()}
    allowed_set = set(allowed)
    grafted = {_stem(g) for g in grafts}
    by_soname = {s: dep for dep, sonames in providers.items() for s in sonames}
    used: set[str] = set()
    errors: list[str] = []
    needles = [f.encode() for f in forbidden if f]
    at_home = re.compile(rb"(?<![A-Za-z0-9._/-])" + re.escape(home.encode()) + rb"|" + re.escape(home.encode())
                         + rb"\.") if home.strip("/") else None
    # every member is read once, from the archive: nothing is unpacked, no file read twice
    with zipfile.ZipFile(wheel) as zf:
        members = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
        own = {PurePosixPath(i.filename).name for i in members}
        for member in members:
            rel = member.filename
            top = PurePosixPath(rel).parts[0]
            if top.endswith(".libs") and _stem(PurePosixPath(rel).name) not in grafted:
                errors.append(f"{rel} was grafted by auditwheel from the build machine; build that library as a "
                              f"recipe and add it to requirements.host ({recipe_file}:{host_line}), turn off "
                              "the part of the build that links it, or, for a toolchain runtime no recipe "
                              f"builds, name its soname and the reason under build.grafts ({recipe_file}:{build_line})")
                continue
            data = zf.read(member)
            for needle in needles:
                if needle in data:
                    errors.append(f"{rel} contains the build path {needle.decode()}; the file is not relocatable")
            if at_home is not None and at_home.search(data) is not None:
                errors.append(f"{rel} contains a path in the builder's home folder {home}; the file is not relocatable")
            info = None if stat.S_ISLNK(member.external_attr >> 16) else read_elf_bytes(data, f"{wheel.name}:{rel}")
            if info is not None:
                errors += _elf_errors(rel, info, stems, by_soname, own, allowed_set, used, recipe_file, host_line)
                if info.kind == "shared" and _stem(PurePosixPath(rel).name) in foreign:
                    errors.append(f"{rel} is a copy of {foreign[_stem(PurePosixPath(rel).name)]}'s library, which "
                                  "is linked against and never shipped; keep it out of the wheel")
    hints = tuple(
        f"{recipe}: host dependency {dep!r} is declared but nothing in the wheel links it"
        for dep in sorted(providers) if dep not in used
    )
    return LinkReport(tuple(errors), hints)


def _elf_errors(rel: str, info: DynamicInfo, stems: Mapping[str, str], by_soname: Mapping[str, str], own: set[str],
                allowed_set: set[str], used: set[str], recipe_file: Path, host_line: str) -> list[str]:
    """What is wrong with one ELF file of the wheel; the dependencies it links are added to ``used``."""
    errors: list[str] = []
    name = PurePosixPath(rel).name
    if info.soname is not None and info.kind == "shared" and _stem(name) in stems:
        dep = stems[_stem(name)]
        errors.append(f"{rel} is a copy of a library recipe {dep!r} provides; add {dep} to requirements.host "
                      f"({recipe_file}:{host_line}) so the wheel links the farm's copy instead of shipping one")
    for entry in (*info.runpath, *info.rpath):
        if not entry.startswith("$ORIGIN"):
            errors.append(f"{rel} has RUNPATH entry {entry!r}, outside the wheel")
    for needed in info.needed:
        if needed in by_soname:  # a declared dependency first, even where the platform also allows it
            used.add(by_soname[needed])
            continue
        if needed not in own and _stem(needed) in stems:  # even where the platform allows the machine's copy
            dep = stems[_stem(needed)]
            errors.append(f"{rel} needs {needed}, which recipe {dep!r} provides; add {dep} to requirements.host "
                          f"({recipe_file}:{host_line}) so the farm's copy is the one it links")
            continue
        if needed in own or needed in allowed_set:
            continue
        errors.append(
            f"{rel} needs {needed}, which no declared dependency provides; add the recipe that provides it "
            f"to requirements.host ({recipe_file}:{host_line}) or disable it in the build"
        )
    return errors


def _stem(name: str) -> str:
    """``libz.so.1`` and auditwheel's ``libz-1a2b3c4d.so.1.2.13`` -> ``libz``."""
    return re.sub(r"(-[0-9a-f]{8})?\.so(\..*)?$", "", name)
