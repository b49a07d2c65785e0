"""Debian source packages through the machine's own apt configuration.

farm never edits the system's apt set-up: it derives ``deb-src`` entries from the
machine's own ``deb`` entries into a private apt directory (in the cache) and runs
``apt-get source --download-only`` against it. The sha256 in the recipe, not the
Debian revision, decides whether the file is the right one.

The bot reads the archive through :class:`SourceArchive` (the versions a suite offers, and
a version's ``.dsc`` with its files): :class:`AptArchive` is the real one, on the same
private apt state the fetcher uses; tests hand in a fake. :func:`upstream_version` turns a
Debian version into upstream's, and :func:`dsc_files` / :func:`orig_tarball` read a ``.dsc``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from farm.errors import FarmError

__all__ = [
    "AptArchive",
    "AptSources",
    "DebianError",
    "DebianVersion",
    "SourceArchive",
    "debian_newer",
    "derive_source_entries",
    "dsc_files",
    "orig_tarball",
    "parse_control",
    "upstream_version",
]

APT_DIR = Path("/etc/apt")
_STAMP_TTL = 24 * 3600


class DebianError(FarmError, RuntimeError):
    """apt-get could not provide a Debian source package."""


@dataclass(frozen=True)
class _Entry:
    uri: str
    suites: tuple[str, ...]
    components: str
    signed_by: str | None

    def stanza(self, suites: tuple[str, ...], kind: str = "deb-src", components: str | None = None) -> str:
        text = (f"Types: {kind}\nURIs: {self.uri}\nSuites: {' '.join(suites)}\n"
                f"Components: {components or self.components}\n")
        return text + (f"Signed-By: {self.signed_by}\n" if self.signed_by else "")


def _deb_entries(apt_dir: Path) -> list[_Entry]:
    """Every enabled ``deb`` entry of the machine, from both one-line and deb822 files."""
    entries: list[_Entry] = []
    one_line = re.compile(r"^\s*deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)\s+(?P<comps>.+)$")
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for f in files:
        if not f.is_file():
            continue
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            m = one_line.match(line.split("#", 1)[0])
            if m:
                signed = re.search(r"signed-by=(\S+)", m.group("opts") or "")
                entries.append(_Entry(m.group("uri"), (m.group("suite"),), m.group("comps").strip(),
                                      signed.group(1) if signed else None))
    for f in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for block in re.split(r"\n\s*\n", f.read_text(encoding="utf-8", errors="replace")):
            fields = {}
            for line in block.splitlines():
                if ":" in line and not line.lstrip().startswith("#"):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes") == "no":
                continue
            entries.extend(_Entry(uri, tuple(fields.get("suites", "").split()), fields.get("components", ""),
                                  fields.get("signed-by")) for uri in fields.get("uris", "").split())
    return entries


def derive_source_entries(apt_dir: Path = APT_DIR, suite: str | None = None, *, kind: str = "deb-src",
                          components: str | None = None) -> str:
    """``deb-src`` entries (deb822) mirroring every Debian ``deb`` entry the machine has.

    With ``suite`` (a release such as ``forky``), only that release, on the mirrors of the
    machine's own release entries (``bookworm``, not ``bookworm-security`` or
    ``bookworm-updates``): the same URI, components and key.

    ``kind="deb"`` derives binary entries instead (for unpacking tools, see :mod:`farm.debtools`),
    and ``components`` (such as ``non-free``) replaces the machine's own components.
    """
    entries = _deb_entries(apt_dir)
    if suite is None:
        return "\n".join(e.stanza(e.suites, kind, components) for e in entries)
    stanzas = dict.fromkeys(e.stanza((suite,), kind, components)
                            for e in entries if any("-" not in s and "/" not in s for s in e.suites))
    return "\n".join(stanzas)


@dataclass(frozen=True)
class AptSources:
    """A private apt state in ``root`` able to download Debian source packages.

    With ``kind="deb"`` its entries are binary ones (``.deb`` packages, for :mod:`farm.debtools`).
    """

    root: Path
    apt_dir: Path = APT_DIR
    #: a Debian release other than the machine's own (see :func:`derive_source_entries`)
    suite: str | None = None
    #: the entries' type: ``deb-src`` (source packages) or ``deb`` (binary packages)
    kind: str = "deb-src"
    #: components replacing the machine's own (``non-free``); None keeps them
    components: str | None = None

    def command(self, tool: str, *args: str) -> list[str]:
        """``tool`` (``apt-get``, ``apt-cache``) with ``args``, run against this private state."""
        return [tool, *self._options(), *args]

    def _options(self) -> list[str]:
        r = self.root
        return [
            "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", f"Dir::Etc::SourceParts={r / 'sources.list.d'}",
            "-o", f"Dir::State={r / 'state'}",
            "-o", f"Dir::State::status={r / 'state' / 'status'}",
            "-o", f"Dir::Cache={r / 'cache'}",
            "-o", "Debug::NoLocking=1",
            "-o", "APT::Sandbox::User=root",
            "-q",
        ]

    def prepare(self, *, refresh: bool = False,
                run: Callable[..., subprocess.CompletedProcess[str]] | None = None) -> None:
        """Write the deb-src (or deb) entries and run ``apt-get update`` (at most daily), through ``run``."""
        if shutil.which("apt-get") is None:
            raise DebianError("apt-get not found: Debian sources need a Debian-based machine; use the url origin")
        entries = derive_source_entries(self.apt_dir, self.suite, kind=self.kind, components=self.components)
        if not entries:
            wanted = f"release entries (such as bookworm) to derive {self.suite!r} from" if self.suite else "entries"
            raise DebianError(f"no Debian 'deb' {wanted} in {self.apt_dir}; cannot derive {self.kind} entries")
        parts = self.root / "sources.list.d"
        for d in (parts, self.root / "state" / "lists" / "partial", self.root / "cache" / "archives" / "partial"):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "state" / "status").touch()
        target = parts / f"farm-{self.kind}.sources"
        changed = not target.exists() or target.read_text(encoding="utf-8") != entries
        if changed:
            target.write_text(entries, encoding="utf-8")
        stamp = self.root / "updated"
        if not refresh and not changed and stamp.exists() and time.time() - stamp.stat().st_mtime < _STAMP_TTL:
            return
        result = (run or subprocess.run)(["apt-get", *self._options(), "update"], capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            what = "source packages" if self.kind == "deb-src" else "binary packages"
            raise DebianError(f"apt-get update for {what} failed: {tail[0]}")
        stamp.touch()

    def versions(self, package: str) -> list[str]:
        """The versions of source package ``package`` the entries offer, in apt's listing order."""
        result = subprocess.run(["apt-cache", *self._options(), "showsrc", "--only-source", package],
                                capture_output=True, text=True)
        found = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if line.startswith("Version:")]
        return list(dict.fromkeys(found))

    def download(self, package: str, file: str, dest: Path, version: str | None = None) -> Path:
        """Download ``package``'s source files and return ``file`` from them, moved to ``dest``.

        Without a ``version``, apt takes the newest; when that one's files cannot be had (a
        security pool the mirror lacks), each version the entries list is tried in turn: revisions of one
        release share their orig tarball, and the caller checks its sha256 whichever came.
        """
        self.prepare()
        if version:
            return self._download(f"{package}={version}", file, dest)
        try:
            return self._download(package, file, dest)
        except DebianError as first:
            for other in self.versions(package):
                try:
                    return self._download(f"{package}={other}", file, dest)
                except DebianError:
                    continue
            raise first from None

    def _download(self, spec: str, file: str, dest: Path) -> Path:
        with tempfile.TemporaryDirectory(prefix="farm-apt-") as tmp:
            result = subprocess.run(
                ["apt-get", *self._options(), "source", "--download-only", spec],
                cwd=tmp, capture_output=True, text=True,
            )
            got = Path(tmp) / file
            # apt may fail on another file of the package (a mirror without the .dsc); the file
            # asked for, if it came, is checked against the recipe's sha256 by the caller
            if not got.is_file():
                listing = ", ".join(sorted(p.name for p in Path(tmp).iterdir())) or "nothing"
                err = (result.stderr.strip().splitlines() or ["no error output"])[-1]
                raise DebianError(
                    f"apt-get source {spec} did not provide {file} (got {listing}; {err}); "
                    "check the debian package/file names in the recipe"
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(got), dest)
            return dest

    def record(self, package: str, version: str) -> str:
        """The source index's stanza of ``package`` ``version`` (``apt-cache showsrc``): the .dsc's fields, signed by the suite."""
        self.prepare()
        result = subprocess.run(["apt-cache", *self._options(), "showsrc", "--only-source", package],
                                capture_output=True, text=True)
        for block in re.split(r"\n\s*\n", result.stdout):
            if re.search(rf"(?m)^Version: {re.escape(version)}$", block):
                return block + "\n"
        raise DebianError(f"the source index lists no {package} {version}")

    def download_source(self, package: str, version: str, dest: Path) -> tuple[Path, ...]:
        """Download what the mirror has of ``package=version``'s files (.dsc, tarballs) into ``dest``.

        A mirror may lack some of them (apt then fails on those); the caller checks that the
        files it needs came, against the sha256 of the signed source index.
        """
        self.prepare()
        dest.mkdir(parents=True, exist_ok=True)
        spec = f"{package}={version}"
        result = subprocess.run(["apt-get", *self._options(), "source", "--download-only", spec],
                                cwd=dest, capture_output=True, text=True)
        got = tuple(sorted(p for p in dest.iterdir() if p.is_file()))
        if not got:
            err = ((result.stderr or result.stdout).strip().splitlines() or ["no error output"])[-1]
            raise DebianError(f"apt-get source {spec} provided nothing ({err})")
        return got


