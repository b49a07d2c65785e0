"""Every lint with its stable id. Ids never change meaning; retired ones are not reused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["CODES", "Code", "Severity"]


class Severity(str, Enum):
    ERROR = "error"
    HINT = "hint"


@dataclass(frozen=True)
class Code:
    id: str
    severity: Severity
    title: str
    fix: str  # what to do, appended to the message


_E, _H = Severity.ERROR, Severity.HINT

CODES: dict[str, Code] = {
    c.id: c
    for c in (
        Code("F001", _E, "invalid YAML", "fix the YAML syntax at that position"),
        Code("F002", _E, "unknown key", "rename or remove the key"),
        Code("F003", _E, "missing required field", "add the field"),
        Code("F004", _E, "wrong type", "give the field a value of the expected type"),
        Code("F005", _E, "invalid version", "use a PEP 440 version such as 1.2.13"),
        Code("F006", _E, "missing or malformed sha256", "put the artifact's sha256 (64 hex digits) in 'sha256'"),
        Code("F007", _E, "license is not SPDX", "use an SPDX license expression, e.g. MIT or BSD-3-Clause"),
        Code("F008", _E, "license file missing", "name the license file(s) of the source in about.license_file"),
        Code("F009", _E, "no maintainers", "list at least one GitHub handle under 'maintainers'"),
        Code("F010", _E, "no test", "add test.commands or test.python that exercise the library"),
        Code("F011", _E, "unknown host dependency",
             "add a recipe with that name, or declare the wheel under 'external' in recipes/pins.yaml"),
        Code("F012", _E, "dependency cycle", "remove one of the host requirements in the cycle"),
        Code("F013", _E, "build number missing", "add 'number: 0' under 'build'"),
        Code("F014", _E, "substitution fails", "define the variable under 'context' or fix the expression"),
        Code("F015", _E, "duplicate key", "keep one of the two keys"),
        Code("F016", _E, "name differs from folder", "name the folder recipes/<package.name>/"),
        Code("F017", _E, "patch file missing", "add the patch to the recipe folder or remove it from the list"),
        Code("F018", _E, "build script missing", "add the script file to the recipe folder"),
        Code("F019", _E, "invalid package name",
             "use lower-case letters, digits and '-' (it becomes the wheel's name)"),
        Code("F020", _E, "unknown build tool", "use one of the tools farm knows (see CONTRIBUTING.md)"),
        Code("F021", _E, "duplicate recipe name", "give each recipe its own package name"),
        Code("F022", _E, "invalid requirement", "write a name, optionally followed by a PEP 440 range"),
        Code("F023", _E, "source has no origin", "give the artifact a 'url' or a 'debian' origin"),
        Code("F024", _E, "no build script",
             "add build.script, or a 'python' section if the recipe builds a Python package from its sdist"),
        Code("F025", _E, "python range builds nothing",
             "write python.requires as a PEP 440 range that admits a version of recipes/pins.yaml's python list"),
        Code("F026", _E, "update source incomplete",
             "name one source under 'updates' (github, pypi, url or debian); debian needs suites, and a "
             "pattern must be a regular expression"),
        Code("F027", _E, "unknown CUDA major or component",
             "use the majors of recipes/pins.yaml's cuda section and their components (or nvcc)"),
        Code("F028", _E, "graft without a reason",
             "name the library by its soname (libgfortran.so.5) and say why no recipe provides it"),
        Code("H101", _H, "no homepage", "add about.homepage"),
        Code("H102", _H, "summary style", "keep about.summary to one line under 80 characters, no final period"),
        Code("H103", _H, "insecure URL", "use https:// for downloads"),
        Code("H104", _H, "nothing provided", "declare provides.sonames (and pkg_config, cmake, executables)"),
        Code("H105", _H, "run requirement on a host dependency",
             "drop it: run requirements on host dependencies are derived from their ABI policy"),
    )
}
