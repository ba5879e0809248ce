"""YAML loading that remembers where every value came from.

Pydantic reports errors by location (``brands.0.lanes.2.smtp.port``); people fix files by line.
:func:`load_with_positions` returns the plain data together with a map from each key path to
its 1-based line, so every error can say ``Pulumi.prod.yaml:42: brands[0].lanes[2].smtp.port``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from sendlanes.collector import collector_paused

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


# libyaml's parser (PyYAML's C extension) builds the node tree several times faster than the
# pure-Python one, with the same marks (lines); the pure-Python loader remains the fallback.
if TYPE_CHECKING:
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# PyYAML's resolver (the stubs leave it untyped); neither loader overrides it.
_resolve_tag: Callable[[Any, Any, Any, Any], str] = yaml.resolver.BaseResolver.resolve


class _PositionLoader(_BaseLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A plain scalar's tag depends on its text alone (no path resolvers here), and stack
        # files repeat the same few hundred texts thousands of times: match the regexes once.
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = _resolve_tag(self, kind, value, implicit)
            return tag
        return _resolve_tag(self, kind, value, implicit)


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


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG


def _build(
    loader: _PositionLoader, node: yaml.Node, path: PathKey, lines: dict[PathKey, int]
) -> Any:
    """Construct *node* and record the line of every value in it, in one walk.

    Equivalent to ``construct_document`` followed by a second walk recording each node's line,
    in a single pass; strings, lists and mappings skip the constructor's dispatch.
    """
    lines.setdefault(path, node.start_mark.line + 1)
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    if tag == _SEQ_TAG and isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    if tag == _MAP_TAG and isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR_TAG:
                key = key_node.value
            else:
                key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain scalars", key_node.start_mark
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            child = (*path, key_node.value)
            # The key's line is where a person looks for "this field".
            lines[child] = key_node.start_mark.line + 1
            mapping[key] = _build(loader, value_node, child, lines)
        return mapping
    # Other scalars (int, bool, null, dates) and explicitly tagged nodes.
    return loader.construct_object(node, deep=True)


def load_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse *text* as one YAML document; raise :class:`YamlSyntaxError` with its line."""
    try:
        loader = _PositionLoader(text)
        try:
            with collector_paused():
                node = loader.get_single_node()
                if node is None:
                    return None, Positions({})
                lines: dict[PathKey, int] = {}
                data = _build(loader, node, (), lines)
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
    return data, Positions(lines)
