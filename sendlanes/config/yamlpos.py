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
from sendlanes.config.inputfile import first_unprintable
from sendlanes.errors import MAX_QUOTED_CHARS, quoted


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
    """The text is not a usable document; *line* and *column* are 1-based where known."""

    def __init__(self, line: int | None, message: str, column: int | None = None) -> None:
        self.line = line
        self.column = column
        self.message = message
        super().__init__(message)

    def where(self, source: str) -> str:
        """``FILE:LINE:COLUMN``, ``FILE:LINE`` or ``FILE``: as much as is known."""
        if self.line is None:
            return source
        return f"{source}:{self.line}" + (f":{self.column}" if self.column is not None else "")


#: Deeper than any config needs; far below where the parser's C recursion would overflow.
MAX_DEPTH = 100
#: Values a document may expand to once aliases are followed: a 1,000-brand stack holds about
#: 130,000. A "billion laughs" file (``&a [*b, *b, ...]`` nested) is refused here, before
#: anything is built.
MAX_VALUES = 2_000_000
#: Characters of scalar text a document may expand to (an alias to a long string, repeated).
MAX_EXPANDED_CHARS = 64 * 1024 * 1024


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
                tag = self._plain_tags[value] = _plain_tag(self, kind, value, implicit)
            return tag
        return _resolve_tag(self, kind, value, implicit)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def _next_event(loader: Any) -> Any:
    """The parser's next event, or None at the end (PyYAML's stubs leave it untyped)."""
    return loader.get_event()


def _plain_tag(loader: Any, kind: Any, value: str, implicit: Any) -> str:
    # Dates stay text: only a field that wants a date parses one (and can then say which
    # field holds an impossible date such as 2026-11-31), and a lane named 2026-11-31 is a
    # name like any other.
    tag = _resolve_tag(loader, kind, value, implicit)
    return _STR_TAG if tag == _TIMESTAMP_TAG else tag


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
                    None, None, f"duplicate key {quoted(key)}", key_node.start_mark
                )
            mapping[key] = (
                value_node.value if value_node.tag == _STR_TAG else _build(loader, value_node)
            )
        return mapping
    # Other scalars (int, bool, null) and explicitly tagged nodes.
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError:
        raise
    except Exception as error:
        # An explicit !!timestamp that is no date (ValueError, AttributeError), an empty
        # !!int (IndexError), an integer of 5,000 digits (ValueError), ...
        what = "not a valid date" if node.tag == _TIMESTAMP_TAG else "cannot read this value"
        raise yaml.constructor.ConstructorError(
            None, None, f"{what} ({_tag_name(node.tag)}: {error})", node.start_mark
        ) from None


def _tag_name(tag: str) -> str:
    return tag.rsplit(":", 1)[-1]


def _own_duplicate(
    loader: _PositionLoader, node: yaml.MappingNode, merged: int, index: int, key: Any
) -> bool:
    """Whether entry *index*'s *key* is written earlier among *node*'s own entries (those from
    *merged* on), rather than only brought in by a merge key, which it may override."""
    return merged == 0 or any(_key(loader, k) == key for k, _ in node.value[merged:index])


def _key(loader: _PositionLoader, node: yaml.Node) -> str:
    """A mapping key, as written: every key in a config file is a name, so ``1:`` is the key
    ``"1"`` and ``true:`` the key ``"true"`` (not the number 1 and the boolean True, which a
    dict holds as one key)."""
    if isinstance(node, yaml.ScalarNode) and node.tag != _MERGE_TAG:
        return str(node.value)
    raise yaml.constructor.ConstructorError(
        None, None, "mapping keys must be plain scalars", node.start_mark
    )


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


def _check_structure(text: str) -> None:
    """Refuse, from the parser's events alone, a document nested deeper than
    :data:`MAX_DEPTH` or expanding (through aliases) past :data:`MAX_VALUES` values or
    :data:`MAX_EXPANDED_CHARS` characters, and an alias inside its own anchor.

    Runs before the node tree is built: libyaml's composer recurses in C and would crash on
    100,000 ``[``; building an alias bomb would exhaust memory. Each anchor's expanded size
    is counted once, so the work is linear in the text.
    """
    # One frame per open collection: [anchor, values, characters]. Limits are checked when
    # a collection closes and at each alias: values written out in full are bounded by the
    # file's size already.
    frames: list[list[Any]] = [[None, 0, 0]]
    top = frames[-1]
    sizes: dict[str, tuple[int, int]] = {}
    open_anchors: set[str] = set()
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    loader = _BaseLoader(text)
    try:
        while (event := _next_event(loader)) is not None:
            kind = type(event)
            if kind is scalar:
                top[1] += 1
                top[2] += len(event.value)
                if event.anchor is not None:
                    sizes[event.anchor] = (1, len(event.value))
                continue
            if kind in starts:
                if len(frames) > MAX_DEPTH:
                    raise _structure_error(event, f"nested more than {MAX_DEPTH} levels deep")
                top = [event.anchor, 1, 0]
                frames.append(top)
                if event.anchor is not None:
                    open_anchors.add(event.anchor)
                continue
            if kind is alias:
                if event.anchor in open_anchors:
                    raise _structure_error(event, f"alias *{event.anchor} refers to itself")
                values, chars = sizes.get(event.anchor, (1, 0))
            elif kind in ends:
                anchor, values, chars = frames.pop()
                if anchor is not None:
                    sizes[anchor] = (values, chars)
                    open_anchors.discard(anchor)
                top = frames[-1]
            else:
                continue
            top[1] += values
            top[2] += chars
            if top[1] > MAX_VALUES or top[2] > MAX_EXPANDED_CHARS:
                raise _structure_error(
                    event,
                    f"expands to more than {MAX_VALUES:,} values or {MAX_EXPANDED_CHARS:,} "
                    "characters (aliases repeating aliases?)",
                )
    finally:
        loader.dispose()


def _structure_error(event: Any, message: str) -> YamlSyntaxError:
    mark = event.start_mark
    return YamlSyntaxError(mark.line + 1, message, mark.column + 1)


def load_with_positions(text: str, syntax: str = "YAML") -> tuple[Any, Positions]:
    """Parse *text* as one YAML document, within bounds of size, depth and alias expansion.

    *syntax* names the format in messages ("YAML", or "JSON" for a JSON file read as the YAML
    it also is).

    :raises YamlSyntaxError: with the line (and column where known) of the problem.
    """
    unprintable = first_unprintable(text)
    if unprintable is not None:
        at_line, at_column, problem = unprintable
        raise YamlSyntaxError(at_line, problem, at_column)
    try:
        _check_structure(text)
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
        column = mark.column + 1 if mark is not None else None
        problem = quoted_problem(error.problem or error.context or f"invalid {syntax}")
        raise YamlSyntaxError(line, f"{syntax} syntax error: {problem}", column) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(None, f"{syntax} error: {quoted_problem(str(error))}") from None
    except RecursionError:
        raise YamlSyntaxError(None, f"{syntax} nesting is too deep") from None
    return data, Positions(node)


def quoted_problem(problem: str) -> str:
    """A parser's message cut to a readable length (it may quote the offending text)."""
    limit = 4 * MAX_QUOTED_CHARS
    return problem if len(problem) <= limit else problem[:limit] + "…"
