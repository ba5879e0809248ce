"""The ``sendlanes`` command line (also ``python -m sendlanes``).

Each sub-command lives in its own module under :mod:`sendlanes.commands` and exposes
``register(subparsers)``; this module only assembles them and maps failures to exit codes
(ARCHITECTURE.md §4): 0 ok, 1 findings, 2 usage or config error, 3 no verdict, 4 internal
error (a defect: one line and a hint to report it, never a traceback unless
``SENDLANES_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from sendlanes import __version__
from sendlanes.commands import COMMAND_MODULES
from sendlanes.errors import EXIT_INTERNAL, EXIT_USAGE, UsageError
from sendlanes.output.terminal import safe_text

DEBUG_ENV = "SENDLANES_DEBUG"
# An internal error's message is cut to this many characters: it may quote hostile input.
INTERNAL_MESSAGE_CHARS = 200


class _Parser(argparse.ArgumentParser):
    """argparse whose errors honour ``--format json`` (the error as a JSON document)."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_errors:
            _emit_json_error(message, EXIT_USAGE)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {safe_text(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sendlanes",
        description="Email sending lanes as code: plan, lint and verify per-lane DNS and SMTP.",
    )
    parser.add_argument("--version", action="version", version=f"sendlanes {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"sendlanes.commands.{module_name}")
        module.register(subparsers)
    return parser


def _wants_json(argv: Sequence[str]) -> bool:
    """``--format json`` (or ``--format=json``) among the arguments, before parsing them."""
    items = list(argv)
    for index, item in enumerate(items):
        if item == "--format=json" or (
            item == "--format" and index + 1 < len(items) and items[index + 1] == "json"
        ):
            return True
    return False


def _emit_json_error(message: str, code: int) -> None:
    from sendlanes.output.jsonout import dumps_indented

    document = {"error": {"message": message, "exit_code": code}}
    sys.stdout.write(dumps_indented(document) + "\n")
    sys.stdout.flush()


def _report(lines: Sequence[str], code: int, as_json: bool) -> int:
    # The error as a JSON document for the program reading standard output, and as lines on
    # standard error for the person watching.
    if as_json:
        _emit_json_error("\n".join(lines), code)
    for line in lines:
        print(f"sendlanes: {safe_text(line)}", file=sys.stderr)
    return code


def internal_error_line(error: BaseException) -> str:
    """The one line an unexpected exception becomes."""
    message = " ".join(str(error).split())
    if len(message) > INTERNAL_MESSAGE_CHARS:
        message = message[: INTERNAL_MESSAGE_CHARS - 1] + "…"
    return (
        f"internal error: {type(error).__name__}: {message}; please report it with the command line"
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(arguments)
    _Parser.json_errors = as_json
    debug = os.environ.get(DEBUG_ENV, "") == "1"
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(arguments)
        except SystemExit as done:  # --help, --version, or a usage error already printed
            return done.code if isinstance(done.code, int) else EXIT_USAGE
        code: int = args.handler(args)
    except UsageError as error:
        return _report(error.lines(), EXIT_USAGE, as_json)
    except BrokenPipeError:
        # `sendlanes plan | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("sendlanes: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a defect: one line, never a traceback (unless debugging)
        if debug:
            raise
        return _report([internal_error_line(error)], EXIT_INTERNAL, as_json)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
