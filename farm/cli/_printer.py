"""How ``farm build`` shows its stages: one line per stage with right-aligned timings.

Three printers, chosen by :func:`printer` from where the output goes:

- a terminal: the running stage keeps one live line, rewritten by a ticker thread, with
  its elapsed time and the latest line of the build log (a ten-minute compile shows it is
  alive); downloads show a bar there;
- GitHub Actions (``GITHUB_ACTIONS=true``): each recipe's stages sit in a folded log group
  (``::group::`` ... ``::endgroup::``), as cibuildwheel folds each build;
- anything else (a file, a pipe): the finished stages' lines only.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

__all__ = ["GitHubPrinter", "PlainPrinter", "TerminalPrinter", "log_tail", "printer"]

#: how far from the end of the build log the live line looks for the latest line
_TAIL_BYTES = 4096
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0


def log_tail(path: Path | None, since: int = 0) -> str:
    """The build log's latest non-empty line written after byte ``since``, without terminal
    control sequences ("" if none)."""
    if path is None:
        return ""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(since, size - _TAIL_BYTES, 0))
            data = fh.read()
    except OSError:
        return ""
    for raw in reversed(data.decode("utf-8", errors="replace").split("\n")):
        # a progress bar redraws its line with carriage returns: what shows is after the last
        line = _ANSI.sub("", raw.rstrip("\r").rsplit("\r", 1)[-1])
        line = "".join(c if c.isprintable() else " " for c in line).strip()
        if line:
            return line
    return ""


def _done_line(recipe: str, name: str, seconds: float, note: str) -> str:
    line = f"  {recipe:<16} {name:<10} {note}"
    return f"{line:<64}{seconds:8.1f}s"


class PlainPrinter:
    """The finished stages, one line each; nothing that rewrites a line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def stage(self, recipe: str, name: str) -> None:
        pass

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None:
        self._write(_done_line(recipe, name, seconds, note) + "\n")

    def download(self, done: int, total: int | None) -> None:
        pass

    def info(self, message: str) -> None:
        self._write(f"  note: {message}\n")

    def log_file(self, recipe: str, path: Path) -> None:
        pass

    def close(self) -> None:
        pass


class GitHubPrinter(PlainPrinter):
    """Each recipe's stages in one folded group of the GitHub Actions log."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.group: str | None = None

    def _open(self, recipe: str) -> None:
        if self.group == recipe:
            return
        self._close_group()
        self._write(f"::group::{recipe}\n")
        self.group = recipe

    def _close_group(self) -> None:
        if self.group is not None:
            self._write("::endgroup::\n")
            self.group = None

    def stage(self, recipe: str, name: str) -> None:
        self._open(recipe)

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None:
        if name == "unchanged":  # nothing ran: no fold for one line
            self._close_group()
        super().stage_done(recipe, name, seconds, note)

    def log_file(self, recipe: str, path: Path) -> None:
        self._open(recipe)
        self._write(f"  {recipe:<16} log        {path}\n")

    def close(self) -> None:
        self._close_group()


class TerminalPrinter(PlainPrinter):
    """A live line for the running stage: its elapsed time and the build log's latest line.

    A ticker thread redraws the line every ``interval`` seconds while a stage runs; every
    write goes through one lock, so a finished stage's line never interleaves with it.
    """

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.25, width: int | None = None) -> None:
        super().__init__(stream)
        self.interval = interval
        self.width = width
        self.lock = threading.Lock()
        self.logs: dict[str, Path] = {}
        self.running: tuple[str, str, float] | None = None
        self.log_start = 0  # the log's size when the running stage started: it shows only its own lines
        self.downloaded: tuple[int, int | None] | None = None
        self.last_download = 0.0
        self.stop = threading.Event()
        self.ticker: threading.Thread | None = None
        self.live = False  # a live line is on screen

    # -- the live line -------------------------------------------------------------------
    def _columns(self) -> int:
        return self.width or shutil.get_terminal_size((100, 24)).columns

    def live_line(self, now: float | None = None) -> str:
        """What the live line shows now ("" when no stage runs)."""
        if self.running is None:
            return ""
        recipe, name, start = self.running
        elapsed = (time.monotonic() if now is None else now) - start
        head = f"  {recipe:<16} {name:<10} {elapsed:6.1f}s  "
        if self.downloaded is not None:
            done, total = self.downloaded
            if total:
                filled = int(30 * done / total)
                tail = f"[{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:6.1f}/{total / 1e6:.1f} MB"
            else:
                tail = f"{done / 1e6:6.1f} MB"
        else:
            tail = log_tail(self.logs.get(recipe), self.log_start)
        return (head + tail)[: max(self._columns() - 1, 20)]

    def _draw(self) -> None:  # with self.lock held
        line = self.live_line()
        if line:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self.live = True

    def _clear(self) -> None:  # with self.lock held
        if self.live:
            self.stream.write("\r\x1b[K")
            self.live = False

    def _tick(self) -> None:
        while not self.stop.wait(self.interval):
            with self.lock:
                self._draw()

    # -- the Reporter ----------------------------------------------------------------------
    def stage(self, recipe: str, name: str) -> None:
        with self.lock:
            self.running = (recipe, name, time.monotonic())
            self.log_start = _size(self.logs.get(recipe))
            self.downloaded = None
            self._draw()
        if self.ticker is None:
            self.ticker = threading.Thread(target=self._tick, name="farm-progress", daemon=True)
            self.ticker.start()

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None:
        with self.lock:
            self.running = None
            self.downloaded = None
            self._clear()
            self._write(_done_line(recipe, name, seconds, note) + "\n")

    def download(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        with self.lock:
            self.downloaded = (done, total)
            if now - self.last_download >= 0.1:
                self.last_download = now
                self._draw()

    def info(self, message: str) -> None:
        with self.lock:
            self._clear()
            self._write(f"  note: {message}\n")
            self._draw()

    def log_file(self, recipe: str, path: Path) -> None:
        with self.lock:
            self.logs[recipe] = path

    def close(self) -> None:
        self.stop.set()
        if self.ticker is not None:
            self.ticker.join()
            self.ticker = None
        with self.lock:
            self.running = None
            self._clear()
            self.stream.flush()


def printer(stream: TextIO | None = None, environ: Mapping[str, str] | None = None
            ) -> PlainPrinter:
    """The printer for ``stream`` (standard error): GitHub's folds on Actions, a live line on a terminal."""
    stream = stream or sys.stderr
    environ = os.environ if environ is None else environ
    if environ.get("GITHUB_ACTIONS") == "true":
        return GitHubPrinter(stream)
    if stream.isatty() and environ.get("TERM") != "dumb":
        return TerminalPrinter(stream)
    return PlainPrinter(stream)