# --- Debian versions and .dsc files --------------------------------------------------------

#: a repack marker Debian appends to the upstream version (``+dfsg``, ``.dfsg1``, ``~ds``, ``+repack2``)
_REPACK = re.compile(r"[+.~](?:dfsg|ds|repack)\d*$", re.IGNORECASE)
_PRE = re.compile(r"~(?:rc|beta|alpha|pre|a|b)\.?\d*", re.IGNORECASE)


@dataclass(frozen=True)
class DebianVersion:
    """A Debian version taken apart: ``1:1.2.13.dfsg-1+deb12u1``."""

    debian: str
    #: the upstream part as Debian writes it (``1.2.13.dfsg``): what the orig tarball is named by
    written: str
    #: upstream's own version (``1.2.13``; ``3.0.0~rc1`` becomes ``3.0.0rc1``)
    upstream: str
    repacked: bool
    prerelease: bool


def upstream_version(debian: str) -> DebianVersion:
    """Drop the epoch (``N:``), the ``-revision`` and a repack suffix; ``~rc``/``~beta`` mark a pre-release.

    ``X+reallyY`` (Debian's way to ship upstream ``Y`` under a version that sorts after ``X``)
    is upstream ``Y``, repacked when ``X`` says so.
    """
    text = debian.strip()
    if re.match(r"^\d+:", text):
        text = text.split(":", 1)[1]
    if "-" in text:
        text = text.rsplit("-", 1)[0]
    written = text
    repacked = False
    if "+really" in text:  # Debian's way to go back (or on) to another upstream: 1.3.dfsg+really1.3.1
        before, _, text = text.rpartition("+really")
        repacked = _REPACK.search(before) is not None or re.search(r"[+.~](?:dfsg|ds|repack)", before) is not None
    while (m := _REPACK.search(text)) is not None:
        text, repacked = text[: m.start()], True
    prerelease = _PRE.search(text) is not None
    return DebianVersion(debian, written, text.replace("~", ""), repacked, prerelease)


