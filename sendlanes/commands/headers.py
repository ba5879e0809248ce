"""``sendlanes headers FILE.eml``: which lane sent this message, and did it leave correctly?

Exit codes: 0 every check passed (warnings allowed); 1 a check failed; 2 usage or config
error; 3 no failure, but a DNS look-up gave no answer (no verdict).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.commands._arguments import parse_servers, seconds
from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    load_stack,
    output_format,
    stack_file,
)
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK, UsageError
from sendlanes.output.terminal import render_table, safe_text

if TYPE_CHECKING:
    from sendlanes.headers.analysis import HeadersReport
    from sendlanes.lanes.catalog import Catalog
    from sendlanes.plan.model import LanePlan

# Same as sendlanes.headers.analysis.DEFAULT_CATEGORY_HEADER; repeated so that building the parser
# (which every sub-command does) does not import dkimpy, dnspython and the plan.
DEFAULT_CATEGORY_HEADER = "X-Sendlanes-Category"

FORMATS = ("table", "json")
DEFAULT_DEADLINE = 60.0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "headers",
        help="which lane sent a message: DKIM, DMARC alignment, one-click, category",
        description=(
            "Read a received message (.eml, or - for standard input) and tell which lane sent "
            "it (DKIM d=, Return-Path, From), whether its DKIM signatures verify, whether it "
            "aligns for DMARC under the lane's adkim/aspf, whether promotional and lifecycle "
            "mail carries RFC 8058 one-click unsubscribe, and whether its category belongs on "
            "that kind of lane."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the message as received, or - for stdin")
    add_source_options(parser)
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="ask this name server for DKIM keys and DMARC records (repeatable; "
        "default: the system resolver)",
    )
    parser.add_argument(
        "--category-header",
        default=DEFAULT_CATEGORY_HEADER,
        metavar="NAME",
        help="header field holding the message category, as your orchestrator sets it "
        f"(default: {DEFAULT_CATEGORY_HEADER})",
    )
    parser.add_argument(
        "--dns-timeout",
        type=seconds,
        default=5.0,
        metavar="SECONDS",
        help="give up on one DNS question after this long (default: 5)",
    )
    parser.add_argument(
        "--deadline",
        type=seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="stop asking DNS after this long; checks still needing an answer are errors "
        f"(default: {DEFAULT_DEADLINE:g})",
    )
    parser.set_defaults(handler=run)


def _read(source: str) -> bytes:
    if source == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            raw = Path(source).read_bytes()
        except FileNotFoundError:
            raise UsageError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise UsageError(f"{source}: is a directory, not a message") from None
        except OSError as error:
            raise UsageError(f"{source}: cannot read ({error.strerror})") from None
    if not raw.strip():
        raise UsageError(f"{'standard input' if source == '-' else source}: the message is empty")
    return raw


def _lanes_and_catalog(args: argparse.Namespace) -> tuple[Sequence[LanePlan], Catalog]:
    """The stack's lanes and catalog: from --stack/--config, else Pulumi.prod.yaml if any."""
    from sendlanes.lanes.catalog import DEFAULT_CATALOG
    from sendlanes.plan.build import build_plan

    if args.config is None and args.stack is None:
        try:
            default = stack_file(args)
        except UsageError:
            return (), DEFAULT_CATALOG  # outside a project: analyze without lanes
        if not default.is_file():
            return (), DEFAULT_CATALOG
    plan = build_plan(load_stack(args))
    return plan.lanes(), plan.catalog


def run(args: argparse.Namespace) -> int:
    from sendlanes.dns.resolver import Resolver
    from sendlanes.headers.analysis import analyze_message
    from sendlanes.headers.budget import DeadlineLookup
    from sendlanes.output.progress import Progress

    if not args.category_header.strip() or ":" in args.category_header:
        raise UsageError(f"--category-header {args.category_header!r} is not a header name")
    nameservers = parse_servers(args.nameserver)
    raw = _read(args.file)
    lanes, catalog = _lanes_and_catalog(args)
    resolver = Resolver(
        nameservers=nameservers,
        timeout=min(2.0, args.dns_timeout),
        lifetime=args.dns_timeout,
    )
    lookup = DeadlineLookup(
        resolver,
        time.monotonic() + args.deadline,
        f"not asked: the --deadline of {args.deadline:g} s passed",
    )
    with Progress(0, "headers: DKIM signatures") as progress:
        report = analyze_message(
            raw,
            lookup=lookup,
            lanes=lanes,
            catalog=catalog,
            category_header=args.category_header.strip(),
            on_progress=lambda done, total: progress.update(done, total),
        )
    if output_format(args) == "json":
        emit_json(report.to_json())
    else:
        print(report_text(report))
    if report.failed:
        return EXIT_FINDINGS
    if report.errored:
        return EXIT_NO_VERDICT
    return EXIT_OK


def report_text(report: HeadersReport) -> str:
    """The report for a terminal: a short summary, then one row per check."""
    facts = report.facts
    lines = [
        f"From:        {', '.join(facts.from_addresses) or '-'}",
        f"Return-Path: {facts.return_path or '-'}",
        f"Subject:     {facts.subject or '-'}",
        f"Category:    {facts.category or '-'} ({report.category_header})",
    ]
    skipped = 0
    for verdict in report.verdicts:
        if verdict.result == "not checked":
            skipped += 1
            continue
        signature = verdict.signature
        lines.append(f"DKIM:        d={signature.domain} s={signature.selector} {verdict.result}")
    if skipped:
        lines.append(f"DKIM:        {skipped} more signature(s) not checked")
    lane = report.lane
    lines.append(f"Lane:        {f'{lane.key} ({lane.kind})' if lane else '-'}")
    # Every header field came from whoever sent the message: no escape sequence gets through.
    lines = [safe_text(line) for line in lines]
    lines.append("")
    lines.append(
        render_table(
            ("CHECK", "STATUS", "DETAIL"),
            [(c.check, str(c.status), c.detail) for c in report.checks],
        )
    )
    failed = [c.check for c in report.checks if str(c.status) == "fail"]
    errored = [c.check for c in report.checks if str(c.status) == "error"]
    lines.append("")
    if failed:
        lines.append(f"Verdict: FAIL ({', '.join(dict.fromkeys(failed))})")
    elif errored:
        lines.append(
            f"Verdict: NO VERDICT, DNS gave no answer ({', '.join(dict.fromkeys(errored))})"
        )
    else:
        lines.append("Verdict: OK")
    return "\n".join(lines)
