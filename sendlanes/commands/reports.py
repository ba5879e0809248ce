"""``sendlanes reports PATH…``: how each lane is doing, from receivers' DMARC aggregate reports.

Exit codes: 0 read (findings are information); 1 a lane with traffic is below ``--min-pass``;
2 usage or config error (a PATH that does not exist, a bad date or rate); 3 no verdict: files
were given but every one was rejected, so nothing could be judged.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    load_stack,
    output_format,
)
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK, UsageError
from sendlanes.output.terminal import render_table, safe_text

if TYPE_CHECKING:
    from sendlanes.reports.collect import ReportsHealth
    from sendlanes.reports.health import Finding, LaneHealth

FORMATS = ("table", "json", "html")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "reports",
        help="lane health from receivers' DMARC aggregate reports (rua)",
        description=(
            "Read DMARC aggregate reports as receivers send them (.xml, .xml.gz, .zip, .eml, "
            "an mbox file or a Maildir; directories are searched) and show per lane how many "
            "messages passed DMARC, SPF and DKIM in alignment, from which source IPs, and what "
            "differs from the lane's declared provider, selectors and return-path."
        ),
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", type=Path, help="report files or directories"
    )
    add_source_options(parser)
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="only reports for this UTC day or later"
    )
    parser.add_argument(
        "--until", type=_date, metavar="YYYY-MM-DD", help="only reports for this UTC day or earlier"
    )
    parser.add_argument(
        "--min-pass",
        type=_rate,
        metavar="RATE",
        help="exit 1 when a lane with traffic has a lower DMARC pass rate (0.95 or 95%%)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        default=1,
        help="parse with N processes (default: 1; see docs/reports.md)",
    )
    parser.set_defaults(handler=run)


def _jobs(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1-64)")
    return int(text)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _rate(text: str) -> float:
    percent = text.endswith("%")
    try:
        value = float(text[:-1] if percent else text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate (0.95 or 95%)") from None
    if percent:
        value /= 100
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a rate between 0 and 1 (or 0% and 100%)")
    return value


def run(args: argparse.Namespace) -> int:
    from sendlanes.plan.build import build_plan
    from sendlanes.reports.attribute import lane_facts
    from sendlanes.reports.collect import Period, collect_reports

    if args.since and args.until and args.since > args.until:
        raise UsageError(f"--since {args.since} is after --until {args.until}")
    missing = [f"{path}: no such file or directory" for path in args.paths if not path.exists()]
    if missing:
        raise UsageError(missing)
    lanes = lane_facts(build_plan(load_stack(args)))
    health = collect_reports(args.paths, lanes, Period(args.since, args.until), workers=args.jobs)
    chosen = output_format(args)
    if chosen == "json":
        emit_json(health.to_json())
    elif chosen == "html":
        from sendlanes.reports.html import render_page

        sys.stdout.write(render_page(health))
    else:
        print(health_table(health))
    if health.read == 0 and health.duplicates == 0 and health.rejected:
        return EXIT_NO_VERDICT
    if args.min_pass is not None and below_min_pass(health, args.min_pass):
        return EXIT_FINDINGS
    return EXIT_OK


def below_min_pass(health: ReportsHealth, rate: float) -> list[LaneHealth]:
    """Lanes with traffic whose DMARC pass rate is under *rate*."""
    return [
        lane
        for lane in health.lanes
        if lane.tally.messages and lane.tally.dmarc_pass < rate * lane.tally.messages
    ]


def _top_finding(finding: Finding) -> str:
    if finding.value is None:
        return f"{finding.kind} ({finding.messages} msgs, {finding.source_count} IPs)"
    return f"{finding.kind} {finding.value} ({finding.messages} msgs)"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def health_table(health: ReportsHealth) -> str:
    """Per lane: kind, messages, pass rates and the top finding; then what was not counted."""
    rows = []
    for lane in health.lanes:
        facts = lane.facts
        assert facts is not None
        tally = lane.tally
        findings = lane.findings()
        top = _top_finding(findings[0]) if findings else "-"
        rows.append(
            (
                facts.key,
                facts.kind,
                tally.messages,
                _percent(tally.dmarc_pass, tally.messages),
                _percent(tally.spf_aligned, tally.messages),
                _percent(tally.dkim_aligned, tally.messages),
                top,  # render_table escapes every cell
            )
        )
    lines = [
        render_table(
            (
                "LANE",
                "KIND",
                "MESSAGES",
                "DMARC PASS",
                "SPF ALIGNED",
                "DKIM ALIGNED",
                "TOP FINDING",
            ),
            rows,
        )
    ]
    if health.unattributed:
        lines.append("")
        lines.append(f"Unattributed: {health.unattributed_messages} messages")
        ordered = sorted(
            health.unattributed.items(), key=lambda item: (-item[1].tally.messages, item[0])
        )
        for name, domain in ordered[:10]:
            rate = _percent(domain.tally.dmarc_pass, domain.tally.messages)
            lines.append(
                f"  {safe_text(name)}: {domain.tally.messages} messages, {rate} DMARC pass"
            )
        if len(ordered) > 10:
            lines.append(f"  … and {len(ordered) - 10} more domains (--format json lists all)")
    lines.append("")
    period = health.to_json()["period"]
    span = f", {period['begin']} to {period['end']}" if period["begin"] else ""
    lines.append(
        f"Reports: {health.read} read, {health.duplicates} repeats skipped, "
        f"{health.outside_period} outside the period, {len(health.rejected)} rejected{span}"
    )
    for rejected in health.rejected:
        lines.append(f"  rejected {safe_text(rejected.name)}: {safe_text(rejected.error)}")
    return "\n".join(lines)
