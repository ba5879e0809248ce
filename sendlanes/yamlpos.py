"""YAML loading that remembers where every value came from.

Pydantic reports errors by location (``brands.0.lanes.2.smtp.port``); people fix files by line.
:func:`load_with_positions` returns the plain data together with a map from each key path to
its 1-based line, so every error can say ``Pulumi.prod.yaml:42: brands[0].lanes[2].smtp.port``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Positions:
    """Line numbers of the values of a loaded document, by key path."""

    lines: dict[PathKey, int]

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of *path*, or of its closest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


class _PositionLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _PositionLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain scalars", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_PositionLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _record_positions(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                child = (*path, key_node.value)
                # The key's line is where a person looks for "this field".
                lines[child] = key_node.start_mark.line + 1
                _record_positions(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_positions(item, (*path, index), lines)


def load_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse *text* as one YAML document; raise :class:`YamlSyntaxError` with its line."""
    try:
        loader = _PositionLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, Positions({})
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "invalid YAML"
        raise YamlSyntaxError(line, f"YAML syntax error: {problem}") from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(None, f"YAML error: {error}") from error
    except RecursionError as error:
        raise YamlSyntaxError(None, "YAML nesting is too deep") from error
    lines: dict[PathKey, int] = {}
    _record_positions(node, (), lines)
    return data, Positions(lines)
