"""SPF macro strings (RFC 7208 §7): parsing into tokens, and expansion.

A macro string is parsed once, when its record is parsed, so a syntax error anywhere in a
record is found before evaluation starts (RFC 7208 §4.6). Expansion is pure: the values of
the macro letters come from a callable supplied by the evaluator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

MACRO_LETTERS = frozenset("slodiphcrtv")
# RFC 7208 §7.2: c, r and t are allowed only in explanation text (the TXT record exp= names).
EXPLANATION_ONLY_LETTERS = frozenset("crt")
DELIMITERS = frozenset(".-+,/_=")
MAX_DOMAIN_LENGTH = 253

# A DNS top label: not all-numeric, no leading or trailing hyphen (RFC 7208 §7.1).
TOPLABEL = re.compile(
    r"(?:[0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*|[0-9A-Za-z]+-[0-9A-Za-z-]*[0-9A-Za-z])\Z"
)


class MacroSyntaxError(ValueError):
    """A macro string does not follow RFC 7208 §7.1; *section* is the RFC section to cite."""

    def __init__(self, message: str, section: str = "7.1") -> None:
        self.message = message
        self.section = section
        super().__init__(f"{message} (RFC 7208 §{section})")


@dataclass(frozen=True)
class MacroExpand:
    """One ``%{...}`` expansion: letter, transformers and delimiters (RFC 7208 §7.1)."""

    letter: str  # lowercase
    digits: int | None  # keep this many right-hand parts
    reverse: bool
    delimiters: str  # empty means "."
    url_escape: bool  # the letter was written in uppercase (RFC 7208 §7.3)
    text: str


MacroToken = str | MacroExpand
"""Literal text (``%%``, ``%_`` and ``%-`` already resolved) or an expansion."""


@dataclass(frozen=True)
class MacroString:
    """A parsed macro string; ``text`` is what the record said."""

    text: str
    tokens: tuple[MacroToken, ...]

    @property
    def letters(self) -> frozenset[str]:
        """The macro letters used (lowercase)."""
        return frozenset(t.letter for t in self.tokens if isinstance(t, MacroExpand))

    @property
    def has_macros(self) -> bool:
        return any(isinstance(t, MacroExpand) for t in self.tokens)


def _parse(text: str, *, allow_space: bool, allowed_letters: frozenset[str]) -> MacroString:
    tokens: list[MacroToken] = []
    literal: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char != "%":
            code = ord(char)
            if not (0x21 <= code <= 0x7E or (allow_space and char == " ")):
                raise MacroSyntaxError(
                    f"character {char!r} is not allowed (only visible ASCII)", "7.1"
                )
            literal.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following in ("%", "_", "-"):
            literal.append({"%": "%", "_": " ", "-": "%20"}[following])
            index += 2
            continue
        if following != "{":
            shown = text[index : index + 2]
            raise MacroSyntaxError(
                f"{shown!r}: a '%' must be followed by '{{', '%', '_' or '-'", "7.1"
            )
        close = text.find("}", index)
        if close < 0:
            raise MacroSyntaxError(f"unterminated macro {text[index:]!r}", "7.1")
        if literal:
            tokens.append("".join(literal))
            literal = []
        tokens.append(_parse_expand(text[index : close + 1], allowed_letters))
        index = close + 1
    if literal:
        tokens.append("".join(literal))
    return MacroString(text, tuple(tokens))


_EXPAND = re.compile(r"%\{([A-Za-z])([0-9]*)([rR]?)([^}]*)\}\Z")


def _parse_expand(text: str, allowed_letters: frozenset[str]) -> MacroExpand:
    match = _EXPAND.match(text)
    if match is None:
        raise MacroSyntaxError(f"malformed macro {text!r}", "7.1")
    letter, digits, reverse, delimiters = match.groups()
    if letter.lower() not in MACRO_LETTERS:
        raise MacroSyntaxError(f"unknown macro letter {letter!r} in {text!r}", "7.1")
    if letter.lower() not in allowed_letters:
        raise MacroSyntaxError(
            f"macro letter {letter!r} in {text!r} is allowed only in explanation text", "7.2"
        )
    if any(d not in DELIMITERS for d in delimiters):
        raise MacroSyntaxError(f"invalid delimiter in {text!r}", "7.1")
    count = int(digits) if digits else None
    if count == 0:
        raise MacroSyntaxError(f"{text!r}: the number of parts must not be zero", "7.3")
    return MacroExpand(letter.lower(), count, bool(reverse), delimiters, letter.isupper(), text)


def parse_macro_string(text: str) -> MacroString:
    """Parse the value of an unknown modifier (``macro-string``, RFC 7208 §7.1)."""
    return _parse(text, allow_space=False, allowed_letters=MACRO_LETTERS)


def parse_explanation(text: str) -> MacroString:
    """Parse explanation text fetched for ``exp=`` (``explain-string``, RFC 7208 §6.2)."""
    return _parse(text, allow_space=True, allowed_letters=MACRO_LETTERS)


def parse_domain_spec(text: str) -> MacroString:
    """Parse a ``domain-spec`` (RFC 7208 §7.1): a macro string ending in a top label or macro.

    :raises MacroSyntaxError: empty, bad macro syntax, ``c``/``r``/``t`` letters, or no
        valid ``domain-end``.
    """
    if not text:
        raise MacroSyntaxError("empty domain-spec", "7.1")
    parsed = _parse(
        text, allow_space=False, allowed_letters=MACRO_LETTERS - EXPLANATION_ONLY_LETTERS
    )
    # domain-end = ( "." toplabel [ "." ] ) / macro-expand, where "%%", "%_" and "%-" are
    # macro-expands too: look at the raw text after the last '%'-sequence.
    tail_start = _end_of_last_macro(text)
    if tail_start == len(text):
        return parsed
    tail = text[tail_start:]
    if tail.endswith("."):
        tail = tail[:-1]
    dot = tail.rfind(".")
    if dot < 0 or not TOPLABEL.match(tail[dot + 1 :]):
        hint = ""
        if re.fullmatch(r"[0-9.]+", text):
            hint = " (an IPv4 address belongs in ip4:)"
        raise MacroSyntaxError(
            f"domain-spec {text!r} must end in a dot and a top-level label, or a macro{hint}",
            "7.1",
        )
    return parsed


def _end_of_last_macro(text: str) -> int:
    """Index just past the last macro-expand in *text* (0 when there is none)."""
    end = 0
    index = text.find("%")
    while index >= 0:
        end = text.find("}", index) + 1 if text[index + 1 : index + 2] == "{" else index + 2
        index = text.find("%", end)
    return end


# -- expansion ----------------------------------------------------------------------------


def _transform(value: str, expand: MacroExpand) -> str:
    if expand.delimiters:
        parts = re.split("[" + re.escape(expand.delimiters) + "]", value)
    else:
        parts = value.split(".")
    if expand.reverse:
        parts.reverse()
    if expand.digits is not None and expand.digits < len(parts):
        parts = parts[len(parts) - expand.digits :]
    joined = ".".join(parts)
    # RFC 7208 §7.3: uppercase letters are URL-escaped; everything outside the unreserved
    # set (ALPHA DIGIT "-" "." "_" "~") is percent-encoded.
    return quote(joined, safe="") if expand.url_escape else joined


def expand(macro: MacroString, value_of: Callable[[str], str]) -> str:
    """Expand *macro*; *value_of* gives each macro letter's value (RFC 7208 §7.3)."""
    return "".join(
        token if isinstance(token, str) else _transform(value_of(token.letter), token)
        for token in macro.tokens
    )


def expand_domain(macro: MacroString, value_of: Callable[[str], str]) -> str:
    """Expand a domain-spec into a name to query (RFC 7208 §7.3 and §4.8).

    A trailing dot is dropped, and a name longer than 253 characters loses labels from the
    left until it fits.
    """
    name = expand(macro, value_of)
    if name.endswith("."):
        name = name[:-1]
    while len(name) > MAX_DOMAIN_LENGTH and "." in name:
        name = name.split(".", 1)[1]
    return name
