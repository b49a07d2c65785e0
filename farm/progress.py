"""How the library reports progress without printing: a Reporter passed in by the caller."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

__all__ = ["NullReporter", "Reporter"]


class Reporter(Protocol):
    def stage(self, recipe: str, name: str) -> None: ...

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None: ...

    def download(self, done: int, total: int | None) -> None: ...

    def info(self, message: str) -> None: ...

    def log_file(self, recipe: str, path: Path) -> None:
        """The build log ``recipe``'s stages write to from now on (a printer may show its tail)."""
        ...


class NullReporter:
    def stage(self, recipe: str, name: str) -> None:
        pass

    def stage_done(self, recipe: str, name: str, seconds: float, note: str = "") -> None:
        pass

    def download(self, done: int, total: int | None) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def log_file(self, recipe: str, path: Path) -> None:
        pass
