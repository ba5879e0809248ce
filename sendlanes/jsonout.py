"""``json.dumps(document, indent=2)``, byte for byte, several times faster.

The standard library encodes indented JSON in pure Python through a chain of generators,
one per nesting level, that every token passes through; only compact output uses its C
encoder. ``plan``, ``lint`` and ``verify`` print documents of tens of thousands of small
objects indented (people diff and read them), so :func:`dumps_indented` appends to one list
instead, encodes strings with the same C function the standard encoder uses, and handles
the scalars inline. Anything other than the JSON types (dicts with string keys, lists,
tuples, strings, ints, floats, booleans, None) falls back to :func:`json.dumps`, which
produces the same text or the same error.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_INDENT = "  "
_CONSTANTS = {True: "true", False: "false", None: "null"}
_INFINITY = float("inf")


class _NotPlainJson(Exception):
    """A value only :func:`json.dumps` knows how to handle (or to reject)."""


def dumps_indented(document: Any) -> str:
    """The text of ``json.dumps(document, indent=2)``."""
    parts: list[str] = []
    try:
        _value(document, "\n", parts)
    except (_NotPlainJson, RecursionError):
        return json.dumps(document, indent=2)
    return "".join(parts)


def _scalar(value: Any) -> str | None:
    """*value* as JSON when it is a scalar, else None."""
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is bool or value is None:
        return _CONSTANTS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is float or isinstance(value, float):
        if value != value or value in (_INFINITY, -_INFINITY):
            raise _NotPlainJson  # NaN and infinities: json.dumps's own spelling
        return float.__repr__(value)
    if isinstance(value, str):  # StrEnum members and other subclasses: their text
        return encode_basestring_ascii(value)
    if isinstance(value, int):  # IntEnum members: their number
        return int.__repr__(value)
    return None


def _value(value: Any, newline: str, parts: list[str]) -> None:
    """Append *value*; *newline* is a newline and the indentation of its own line."""
    kind = type(value)
    if kind is dict:
        _object(value, newline, parts)
    elif kind is list or kind is tuple:
        _array(value, newline, parts)
    elif (text := _scalar(value)) is not None:
        parts.append(text)
    elif isinstance(value, dict):
        _object(value, newline, parts)
    elif isinstance(value, list | tuple):
        _array(value, newline, parts)
    else:
        raise _NotPlainJson


def _object(value: dict[Any, Any], newline: str, parts: list[str]) -> None:
    if not value:
        parts.append("{}")
        return
    encode = encode_basestring_ascii
    inner = newline + _INDENT
    separator = "{" + inner
    for key, item in value.items():
        if not isinstance(key, str):
            raise _NotPlainJson  # json.dumps converts or rejects such keys
        kind = type(item)
        if kind is str:  # most values: no further call
            parts.append(f"{separator}{encode(key)}: {encode(item)}")
        elif kind is not dict and kind is not list and (text := _scalar(item)) is not None:
            parts.append(f"{separator}{encode(key)}: {text}")
        else:
            parts.append(f"{separator}{encode(key)}: ")
            _value(item, inner, parts)
        separator = "," + inner
    parts.append(newline + "}")


def _array(value: list[Any] | tuple[Any, ...], newline: str, parts: list[str]) -> None:
    if not value:
        parts.append("[]")
        return
    encode = encode_basestring_ascii
    inner = newline + _INDENT
    separator = "[" + inner
    for item in value:
        kind = type(item)
        if kind is str:
            parts.append(separator + encode(item))
        elif kind is not dict and kind is not list and (text := _scalar(item)) is not None:
            parts.append(separator + text)
        else:
            parts.append(separator)
            _value(item, inner, parts)
        separator = "," + inner
    parts.append(newline + "]")
