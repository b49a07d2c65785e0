"""Debian source packages through the machine's own apt configuration.

farm never edits the system's apt set-up: it derives ``deb-src`` entries from the
machine's own ``deb`` entries into a private apt directory (in the cache) and runs
``apt-get source --download-only`` against it. The sha256 in the recipe, not the
Debian revision, decides whether the file is the right one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from farm.errors import FarmError

__all__ = ["AptSources", "DebianError", "derive_source_entries"]

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

    def stanza(self, suites: tuple[str, ...]) -> str:
        text = f"Types: deb-src\nURIs: {self.uri}\nSuites: {' '.join(suites)}\nComponents: {self.components}\n"
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


def derive_source_entries(apt_dir: Path = APT_DIR, suite: str | None = None) -> str:
    """``deb-src`` entries (deb822) mirroring every Debian ``deb`` entry the machine has.

    With ``suite`` (a release such as ``forky``), only that release, on the mirrors of the
    machine's own release entries (``bookworm``, not ``bookworm-security`` or
    ``bookworm-updates``): the same URI, components and key.
    """
    entries = _deb_entries(apt_dir)
    if suite is None:
        return "\n".join(e.stanza(e.suites) for e in entries)
    stanzas = dict.fromkeys(e.stanza((suite,)) for e in entries if any("-" not in s and "/" not in s for s in e.suites))
    return "\n".join(stanzas)


@dataclass(frozen=True)
class AptSources:
    """A private apt state in ``root`` able to download Debian source packages."""

    root: Path
    apt_dir: Path = APT_DIR
    #: a Debian release other than the machine's own (see :func:`derive_source_entries`)
    suite: str | None = None

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

    def prepare(self, *, refresh: bool = False) -> None:
        """Write the deb-src entries and run ``apt-get update`` (at most daily)."""
        if shutil.which("apt-get") is None:
            raise DebianError("apt-get not found: Debian sources need a Debian-based machine; use the url origin")
        entries = derive_source_entries(self.apt_dir, self.suite)
        if not entries:
            wanted = f"release entries (such as bookworm) to derive {self.suite!r} from" if self.suite else "entries"
            raise DebianError(f"no Debian 'deb' {wanted} in {self.apt_dir}; cannot derive deb-src entries")
        parts = self.root / "sources.list.d"
        for d in (parts, self.root / "state" / "lists" / "partial", self.root / "cache" / "archives" / "partial"):
            d.mkdir(parents=True, exist_ok=True)
        (self.root / "state" / "status").touch()
        target = parts / "farm-deb-src.sources"
        changed = not target.exists() or target.read_text(encoding="utf-8") != entries
        if changed:
            target.write_text(entries, encoding="utf-8")
        stamp = self.root / "updated"
        if not refresh and not changed and stamp.exists() and time.time() - stamp.stat().st_mtime < _STAMP_TTL:
            return
        result = subprocess.run(["apt-get", *self._options(), "update"], capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(no output)"]
            raise DebianError(f"apt-get update for source packages failed: {tail[0]}")
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
