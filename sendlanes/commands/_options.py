"""Options and output shared by every sub-command (ARCHITECTURE.md §4)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.commands._arguments import stack_name
from sendlanes.errors import UsageError

if TYPE_CHECKING:
    from sendlanes.config.schema import StackConfig


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """``--stack NAME`` (``Pulumi.NAME.yaml`` beside ``Pulumi.yaml``) or ``--config FILE``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--stack",
        metavar="NAME",
        type=stack_name,
        help="read Pulumi.NAME.yaml beside Pulumi.yaml (searched from the current directory up)",
    )
    group.add_argument("--config", metavar="FILE", type=Path, help="read this stack config file")


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument(
        "--format",
        choices=list(choices),
        default=None,
        help=f"output format (default: {choices[0]} on a terminal, json otherwise)",
    )


def output_format(args: argparse.Namespace) -> str:
    chosen: str | None = args.format
    if chosen is not None:
        return chosen
    return "table" if sys.stdout.isatty() else "json"


def stack_file(args: argparse.Namespace) -> Path:
    """The stack config file the user named, or ``Pulumi.prod.yaml`` by default."""
    if args.config is not None:
        return Path(args.config)
    stack: str = "prod" if args.stack is None else args.stack
    here = Path.cwd().resolve()
    for directory in (here, *here.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory / f"Pulumi.{stack}.yaml"
    raise UsageError(
        f"no Pulumi.yaml in {here} or its parents: run inside the project or pass --config FILE"
    )


def load_stack(args: argparse.Namespace) -> StackConfig:
    from sendlanes.config.load import load_stack_config

    return load_stack_config(stack_file(args))


def emit_json(document: Any) -> None:
    # One write: json.dump writes every token separately, which with PYTHONUNBUFFERED=1 (common
    # in containers and CI) is one system call per token — seconds for a large plan.
    from sendlanes.output.jsonout import dumps_indented

    sys.stdout.write(dumps_indented(document) + "\n")
