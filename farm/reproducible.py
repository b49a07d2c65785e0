"""Bit-identical wheels: the inputs that would vary between two builds, fixed; and the check.

Three things vary between two builds of one recipe and reach the bytes of a wheel:

- **time**: every build sees ``SOURCE_DATE_EPOCH`` (compilers expand ``__DATE__`` from it,
  the SBOM's timestamp is it): the caller's value if set, else the time of the recipe
  folder's last git commit, else a fixed epoch;
- **the build folder**: compilers map it away (``-ffile-prefix-map``, see
  ``buildenv.COMPILE_FLAGS``), but the linker records build-time rpaths, and patchelf
  overwrites them in place, so their *length* stays in ``.dynstr``. The build tree is
  therefore always a path of one fixed length (:func:`build_root`), as conda-build pads
  its placeholder prefix;
  The GNU build ID the linker computed still hashes those paths: packing sets it again to a
  hash of the finished file (:func:`restamp_build_id`), as ``debugedit --build-id`` does
  after rewriting paths;
- **the archive**: auditwheel rewrites the zip with today's times; repair normalises it
  again (``wheelfile.normalize_wheel``).

:func:`check` builds twice in different folders at different times and
:func:`compare_wheels` names the first difference: the member and the byte offset.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import NoteSection

from farm.errors import FarmError
from farm.fetch import sha256_file
from farm.settings import Settings

__all__ = ["BUILD_ROOT_LENGTH", "FIXED_EPOCH", "Comparison", "Difference", "ReproducibilityError", "Report",
           "build_root", "changed_inputs", "check", "compare_wheels", "restamp_build_id", "source_date_epoch"]

#: 1980-01-01 00:00:00 UTC, the earliest time a zip entry can hold
FIXED_EPOCH = 315532800
#: characters of every build tree's path (longer work folders keep their own length)
BUILD_ROOT_LENGTH = 160


class ReproducibilityError(FarmError, ValueError):
    pass


def source_date_epoch(folder: Path, environ: Mapping[str, str]) -> int:
    """The build's SOURCE_DATE_EPOCH: the caller's, else ``folder``'s last commit, else :data:`FIXED_EPOCH`."""
    given = environ.get("SOURCE_DATE_EPOCH")
    if given is not None:
        if not given.strip().isdigit():
            raise ReproducibilityError(f"SOURCE_DATE_EPOCH={given!r} is not a whole number of seconds since 1970; "
                                       "unset it or give one")
        return int(given)
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", "."], cwd=folder, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return FIXED_EPOCH
    stamp = out.stdout.strip()
    return int(stamp) if out.returncode == 0 and stamp.isdigit() else FIXED_EPOCH


def build_root(work: Path, length: int = BUILD_ROOT_LENGTH) -> Path:
    """The build tree under ``work``: a path exactly ``length`` characters long where it fits."""
    base = work.absolute() / "tree"
    pad = length - len(str(base))
    return base.with_name(base.name + "_" * pad) if pad > 0 else base


def _build_id_span(data: bytes) -> tuple[int, int] | None:
    """(offset, size) of the GNU build ID's bytes in an ELF image, if it has one."""
    try:
        elf = ELFFile(io.BytesIO(data))
        for section in elf.iter_sections():
            if not isinstance(section, NoteSection):
                continue
            for note in section.iter_notes():
                if note["n_type"] == "NT_GNU_BUILD_ID":
                    name_size = (int(note["n_namesz"]) + 3) // 4 * 4
                    return int(note["n_offset"]) + 12 + name_size, int(note["n_descsz"])
    except ELFError:
        return None
    return None


def restamp_build_id(path: Path) -> bool:
    """Set the ELF file's GNU build ID to a hash of its own bytes (ID zeroed); False if it has none.

    Run after every change to the file (strip, patchelf): the ID then follows what ships,
    not the build-time paths the linker hashed, and stays unique to the content.
    """
    data = bytearray(path.read_bytes())
    span = _build_id_span(bytes(data))
    if span is None or span[1] == 0:
        return False
    offset, size = span
    data[offset:offset + size] = bytes(size)
    # SHA-1 for the usual 20 bytes, as ld's --build-id=sha1; any other size from SHAKE-256
    digest = hashlib.sha1(data).digest() if size == 20 else hashlib.shake_256(data).digest(size)
    data[offset:offset + size] = digest[:size]
    path.write_bytes(bytes(data))
    return True


