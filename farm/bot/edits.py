"""Text edits of recipe.yaml and pins.yaml that keep every comment and the layout.

Nothing is re-dumped: each edit finds the value's exact span with the YAML composer's
marks and replaces (or inserts) only those characters, keeping the original quoting.
Every edit re-reads its result and checks the value landed, so a surprising layout is
an :class:`EditError`, never a silently wrong file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from farm.errors import FarmError

__all__ = [
    "EditError",
    "Edited",
    "add_variant_value",
    "bump_build_number",
    "drop_build_history",
    "migration_edit",
    "replace_item",
    "set_build_number",
    "set_host_bound",
    "set_in_mapping",
    "set_scalar",
    "set_source_sha256",
    "set_version",
]

Key = str | int


class EditError(FarmError, ValueError):
    """The file's layout does not allow this edit; the message says what to change by hand."""


@dataclass(frozen=True)
class Edited:
    text: str
    old: str | None
    new: str


def _compose(text: str, what: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise EditError(f"{what}: not valid YAML ({exc}); fix it first") from None
    if node is None:
        raise EditError(f"{what}: the file is empty")
    return node


def _child(node: yaml.Node, key: Key) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found: yaml.Node = v
                return found
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item: yaml.Node = node.value[key]
        return item
    return None


def _find(root: yaml.Node, path: tuple[Key, ...]) -> yaml.Node | None:
    node: yaml.Node | None = root
    for key in path:
        if node is None:
            return None
        node = _child(node, key)
    return node


def _dotted(path: tuple[Key, ...]) -> str:
    return ".".join(str(p) for p in path)


def _render(value: str, style: str | None) -> str:
    """``value`` as a YAML scalar in the original style, quoted where plain would change its type."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or style in ("|", ">"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "plain":
        return value
    try:
        reads_back = yaml.safe_load(value) == value
    except yaml.YAMLError:
        reads_back = False
    return value if reads_back and value and value.strip() == value and "#" not in value else \
        '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render_int(value: int, style: str | None) -> str:
    return str(value) if style is None else _render(str(value), style)


def _check(text: str, path: tuple[Key, ...], expected: str, what: str) -> None:
    node = _find(_compose(text, what), path)
    if not isinstance(node, yaml.ScalarNode) or node.value != expected:
        raise EditError(f"{what}: could not set {_dotted(path)} to {expected!r} by a text edit; edit it by hand")


def set_scalar(text: str, path: tuple[Key, ...], value: str | int, what: str = "file") -> Edited:
    """Replace the scalar at ``path`` (which must exist), keeping its quoting style."""
    node = _find(_compose(text, what), path)
    if node is None:
        raise EditError(f"{what}: {_dotted(path)} is missing")
    if not isinstance(node, yaml.ScalarNode):
        raise EditError(f"{what}: {_dotted(path)} is not a plain value")
    new = _render_int(value, node.style) if isinstance(value, int) else _render(value, node.style)
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        end = start + len(text[start:end].rstrip("\n"))
    out = text[:start] + new + text[end:]
    _check(out, path, str(value), what)
    return Edited(out, node.value, str(value))


def _line_end(text: str, index: int) -> int:
    """Index just past the newline of the line holding ``index`` (or the end of the text)."""
    nl = text.find("\n", index)
    return len(text) if nl < 0 else nl + 1


def _last_scalar(node: yaml.Node) -> yaml.Node:
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _block_lines(key: str, value: str | Mapping[str, Any], indent: int, style: str | None) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        lines = [f"{pad}{key}:"]
        for k, v in value.items():
            lines += _block_lines(str(k), v, indent + 2, style)
        return lines
    return [f"{pad}{key}: {_render(str(value), style)}"]


def _sibling_style(nodes: list[yaml.Node], value: str) -> str | None:
    """Quote a new value like its first scalar sibling; plain only where plain keeps its meaning."""
    first = next((n for n in nodes if isinstance(n, yaml.ScalarNode)), None)
    if first is None or first.style is not None:
        return first.style if first is not None else None
    try:
        same_type = type(yaml.safe_load(first.value)) is type(yaml.safe_load(value))
    except yaml.YAMLError:
        same_type = False
    return "plain" if same_type else None


def set_in_mapping(text: str, path: tuple[Key, ...], key: str, value: str | Mapping[str, Any],
                   what: str = "file") -> Edited:
    """Set ``key`` of the block mapping at ``path``: replace its scalar, or add a line after the last entry."""
    root = _compose(text, what)
    mapping = _find(root, path)
    if mapping is None:
        if not path:
            raise EditError(f"{what}: the file is not a mapping")
        parent = _find(root, path[:-1])
        if not isinstance(parent, yaml.MappingNode) or not isinstance(path[-1], str):
            raise EditError(f"{what}: {_dotted(path)} is missing and cannot be added here")
        return set_in_mapping(text, path[:-1], path[-1], {key: value}, what)
    if not isinstance(mapping, yaml.MappingNode):
        raise EditError(f"{what}: {_dotted(path)} is not a mapping")
    existing = _child(mapping, key)
    if existing is not None and not isinstance(value, Mapping):
        return set_scalar(text, (*path, key), str(value), what)
    if existing is not None and isinstance(value, Mapping):
        out = text
        for k, v in value.items():
            out = set_in_mapping(out, (*path, key), str(k), v, what).text
        return Edited(out, None, str(dict(value)))
    if mapping.flow_style or not mapping.value:
        raise EditError(f"{what}: {_dotted(path) or 'the file'} is written inline ({{...}}); write it as a block "
                        "mapping so the bot can add to it")
    indent = mapping.value[0][0].start_mark.column
    at = _line_end(text, _last_scalar(mapping).end_mark.index)
    if at == len(text) and not text.endswith("\n"):
        text += "\n"
        at = len(text)
    quoted = _sibling_style([v for _, v in mapping.value], "")
    lines = _block_lines(key, value, indent, quoted if quoted in ("'", '"') else None)
    out = text[:at] + "\n".join(lines) + "\n" + text[at:]
    if not isinstance(value, Mapping):
        _check(out, (*path, key), str(value), what)
    return Edited(out, None, str(value))


def set_build_number(text: str, number: int, what: str = "recipe.yaml") -> Edited:
    node = _find(_compose(text, what), ("build", "number"))
    if not isinstance(node, yaml.ScalarNode) or not re.fullmatch(r"\d+", node.value):
        raise EditError(f"{what}: build.number is not a literal whole number; the bot only edits literal numbers")
    return set_scalar(text, ("build", "number"), number, what)


_HISTORY = re.compile(r"^\s*#\s*\d+\s*:")


def drop_build_history(text: str, what: str = "recipe.yaml") -> Edited:
    """Remove the build number's history (the comments ``# 1: rebuilt against ...`` right above
    ``build.number``): a new upstream version starts its builds at 0, and the old release's
    reasons no longer describe what is built. A comment above the first numbered one stays."""
    node = _find(_compose(text, what), ("build", "number"))
    if node is None:
        return Edited(text, None, "")
    lines = text.splitlines(keepends=True)
    at = node.start_mark.line  # the line of `number:` (its key starts the line)
    top = at
    while top > 0 and lines[top - 1].lstrip().startswith("#"):
        top -= 1
    first = next((i for i in range(top, at) if _HISTORY.match(lines[i])), None)
    if first is None:
        return Edited(text, None, "")
    return Edited("".join(lines[:first] + lines[at:]), "".join(lines[first:at]), "")


def bump_build_number(text: str, by: int = 1, what: str = "recipe.yaml") -> Edited:
    node = _find(_compose(text, what), ("build", "number"))
    if not isinstance(node, yaml.ScalarNode) or not re.fullmatch(r"\d+", node.value):
        raise EditError(f"{what}: build.number is not a literal whole number; the bot only edits literal numbers")
    return set_scalar(text, ("build", "number"), int(node.value) + by, what)


_REF = re.compile(r"^\s*\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$")


def set_version(text: str, version: str, what: str = "recipe.yaml") -> Edited:
    """Set the upstream version where it is written: ``package.version``, or the context value it names."""
    root = _compose(text, what)
    node = _find(root, ("package", "version"))
    if not isinstance(node, yaml.ScalarNode):
        raise EditError(f"{what}: package.version is missing")
    ref = _REF.match(node.value)
    if ref is None:
        if "${{" in node.value:
            raise EditError(f"{what}: package.version is an expression; write it as ${{{{ version }}}} "
                            "with the version under context")
        return set_scalar(text, ("package", "version"), version, what)
    target = ("context", ref.group(1))
    ctx = _find(root, target)
    if not isinstance(ctx, yaml.ScalarNode) or "${{" in ctx.value:
        raise EditError(f"{what}: package.version refers to context.{ref.group(1)}, which is not a plain value")
    return set_scalar(text, target, version, what)


def set_source_sha256(text: str, index: int, sha256: str, what: str = "recipe.yaml") -> Edited:
    return set_scalar(text, ("source", index, "sha256"), sha256, what)


_BOUND = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<op>>=|==|~=)\s*(?P<version>[0-9][^,\s]*)\s*$")


def set_host_bound(text: str, name: str, version: str, what: str = "recipe.yaml") -> Edited | None:
    """Raise the lower bound of host requirement ``name`` (``zlib >=1.2.13``) to ``version``.

    Returns None when the recipe writes no single-clause bound for ``name`` (the usual,
    unversioned case: the global pin decides). Conditional entries are left alone.
    """
    node = _find(_compose(text, what), ("requirements", "host"))
    if not isinstance(node, yaml.SequenceNode):
        return None
    out: Edited | None = None
    for i, item in enumerate(node.value):
        if not isinstance(item, yaml.ScalarNode):
            continue
        m = _BOUND.match(item.value)
        if not m or m.group("name").lower() != name:
            continue
        suffix = ".*" if m.group("version").endswith(".*") and m.group("op") == "==" else ""
        new = f"{m.group('name')} {m.group('op')}{version}{suffix}"
        out = set_scalar(out.text if out else text, ("requirements", "host", i), new, what)
    return out


def add_variant_value(text: str, axis: str, value: str, what: str = "recipe.yaml") -> Edited | None:
    """Append ``value`` to the variant axis ``build.variants.<axis>``; None when it is already there."""
    node = _find(_compose(text, what), ("build", "variants", axis))
    if not isinstance(node, yaml.SequenceNode):
        raise EditError(f"{what}: build.variants.{axis} is not a list")
    if any(isinstance(v, yaml.ScalarNode) and v.value == value for v in node.value):
        return None
    rendered = _render(value, _sibling_style(node.value, value))
    if node.flow_style:
        close = node.end_mark.index - 1
        sep = ", " if node.value else ""
        out = text[:close] + sep + rendered + text[close:]
    else:
        first = node.value[0]
        dash = text.rfind("-", 0, first.start_mark.index)
        indent = dash - (text.rfind("\n", 0, dash) + 1)
        at = _line_end(text, _last_scalar(node).end_mark.index)
        out = text[:at] + " " * indent + "- " + rendered + "\n" + text[at:]
    check = _find(_compose(out, what), ("build", "variants", axis))
    if not isinstance(check, yaml.SequenceNode) or check.value[-1].value != value:
        raise EditError(f"{what}: could not add {value!r} to build.variants.{axis}; edit it by hand")
    return Edited(out, None, value)


def migration_edit(text: str, *, bump: int, pins: Mapping[str, str], variants: Mapping[str, tuple[str, ...]],
                   what: str = "recipe.yaml") -> str:
    """A migration's change to one recipe: the build number grows; explicit host bounds on a
    migrated pin move to the new version; new variant values are added to their axis."""
    out = bump_build_number(text, bump, what).text
    for name, version in pins.items():
        edited = set_host_bound(out, name, version, what)
        if edited is not None:
            out = edited.text
    root = _compose(out, what)
    for axis, values in variants.items():
        if _find(root, ("build", "variants", axis)) is None:
            continue
        for value in values:
            added = add_variant_value(out, axis, value, what)
            if added is not None:
                out = added.text
    return out


class _IndentedDumper(yaml.SafeDumper):
    """Lists inside a mapping indented under their key, as the recipes write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def replace_item(text: str, path: tuple[Key, ...], item: Mapping[str, Any], comments: tuple[str, ...] = (),
                 what: str = "recipe.yaml") -> Edited:
    """Replace the block sequence item at ``path`` (``("source", 0)``) with ``item``, written anew.

    Comments inside the old item go with it; ``comments`` are written as the item's last lines.
    """
    if not path or not isinstance(path[-1], int):
        raise EditError(f"{what}: {_dotted(path)} is not a list item")
    root = _compose(text, what)
    seq = _find(root, path[:-1])
    node = _find(root, path)
    if not isinstance(seq, yaml.SequenceNode) or seq.flow_style or node is None:
        raise EditError(f"{what}: {_dotted(path)} is not an item of a block list; edit it by hand")
    dash = text.rfind("-", 0, node.start_mark.index)
    line_start = text.rfind("\n", 0, dash) + 1
    if dash < 0 or text[line_start:dash].strip():
        raise EditError(f"{what}: {_dotted(path)} does not start its own line; edit it by hand")
    pad = " " * (dash - line_start)
    dumped = yaml.dump([dict(item)], Dumper=_IndentedDumper, sort_keys=False, default_flow_style=False, width=10_000,
                       allow_unicode=True)
    lines = [pad + line for line in dumped.splitlines()]
    lines += [f"{pad}  # {c}" for c in comments]
    end = _line_end(text, _last_scalar(node).end_mark.index)
    out = text[:line_start] + "\n".join(lines) + "\n" + text[end:]
    if yaml.safe_load(out) is None or _find(_compose(out, what), path) is None:
        raise EditError(f"{what}: could not rewrite {_dotted(path)} by a text edit; edit it by hand")
    return Edited(out, None, str(dict(item)))
