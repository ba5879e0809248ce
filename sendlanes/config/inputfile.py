"""Reading a config file someone else may have written: bounded size, UTF-8, printable.

Every YAML or JSON input (stack config, policy config) is read here first, so a device
(``/dev/zero``), a huge file or binary bytes end in one clear line — ``FILE: ...`` or
``FILE:LINE:COLUMN: ...`` — before any parser sees them.
"""

from __future__ import annotations

import re
from pathlib import Path

from sendlanes.errors import UsageError

#: A stack of 1,000 brands × 3 lanes is about 2.4 MB; nothing legitimate comes near this.
MAX_INPUT_BYTES = 16 * 1024 * 1024

# Characters YAML 1.1 lets a stream hold (§5.1): TAB, LF, CR, printable ASCII, NEL and the
# printable Unicode planes. JSON strings are stricter still. Anything else (NUL, ESC, DEL,
# C1 controls, surrogates, U+FFFE/U+FFFF) is refused with its line and column.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def read_input(path: Path | str, what: str) -> str:
    """The text of *path*, a *what* ("stack config", "policy config") file.

    Reads at most :data:`MAX_INPUT_BYTES` + 1 bytes, whatever the file is.

    :raises UsageError: missing, a directory, unreadable, too large, or not UTF-8.
    """
    source = str(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{source}: no such {what} file") from None
    except IsADirectoryError:
        raise UsageError(f"{source}: is a directory, not a {what} file") from None
    except OSError as error:
        raise UsageError(f"{source}: cannot read ({error.strerror or error})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise UsageError(
            f"{source}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB; not a {what} file"
        )
    return decode_input(data, source)


def decode_input(data: bytes, source: str) -> str:
    """*data* as UTF-8 text (the parser then checks that every character is printable).

    :raises UsageError: ``FILE:LINE:COLUMN: ...`` at the first offending byte or character.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_and_column(data[: error.start].decode("utf-8", "replace"))
        byte = data[error.start]
        raise UsageError(
            f"{source}:{line}:{column}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None
    return text


def first_unprintable(text: str) -> tuple[int, int, str] | None:
    """Line, column and description of the first character no YAML stream may hold."""
    found = _NOT_PRINTABLE.search(text)
    if found is None:
        return None
    line, column = _line_and_column(text[: found.start()])
    return line, column, f"control character U+{ord(found.group()):04X} is not allowed"


def _line_and_column(before: str) -> tuple[int, int]:
    """1-based line and column of the character that follows *before*."""
    line = before.count("\n") + 1
    return line, len(before) - (before.rfind("\n") + 1) + 1
