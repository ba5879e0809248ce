"""The ``sendlanes`` command line (also ``python -m sendlanes``).

Each sub-command lives in its own module under :mod:`sendlanes.commands` and exposes
``register(subparsers)``; this module only assembles them and maps failures to exit codes
(ARCHITECTURE.md §4): 0 ok, 1 findings, 2 usage or config error, 3 no verdict.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sendlanes import __version__
from sendlanes.commands import COMMAND_MODULES
from sendlanes.errors import EXIT_USAGE, UsageError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sendlanes",
        description="Email sending lanes as code: plan, lint and verify per-lane DNS and SMTP.",
    )
    parser.add_argument("--version", action="version", version=f"sendlanes {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"sendlanes.commands.{module_name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as error:
        for line in error.lines():
            print(f"sendlanes: {line}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # `sendlanes plan | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("sendlanes: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
