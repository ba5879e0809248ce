"""``sendlanes plan``: what the stack publishes, without any cloud account."""

from __future__ import annotations

import argparse
import datetime
from typing import TYPE_CHECKING, Any

from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    load_stack,
    output_format,
)
from sendlanes.errors import EXIT_OK, UsageError
from sendlanes.output.terminal import render_table

if TYPE_CHECKING:
    from sendlanes.plan.model import Plan

FORMATS = ("table", "json", "zone", "customerio", "customerio-json")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="show every record, SMTP setting and route the stack publishes",
        description="Show what `pulumi up` would publish for each brand and lane.",
    )
    add_source_options(parser)
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--date",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="evaluate warm-up limits on this day instead of today",
    )
    parser.set_defaults(handler=run)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run(args: argparse.Namespace) -> int:
    # Imported here so `sendlanes --help` and other commands do not pay for pydantic.
    from sendlanes.collector import collector_paused
    from sendlanes.plan.build import build_plan
    from sendlanes.plan.zone import refuse_cname_collisions

    # Everything this command builds stays alive until it exits; the cyclic collector would
    # only re-scan it (a third of the run time for a 3,000-lane stack), and it is frozen
    # before the collector resumes.
    with collector_paused(settle=True):
        plan = build_plan(load_stack(args), today=args.date)
        refuse_cname_collisions(plan)  # a zone no DNS server would load: exit 2
        return _show(plan, args)


def _show(plan: Plan, args: argparse.Namespace) -> int:
    chosen = output_format(args)
    if chosen == "json":
        emit_json(plan.to_json())
    elif chosen == "zone":
        print(zone_fragment(plan), end="")
    elif chosen == "customerio":
        from sendlanes.customerio.handoff import handoff_text

        print(handoff_text(plan), end="")
    elif chosen == "customerio-json":
        from sendlanes.customerio.handoff import handoff_json

        emit_json(handoff_json(plan))
    elif chosen == "table":
        print(plan_table(plan))
    else:  # pragma: no cover - argparse restricts choices
        raise UsageError(f"unknown format {chosen}")
    return EXIT_OK


def zone_fragment(plan: Plan) -> str:
    """A BIND master-file fragment per zone, TXT split into ≤255-octet strings."""
    from sendlanes.lanes.records import zone_file_line

    lines: list[str] = []
    for brand in plan.brands:
        lines.append(f"; zone {brand.domain} (brand {brand.name})")
        for record in brand.all_records():
            lines.append(zone_file_line(record))
        lines.append("")
    return "\n".join(lines)


def plan_table(plan: Plan) -> str:
    sections = []
    for brand in plan.brands:
        for lane in brand.lanes:
            smtp = lane.smtp
            header = (
                f"{lane.key}  {lane.kind}  {lane.fqdn}  via {lane.provider}  "
                f"smtp {smtp.host}:{smtp.port} ({smtp.tls})"
            )
            if lane.warmup is not None:
                limit = lane.warmup.today_limit
                header += f"  warm-up today: {'no limit' if limit is None else limit}"
            rows = [
                (r.type, r.name, _short(r.content), r.priority or "", r.purpose)
                for r in lane.records
            ]
            sections.append(
                header + "\n" + render_table(("type", "name", "content", "prio", "purpose"), rows)
            )
        if brand.records:
            rows = [(r.type, r.name, _short(r.content), "", r.purpose) for r in brand.records]
            sections.append(
                f"{brand.name} (brand-wide)\n"
                + render_table(("type", "name", "content", "prio", "purpose"), rows)
            )
    return "\n\n".join(sections)


def _short(content: str, width: int = 72) -> str:
    return content if len(content) <= width else content[: width - 1] + "…"
