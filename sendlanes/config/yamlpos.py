"""YAML loading that remembers where every value came from.

Pydantic reports errors by location (``brands.0.lanes.2.smtp.port``); people fix files by line.
:func:`load_with_positions` returns the plain data together with :class:`Positions`, which
finds the 1-based line of any key path, so every error can say
``Pulumi.prod.yaml:42: brands[0].lanes[2].smtp.port``. Lines are looked up in the parser's
node tree when asked: a valid file never asks, and recording the line of each of a large
stack's ~80,000 values up front took longer than building the values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from sendlanes.collector import collector_paused


@dataclass(frozen=True)
class Positions:
    """Line numbers of the values of a loaded document, by key path."""

    #: the document's node tree (merge keys already flattened), or None for no document
    root: yaml.Node | None = None

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of *path*, or of its closest ancestor that has one.

        A mapping entry's line is its key's (where a person looks for "this field"); a
        sequence item's is the item's own.
        """
        node = self.root
        if node is None:
            return None
        line: int = node.start_mark.line + 1
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            line, node = found
        return line


def _child(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    """(line, node) of the entry *part* of *node*, if it has one."""
    if isinstance(node, yaml.MappingNode):
        # The last entry of a key is the one in force (a key written after a merge key).
        for key_node, value_node in reversed(node.value):
            if key_node.value == part:
                return key_node.start_mark.line + 1, value_node
    elif isinstance(node, yaml.SequenceNode) and type(part) is int and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item.start_mark.line + 1, item
    return None


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
        #: id(mapping node) → how many of its entries came from merge keys. Flattening
        #: rewrites a node in place, and an alias reaches the same node again.
        self.merged_entries: dict[int, int] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A plain scalar's tag depends on its text alone (no path resolvers here), and stack
        # files repeat the same few hundred texts thousands of times: match the regexes once.
        # (A C-level cache of every call was no faster and raised plan's peak memory by 9%.)
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = _resolve_tag(self, kind, value, implicit)
            return tag
        return _resolve_tag(self, kind, value, implicit)


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Keys PyYAML's ``flatten_mapping`` rewrites: ``<<`` (merge) and ``=`` (value).
_FLATTENED_KEY_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})


def _build(loader: _PositionLoader, node: yaml.Node) -> Any:
    """Construct *node*: ``construct_document`` without its dispatch for strings, lists and
    mappings, and with merge keys flattened in the node tree (:class:`Positions` walks it).

    Most values are strings, so a string item or value is read in place rather than through
    another call."""
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    if tag == _SEQ_TAG and isinstance(node, yaml.SequenceNode):
        return [item.value if item.tag == _STR_TAG else _build(loader, item) for item in node.value]
    if tag == _MAP_TAG and isinstance(node, yaml.MappingNode):
        merged = loader.merged_entries.get(id(node))
        if merged is None:
            merged = loader.merged_entries[id(node)] = _flatten(loader, node)
        mapping: dict[Any, Any] = {}
        # Merged entries come first, then the mapping's own, which override them (YAML merge
        # keys); only a key written twice in one mapping is a duplicate.
        for index, (key_node, value_node) in enumerate(node.value):
            key = key_node.value if key_node.tag == _STR_TAG else _key(loader, key_node)
            if (
                index >= merged
                and key in mapping
                and _own_duplicate(loader, node, merged, index, key)
            ):
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            mapping[key] = (
                value_node.value if value_node.tag == _STR_TAG else _build(loader, value_node)
            )
        return mapping
    # Other scalars (int, bool, null, dates) and explicitly tagged nodes.
    return loader.construct_object(node, deep=True)


def _own_duplicate(
    loader: _PositionLoader, node: yaml.MappingNode, merged: int, index: int, key: Any
) -> bool:
    """Whether entry *index*'s *key* is written earlier among *node*'s own entries (those from
    *merged* on), rather than only brought in by a merge key, which it may override."""
    return merged == 0 or any(_key(loader, k) == key for k, _ in node.value[merged:index])


def _key(loader: _PositionLoader, node: yaml.Node) -> Any:
    """A mapping key other than a plain string: a scalar of another type (``1``, ``true``)."""
    if node.tag == _STR_TAG:
        return node.value
    key = loader.construct_object(node, deep=True)
    if not isinstance(key, str | int | float | bool) and key is not None:
        raise yaml.constructor.ConstructorError(
            None, None, "mapping keys must be plain scalars", node.start_mark
        )
    return key


def _flatten(loader: _PositionLoader, node: yaml.MappingNode) -> int:
    """Flatten *node*'s merge keys in place; the number of entries they brought in."""
    if not any(key.tag in _FLATTENED_KEY_TAGS for key, _ in node.value):
        return 0
    sources = [value for key, value in node.value if key.tag == _MERGE_TAG]
    own = len(node.value) - len(sources)
    for source in sources:
        # A merged mapping written in place is never built on its own: check it here.
        for mapping in source.value if isinstance(source, yaml.SequenceNode) else [source]:
            if isinstance(mapping, yaml.MappingNode):
                _build(loader, mapping)
    loader.flatten_mapping(node)
    return len(node.value) - own


# Mappings reached through the constructor (inside explicitly tagged nodes) follow the same
# rules: merge keys, duplicates, plain scalar keys.
def _construct_mapping(loader: Any, node: yaml.MappingNode) -> Any:
    return _build(loader, node)


_PositionLoader.add_constructor(_MAP_TAG, _construct_mapping)


def load_with_positions(text: str) -> tuple[Any, Positions]:
    """Parse *text* as one YAML document; raise :class:`YamlSyntaxError` with its line."""
    try:
        loader = _PositionLoader(text)
        try:
            with collector_paused():
                node = loader.get_single_node()
                if node is None:
                    return None, Positions()
                data = _build(loader, node)
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
    return data, Positions(node)
