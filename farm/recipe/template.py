"""``${{ ... }}`` substitution and ``if:`` conditions, evaluated with a sandboxed jinja2."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import jinja2
import jinja2.sandbox

__all__ = ["TemplateError", "Templates", "evaluate_condition", "substitute"]

_WHOLE = re.compile(r"^\s*\$\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.S)


class TemplateError(ValueError):
    """A substitution or condition could not be evaluated."""


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """jinja2's and the expression's own errors as one TemplateError naming ``what``."""
    try:
        yield
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{exc.message} in {what}") from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, AttributeError, KeyError,
            IndexError) as exc:
        raise TemplateError(f"cannot evaluate {what}: {exc}") from None


class Templates:
    """One sandboxed environment; expressions see only the context they are given."""

    def __init__(self) -> None:
        self.env = jinja2.sandbox.ImmutableSandboxedEnvironment(
            variable_start_string="${{",
            variable_end_string="}}",
            block_start_string="${%",
            block_end_string="%}",
            comment_start_string="${#",
            comment_end_string="#}",
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        # compiled once per text: a catalog's recipes share most expressions (${{ version }})
        self._expressions: dict[str, Any] = {}
        self._strings: dict[str, jinja2.Template] = {}

    def expression(self, expr: str, context: Mapping[str, Any]) -> Any:
        with _translated(f"'{expr.strip()}'"):
            compiled = self._expressions.get(expr)
            if compiled is None:
                compiled = self._expressions[expr] = self.env.compile_expression(expr, undefined_to_none=False)
            return compiled(**context)

    def substitute(self, value: Any, context: Mapping[str, Any]) -> Any:
        """Substitute one value: ``"${{ x }}"`` alone keeps x's type, otherwise text."""
        if not isinstance(value, str) or "${{" not in value:
            return value
        whole = _WHOLE.match(value)
        if whole:
            result = self.expression(whole.group("expr"), context)
            if isinstance(result, jinja2.Undefined):
                name = getattr(result, "_undefined_name", None) or whole.group("expr").strip()
                raise TemplateError(f"'{name}' is undefined in {value!r}")
            return result
        with _translated(repr(value)):
            template = self._strings.get(value)
            if template is None:
                template = self._strings[value] = self.env.from_string(value)
            return template.render(**context)

    def condition(self, expr: object, context: Mapping[str, Any]) -> bool:
        if isinstance(expr, bool):
            return expr
        if not isinstance(expr, str):
            raise TemplateError(f"a condition must be an expression, not {expr!r}")
        whole = _WHOLE.match(expr)
        return bool(self.expression(whole.group("expr") if whole else expr, context))


_DEFAULT = Templates()


def substitute(value: Any, context: Mapping[str, Any]) -> Any:
    return _DEFAULT.substitute(value, context)


def evaluate_condition(expr: object, context: Mapping[str, Any]) -> bool:
    return _DEFAULT.condition(expr, context)
