"""One lint finding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from farm.lint.codes import CODES, Severity

__all__ = ["Diagnostic"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: Path
    line: int
    col: int
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def fix(self) -> str:
        return CODES[self.code].fix

    def format(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.code} {self.severity.value}: {self.message} ({self.fix})"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }
