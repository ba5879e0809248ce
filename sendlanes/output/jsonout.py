"""Indented JSON for people to read and diff: ``json.dumps(document, indent=2)``'s text, by orjson.

``plan``, ``lint`` and ``verify`` print documents of tens of thousands of small objects;
orjson writes them 10–20× faster than the standard library's indented encoder (which is pure
Python). The text is the standard library's, non-ASCII escaped as ``\\uXXXX`` so the output is
plain ASCII whatever the terminal's encoding. What orjson cannot encode (integers beyond 64
bits, keys that are not strings) falls back to :func:`json.dumps`, which converts it or raises
its own error. Floats in exponent form are spelled orjson's way (``1e16``, not ``1e+16``), the
same number; NaN and infinities, which JSON cannot spell, are written as ``null``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as json.dumps writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps_indented(document: Any) -> str:
    """*document* as JSON indented by two spaces, ASCII only.

    :raises TypeError: for values JSON cannot hold (arbitrary objects).
    :raises ValueError: for circular references.
    """
    try:
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        text = json.dumps(document, indent=2)
    # DEL is ASCII but json.dumps escapes it too; so does this.
    return text if text.isascii() and "\x7f" not in text else _NON_ASCII.sub(_escape, text)