def _dpkg_order(c: str) -> int:
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _dpkg_cmp(a: str, b: str) -> int:
    """dpkg's comparison of one version part (upstream or revision)."""
    i = j = 0
    while i < len(a) or j < len(b):
        na = re.match(r"\D*", a[i:]).group(0)  # type: ignore[union-attr]
        nb = re.match(r"\D*", b[j:]).group(0)  # type: ignore[union-attr]
        for x, y in zip(na + "\0" * max(0, len(nb) - len(na)), nb + "\0" * max(0, len(na) - len(nb)), strict=True):
            ox = 0 if x == "\0" else _dpkg_order(x)
            oy = 0 if y == "\0" else _dpkg_order(y)
            if ox != oy:
                return -1 if ox < oy else 1
        i, j = i + len(na), j + len(nb)
        da = re.match(r"\d*", a[i:]).group(0)  # type: ignore[union-attr]
        db = re.match(r"\d*", b[j:]).group(0)  # type: ignore[union-attr]
        if int(da or 0) != int(db or 0):
            return -1 if int(da or 0) < int(db or 0) else 1
        i, j = i + len(da), j + len(db)
    return 0


def _split(version: str) -> tuple[int, str, str]:
    """``(epoch, upstream, revision)`` of a Debian version."""
    epoch, _, rest = version.rpartition(":") if ":" in version else ("0", "", version)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0), upstream, revision


