from __future__ import annotations

import io
import time
from pathlib import Path

from farm.cli._printer import GitHubPrinter, PlainPrinter, TerminalPrinter, log_tail, printer


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_tail_is_the_latest_visible_line(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    assert log_tail(log) == ""  # not written yet
    log.write_bytes(b"x" * 10000 + b"\n[ 40%] Building C object a.o\n\x1b[32m[ 41%] Building C object b.o\x1b[0m\n\n")
    assert log_tail(log) == "[ 41%] Building C object b.o"
    log.write_bytes(b"downloading 10%\rdownloading 55%\r\n")
    assert log_tail(log) == "downloading 55%"
    assert log_tail(log, since=log.stat().st_size) == ""  # nothing written since


def test_terminal_shows_only_the_running_stages_lines(tmp_path: Path) -> None:
    log = tmp_path / "zlib.log"
    log.write_text("chmod 644 libz.so\n", encoding="utf-8")
    p = TerminalPrinter(_Tty(), width=200)
    p.log_file("zlib", log)
    p.stage("zlib", "pack")
    assert p.live_line().rstrip().endswith("s")  # elapsed time, no line of the compile stage
    p.close()


def test_printer_is_chosen_from_where_output_goes() -> None:
    assert isinstance(printer(io.StringIO(), {"GITHUB_ACTIONS": "true"}), GitHubPrinter)
    assert isinstance(printer(_Tty(), {"TERM": "xterm"}), TerminalPrinter)
    assert type(printer(io.StringIO(), {})) is PlainPrinter
    assert type(printer(_Tty(), {"TERM": "dumb"})) is PlainPrinter


def test_github_folds_each_recipes_stages(tmp_path: Path) -> None:
    out = io.StringIO()
    p = GitHubPrinter(out)
    p.stage_done("zlib", "unchanged", 0.0, "wheelfarm_zlib.whl")
    p.log_file("libtiff", tmp_path / "libtiff.log")
    for stage in ("fetch", "compile"):
        p.stage("libtiff", stage)
        p.stage_done("libtiff", stage, 1.5)
    p.stage("proj", "fetch")
    p.info("a note")
    p.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  zlib") and "unchanged" in lines[0]
    assert lines[1] == "::group::libtiff"
    assert f"log        {tmp_path / 'libtiff.log'}" in lines[2]
    assert "fetch" in lines[3] and lines[3].endswith("1.5s") and "compile" in lines[4]
    assert lines[5:] == ["::endgroup::", "::group::proj", "  note: a note", "::endgroup::"]


def test_terminal_shows_the_running_stage_alive(tmp_path: Path) -> None:
    log = tmp_path / "gdal.log"
    log.write_text("farm building gdal\n", encoding="utf-8")
    out = _Tty()
    p = TerminalPrinter(out, interval=0.01, width=200)
    p.log_file("gdal", log)
    p.stage("gdal", "compile")
    with log.open("a", encoding="utf-8") as fh:
        fh.write("[ 12%] Building CXX object ogr/ogr_geometry.cpp.o\n")
    start = p.running[2] if p.running else 0.0
    assert p.live_line(now=start + 61.25) == ("  gdal             compile      61.2s  "
                                              "[ 12%] Building CXX object ogr/ogr_geometry.cpp.o")
    with log.open("a", encoding="utf-8") as fh:
        fh.write("[ 13%] Linking CXX shared library libgdal.so\n")
    deadline = time.monotonic() + 5
    while "Linking" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "\r  gdal             compile " in out.getvalue() and "Linking CXX shared library" in out.getvalue()
    p.download(5_000_000, 10_000_000)
    assert "[###############...............]    5.0/10.0 MB" in p.live_line()
    p.stage_done("gdal", "compile", 600.0)
    p.close()
    text = out.getvalue()
    done = text.rsplit("\r\x1b[K", 1)[-1]
    assert done.startswith("  gdal             compile") and done.endswith("600.0s\n")
    assert p.live_line() == "" and p.ticker is None


def test_terminal_line_fits_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    p = TerminalPrinter(_Tty(), width=80)
    p.log_file("x", log)
    p.stage("x", "compile")
    log.write_text("y" * 500 + "\n", encoding="utf-8")
    assert len(p.live_line()) == 79
    p.close()
