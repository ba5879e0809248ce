"""``sendlanes rules``: the rule reference (ids, default levels, why and how to fix).

``--format markdown`` prints the table kept in docs/rules.md and the README; a test fails when
they differ from it.
"""

from __future__ import annotations

import argparse
from typing import Any

from sendlanes.commands._options import add_format_option, emit_json, output_format
from sendlanes.errors import EXIT_OK
from sendlanes.output.terminal import render_table

FORMATS = ("table", "json", "markdown")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "rules",
        help="list the lint and policy-pack rules with their default levels",
        description="Print every rule `sendlanes lint` and the policy pack enforce.",
    )
    add_format_option(parser, FORMATS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sendlanes.rules.reference import markdown_table, policy_kind, rule_document
    from sendlanes.rules.registry import RULES

    chosen = output_format(args)
    if chosen == "json":
        emit_json({"rules": [rule_document(rule) for rule in RULES]})
    elif chosen == "markdown":
        print(markdown_table(RULES), end="")
    else:
        rows = [(r.id, r.level, policy_kind(r), r.description) for r in RULES]
        print(render_table(("rule", "default", "policy", "checks"), rows))
    return EXIT_OK