def debian_newer(a: str, b: str) -> bool:
    """Is Debian version ``a`` newer than ``b``, in dpkg's order (``~`` before anything, letters before other signs)?"""
    ea, ua, ra = _split(a)
    eb, ub, rb = _split(b)
    if ea != eb:
        return ea > eb
    return (_dpkg_cmp(ua, ub) or _dpkg_cmp(ra, rb)) > 0


def parse_control(text: str) -> list[dict[str, str]]:
    """deb822 stanzas (a Sources index, a ``.dsc``, ``apt-cache showsrc``); field names lower-cased.

    Continuation lines are kept, one per line; a PGP signature's armour is skipped.
    """
    stanzas: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line.startswith("-----BEGIN PGP SIGNATURE"):
            break
        if line.startswith("-----BEGIN PGP") or (line.startswith("Hash:") and not fields):
            continue
        if not line.strip():
            if fields:
                stanzas.append(fields)
            fields, key = {}, ""
            continue
        if line[0] in " \t" and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            fields[key] = value.strip()
    if fields:
        stanzas.append(fields)
    return stanzas


def dsc_files(text: str) -> dict[str, str]:
    """file name -> sha256, from a ``.dsc``'s (or a Sources stanza's) ``Checksums-Sha256`` field."""
    stanza = next((s for s in parse_control(text) if "checksums-sha256" in s), None)
    if stanza is None:
        raise DebianError("the .dsc has no Checksums-Sha256 field")
    out: dict[str, str] = {}
    for line in stanza["checksums-sha256"].splitlines():
        parts = line.split()
        if len(parts) == 3 and re.fullmatch(r"[0-9a-f]{64}", parts[0]):
            out[parts[2]] = parts[0]
    return out


def orig_tarball(files: Mapping[str, str]) -> str | None:
    """The main upstream tarball (``<pkg>_<version>.orig.tar.<ext>``) among a .dsc's files; None for a native package."""
    found = sorted(f for f in files if re.search(r"\.orig\.tar\.[a-z0-9]+$", f))
    return found[0] if found else None


class SourceArchive(Protocol):
    """Debian's source archive as the bot reads it; :class:`AptArchive` is the real one."""

    def versions(self, package: str, suite: str) -> tuple[str, ...]:
        """Every version of source package ``package`` that ``suite`` offers (none: empty)."""
        ...

    def record(self, package: str, version: str, suite: str) -> str:
        """``suite``'s source index stanza of ``package`` ``version`` (with its ``Checksums-Sha256``)."""
        ...

    def fetch(self, package: str, version: str, suite: str, dest: Path) -> tuple[Path, ...]:
        """Download what the mirror has of ``package=version``'s files into ``dest``; the paths that came."""
        ...


@dataclass(frozen=True)
class AptArchive:
    """The archive through one private apt state per suite under ``root`` (the source cache's, shared with fetching)."""

    root: Path
    apt_dir: Path = APT_DIR

    def _apt(self, suite: str) -> AptSources:
        return AptSources(self.root / f"apt-{suite}", self.apt_dir, suite)

    def versions(self, package: str, suite: str) -> tuple[str, ...]:
        apt = self._apt(suite)
        apt.prepare()
        return tuple(apt.versions(package))

    def record(self, package: str, version: str, suite: str) -> str:
        return self._apt(suite).record(package, version)

    def fetch(self, package: str, version: str, suite: str, dest: Path) -> tuple[Path, ...]:
        return self._apt(suite).download_source(package, version, dest)
