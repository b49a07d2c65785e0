"""``farm lint``: every problem of every recipe in one pass, each with a stable id and its place."""

from farm.lint.codes import CODES, Code, Severity
from farm.lint.diagnostic import Diagnostic
from farm.lint.run import lint_paths, lint_text

__all__ = ["CODES", "Code", "Diagnostic", "Severity", "lint_paths", "lint_text"]