@dataclass(frozen=True)
class Difference:
    #: the zip member that differs, or None where the archives differ outside every member
    member: str | None
    #: the first differing byte: in the member's content, or in the archive when member is None
    offset: int | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.member}" if self.member else "the archive"
        at = f" at byte {self.offset}" if self.offset is not None else ""
        return f"{where}{at}: {self.detail}"


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


_HEADER = ("date_time", "external_attr", "compress_type", "create_system", "extra", "comment", "flag_bits")


def compare_wheels(first: Path, second: Path) -> Difference | None:
    """None when the two files are byte-identical, else the first difference, member by member."""
    if sha256_file(first) == sha256_file(second):
        return None
    with zipfile.ZipFile(first) as za, zipfile.ZipFile(second) as zb:
        ia, ib = za.infolist(), zb.infolist()
        for n, (a, b) in enumerate(zip(ia, ib, strict=False)):
            if a.filename != b.filename:
                return Difference(a.filename, None, f"entry {n} is {a.filename} in the first, {b.filename} in the second")
            da, db = za.read(a), zb.read(b)
            if da != db:
                off = _first_difference(da, db)
                return Difference(a.filename, off, f"content differs ({len(da)} and {len(db)} bytes)")
            for attr in _HEADER:
                if getattr(a, attr) != getattr(b, attr):
                    return Difference(a.filename, None,
                                      f"zip header {attr} differs: {getattr(a, attr)!r} and {getattr(b, attr)!r}")
        if len(ia) != len(ib):
            longer, which = (ia, "first") if len(ia) > len(ib) else (ib, "second")
            extra = longer[min(len(ia), len(ib))].filename
            return Difference(extra, None, f"only the {which} wheel has it")
    off = _first_difference(first.read_bytes(), second.read_bytes())
    return Difference(None, off, "every member matches but the archive bytes differ (compression or zip headers)")


def _provenance(wheel: Path) -> dict[str, object]:
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/provenance.json")]
        if not names:
            return {}
        loaded = json.loads(zf.read(names[0]))
        return loaded if isinstance(loaded, dict) else {}


def changed_inputs(first: Path, second: Path) -> tuple[str, ...]:
    """The provenance fields that differ where the two wheels' build keys differ: the inputs changed
    between the builds (a commit to the recipe), so their wheels may rightly differ."""
    a, b = _provenance(first), _provenance(second)
    if not a or not b or a.get("build_key") == b.get("build_key"):
        return ()
    return tuple(sorted(k for k in {*a, *b} - {"build_key"} if a.get(k) != b.get(k)))


@dataclass(frozen=True)
class Comparison:
    wheel: str
    first: Path | None
    second: Path | None
    difference: Difference | None
    #: provenance fields that changed between the rounds (a differing build key): not a reproducibility fault
    changed: tuple[str, ...] = ()

    @property
    def identical(self) -> bool:
        return self.first is not None and self.second is not None and self.difference is None

    @property
    def sha256(self) -> tuple[str | None, str | None]:
        return (sha256_file(self.first) if self.first else None, sha256_file(self.second) if self.second else None)


@dataclass(frozen=True)
class Report:
    comparisons: tuple[Comparison, ...]
    folders: tuple[Path, Path]

    @property
    def identical(self) -> bool:
        return bool(self.comparisons) and all(c.identical for c in self.comparisons)


def _round_settings(settings: Settings, folder: Path) -> Settings:
    return dataclasses.replace(settings, work=folder / "work", wheelhouse=folder / "wheelhouse",
                               index=folder / "index")


def check(settings: Settings, build: Callable[[Settings], Sequence[Path]], *, base: Path | None = None,
          clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> Report:
    """Build twice with ``build`` (given each round's settings, returns the wheels it made) and compare.

    The rounds run in folders of different names and depths under ``base`` (default
    ``<work>/reproducible``), the second starting in a later second than the first; they
    share only the source cache. Every wheel either round made is compared by file name.
    """
    base = base or settings.work / "reproducible"
    folders = (base / "first", base / "second" / "round")
    shutil.rmtree(base, ignore_errors=True)
    made: list[dict[str, Path]] = []
    started = 0.0
    for folder in folders:
        while made and int(clock()) == int(started):  # "at different times": a later second at least
            sleep(0.2)
        started = clock()
        folder.mkdir(parents=True)
        made.append({w.name: w for w in build(_round_settings(settings, folder))})
    first, second = made
    out = []
    for name in sorted({*first, *second}):
        a, b = first.get(name), second.get(name)
        diff = compare_wheels(a, b) if a and b else Difference(name, None, "made by one round only")
        out.append(Comparison(name, a, b, diff, changed_inputs(a, b) if a and b and diff else ()))
    return Report(tuple(out), folders)

