"""YAML loading that remembers where every key and value came from.

Recipes stay plain YAML; lints and errors still point at ``file:line:col``.
A document is loaded into ordinary Python values plus a :class:`Locations`
table keyed by the path of each value (``("source", 0, "sha256")``).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Located", "Locations", "Position", "YamlError", "load_yaml", "Path_"]

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class Locations:
    """Where each value (and each mapping key) of a document starts."""

    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)
    duplicates: list[tuple[Path_, Position]] = field(default_factory=list)

    def of(self, path: Path_) -> Position:
        """The closest known position for ``path``: itself, else its nearest parent."""
        while True:
            pos = self.values.get(path) or self.keys.get(path)
            if pos is not None or not path:
                return pos or Position(1, 1)
            path = path[:-1]

    def key(self, path: Path_) -> Position:
        """Where the key that names ``path`` stands (falls back to the value)."""
        return self.keys.get(path) or self.of(path)


@dataclass(frozen=True)
class Located:
    data: Any
    locations: Locations
    file: Path


class YamlError(ValueError):
    """The text is not valid YAML; carries the position of the problem."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.position = position


def _pos(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.locations = Locations()

    def build(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        if depth > 200:
            raise YamlError("document nests too deeply", _pos(node))
        self.locations.values[path] = _pos(node)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    raise YamlError("a mapping key must be a plain value", _pos(key_node))
                # keys are compared as text: a recipe's keys are names
                key = key if isinstance(key, (str, int)) else str(key)
                child = (*path, key)
                if key in out:
                    self.locations.duplicates.append((child, _pos(key_node)))
                self.locations.keys[child] = _pos(key_node)
                out[key] = self.build(value_node, child, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def load_yaml(text: str, file: Path) -> Located:
    """Parse one YAML document, keeping positions. Raises :class:`YamlError`.

    libyaml's parser (PyYAML's C loader) reads a valid document ten times faster than the
    pure-Python one and yields the same nodes and marks; any document it refuses is read
    again by the pure-Python parser, whose messages are the ones a user sees.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            yaml.reader.Reader(text)  # the pure reader's character check: its errors, its wording
            return _load(fast(text), file)
        except (yaml.YAMLError, RecursionError):
            pass
    return _load_checked(text, file)


def _load(loader: Any, file: Path) -> Located:
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(None, Locations(), file)
        builder = _Builder(loader)
        return Located(builder.build(node, ()), builder.locations, file)
    finally:
        loader.dispose()


def _load_checked(text: str, file: Path) -> Located:
    """The pure-Python parser, turning its errors into :class:`YamlError` with a position."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        raise YamlError(f"invalid YAML: {exc.reason} (character {exc.character!r})", Position(1, 1)) from None
    try:
        return _load(loader, file)
    except yaml.reader.ReaderError as exc:
        raise YamlError(f"invalid YAML: {exc.reason} (character {exc.character!r})", Position(1, 1)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        raise YamlError(f"invalid YAML: {exc.problem or exc.context}", pos) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", Position(1, 1)) from None
    except RecursionError:
        raise YamlError("invalid YAML: document nests too deeply", Position(1, 1)) from None
