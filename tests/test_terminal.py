"""Output a terminal can trust: escapes shown, not obeyed; tables wrap, never cut."""

from __future__ import annotations

import io

import pytest

from sendlanes.output.terminal import colour_enabled, render_table, safe_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2Jgone", "\\x1b[2Jgone"),
        ("bell\x07", "bell\\x07"),
        ("del\x7f", "del\\x7f"),
        ("csi\x9b31m", "csi\\x9b31m"),
        ("line\nbreak\ttab\rreturn", "line\\nbreak\\ttab\\rreturn"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("iso\u2066late\u2069", "iso\\u2066late\\u2069"),
        ("bücher.test — ok", "bücher.test — ok"),
    ],
)
def test_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown


def test_every_table_cell_is_escaped() -> None:
    table = render_table(("check", "detail"), [("banner", "220 \x1b]0;pwned\x07 ESMTP")])
    assert "\x1b" not in table and "\x07" not in table
    assert "220 \\x1b]0;pwned\\x07 ESMTP" in table


def test_long_cells_wrap_within_the_width_and_lose_nothing() -> None:
    detail = " ".join(f"word{i}" for i in range(60))
    table = render_table(
        ("lane", "status", "detail"), [("acme/receipts", "pass", detail)], width=60
    )
    lines = table.splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert len(lines) > 3  # the detail went onto several lines
    assert " ".join(table.split()).count("word") == 60
    for i in range(60):
        assert f"word{i}" in table.split()


def test_without_a_width_nothing_wraps() -> None:
    detail = "x " * 200
    table = render_table(("a", "b"), [("1", detail)], width=None)
    assert len(table.splitlines()) == 3


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert colour_enabled(Tty(), {}) is True
    assert colour_enabled(Tty(), {"NO_COLOR": "1"}) is False
    assert colour_enabled(io.StringIO(), {}) is False
