"""Text a terminal can trust: control characters escaped, tables that wrap.

Everything a table shows may come from a stranger — an SMTP banner, a DNS TXT string, a DKIM
``d=`` tag, a message's Subject — and a terminal obeys escape sequences in what it prints
(``ESC[2J`` clears the screen; a right-to-left override hides what a line says). Every table
printer goes through :func:`render_table`, which escapes each cell with :func:`safe_text`.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TextIO

# Bidirectional formatting characters: embeddings, overrides, isolates and marks (Unicode
# UAX #9); "Trojan Source" (CVE-2021-42574) shows what they do to a reader.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# A column is never squeezed below this many characters when a table wraps.
MIN_COLUMN_WIDTH = 12
COLUMN_GAP = "  "


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def is_unsafe(char: str) -> bool:
    """C0 controls, DEL, C1 controls and bidi controls."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in BIDI_CONTROLS


def safe_text(text: object) -> str:
    r"""*text* with every control character shown as an escape (``ESC`` → ``\x1b``)."""
    value = "" if text is None else str(text)
    if not any(is_unsafe(char) for char in value):
        return value
    return "".join(_escape(char) if is_unsafe(char) else char for char in value)


def terminal_width(stream: TextIO | None = None) -> int | None:
    """Columns to wrap tables to when *stream* (standard output) is a terminal: ``COLUMNS``
    when set, else the terminal's width. None for a pipe or a file: what a program reads
    is never wrapped."""
    out = sys.stdout if stream is None else stream
    try:
        if not out.isatty():
            return None
        columns = os.environ.get("COLUMNS", "").strip()
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        return os.get_terminal_size(out.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None
) -> str:
    """A plain aligned text table, every cell escaped by :func:`safe_text`.

    With *width* (default: :func:`terminal_width`), the widest columns are narrowed until the
    table fits and their cells wrap onto more lines; nothing is ever cut off.
    """
    if width is None:
        width = terminal_width()
    cells = [[safe_text(h) for h in headers]] + [[safe_text(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if width is not None:
        widths = _fit(widths, width)
    lines: list[str] = []
    for index, row in enumerate(cells):
        wrapped = [_wrap(cell, widths[i]) for i, cell in enumerate(row)]
        for depth in range(max(len(parts) for parts in wrapped)):
            parts = [p[depth] if depth < len(p) else "" for p in wrapped]
            lines.append(COLUMN_GAP.join(p.ljust(widths[i]) for i, p in enumerate(parts)).rstrip())
        if index == 0:
            lines.append(COLUMN_GAP.join("-" * w for w in widths))
    return "\n".join(lines)


def _fit(widths: list[int], width: int) -> list[int]:
    """Narrow the widest columns, one character at a time, until the row fits *width*."""
    fitted = list(widths)
    budget = width - len(COLUMN_GAP) * (len(fitted) - 1)
    while sum(fitted) > budget:
        widest = max(range(len(fitted)), key=fitted.__getitem__)
        if fitted[widest] <= MIN_COLUMN_WIDTH:
            break  # too narrow a terminal: let the line run over rather than lose text
        fitted[widest] -= 1
    return fitted


def _wrap(cell: str, width: int) -> list[str]:
    if len(cell) <= width:
        return [cell]
    return textwrap.wrap(cell, width=width, break_on_hyphens=False) or [cell]


def colour_enabled(stream: TextIO, environ: dict[str, str] | None = None) -> bool:
    """Colours only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", "") != "":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
