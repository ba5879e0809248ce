"""Options and output shared by every sub-command (ARCHITECTURE.md §4)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.errors import UsageError

if TYPE_CHECKING:
    from sendlanes.config.schema import StackConfig


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """``--stack NAME`` (``Pulumi.NAME.yaml`` beside ``Pulumi.yaml``) or ``--config FILE``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--stack",
        metavar="NAME",
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
    stack = args.stack or "prod"
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


def parse_servers(specs: Sequence[str], option: str = "--nameserver") -> list[tuple[str, int]]:
    """``HOST[:PORT]`` option values as address pairs; every bad one is reported (exit 2)."""
    from sendlanes.dns.resolver import parse_nameserver

    servers: list[tuple[str, int]] = []
    problems: list[str] = []
    for spec in specs:
        try:
            servers.append(parse_nameserver(spec))
        except ValueError as error:
            problems.append(f"{option}: {error}")
    if problems:
        raise UsageError(problems)
    return servers


def emit_json(document: Any) -> None:
    # One write: json.dump writes every token separately, which with PYTHONUNBUFFERED=1 (common
    # in containers and CI) is one system call per token — seconds for a large plan.
    from sendlanes.output.jsonout import dumps_indented

    sys.stdout.write(dumps_indented(document) + "\n")


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain aligned text table (no colours, so it pastes into issues and chats)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
