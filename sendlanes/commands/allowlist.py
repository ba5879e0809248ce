"""``sendlanes allowlist``: Customer.io's egress addresses for an SMTP server's allowlist.

Exit codes: 0 the list (and, with ``--refresh``, the App API agrees with it); 1 the App API
lists other addresses than the embedded list; 2 usage error; 3 the App API gave no usable
answer (the embedded list is still printed).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

from sendlanes.commands._arguments import seconds
from sendlanes.commands._options import emit_json
from sendlanes.customerio import allowlist
from sendlanes.customerio.allowlist import AllowlistChange, AppApiError, EgressList, Region
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK, UsageError
from sendlanes.output.terminal import safe_text

FORMATS = ("text", "json", "postfix", "nftables")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "allowlist",
        help="Customer.io's egress IP addresses (for your SMTP server's allowlist)",
        description=(
            "Print the addresses Customer.io connects from to your SMTP servers and webhooks, "
            "as published by Customer.io (embedded, with source and date). --refresh asks "
            f"Customer.io's App API (GET {allowlist.IP_ADDRESSES_PATH}, key from "
            f"{allowlist.API_KEY_ENV}) and shows what changed."
        ),
    )
    parser.add_argument(
        "--region",
        choices=[r.value for r in Region],
        help="Customer.io account region (default: every region; --refresh needs one)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="text, json, postfix (cidr table) or nftables (named set); "
        "default: text on a terminal, json otherwise",
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help=f"compare with the App API's current list (needs {allowlist.API_KEY_ENV})",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="SECONDS",
        help="App API timeout (default: 10)",
    )
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class RegionReport:
    embedded: EgressList
    url: str | None = None
    published: tuple[str, ...] | None = None
    change: AllowlistChange | None = None
    error: str | None = None

    @property
    def current(self) -> tuple[str, ...]:
        """The App API's list when it answered, else the embedded one."""
        return self.published if self.published is not None else self.embedded.addresses

    @property
    def origin(self) -> str:
        if self.published is not None and self.url is not None:
            return f"as listed by {self.url}"
        return f"{self.embedded.source}, retrieved {self.embedded.retrieved.isoformat()}"

    def refresh_status(self) -> str:
        if self.error is not None:
            return "error"
        return "changed" if self.change is not None and self.change.changed else "unchanged"


def run(args: argparse.Namespace) -> int:
    regions = [Region(args.region)] if args.region else list(Region)
    api_key = ""
    if args.refresh:
        if not args.region:
            raise UsageError(
                "--refresh asks one region's App API (an App API key belongs to one "
                "region): add --region us or --region eu"
            )
        api_key = os.environ.get(allowlist.API_KEY_ENV, "").strip()
        if not api_key:
            raise UsageError(
                f"--refresh needs a Customer.io App API key in the {allowlist.API_KEY_ENV} "
                "environment variable"
            )
    reports = [
        _report(region, api_key, args.timeout)
        if args.refresh
        else RegionReport(allowlist.embedded_list(region))
        for region in regions
    ]
    chosen = args.format or ("text" if sys.stdout.isatty() else "json")
    if chosen == "json":
        emit_json({"regions": [_json(report) for report in reports]})
    elif chosen == "text":
        sys.stdout.write(_text(reports, args.refresh))
    else:
        render = allowlist.render_postfix if chosen == "postfix" else allowlist.render_nftables
        for report in reports:
            sys.stdout.write(render(report.embedded.region, report.current, report.origin))
            if args.refresh:
                _note_on_stderr(report)
    if any(report.error is not None for report in reports):
        return EXIT_NO_VERDICT
    if any(report.change is not None and report.change.changed for report in reports):
        return EXIT_FINDINGS
    return EXIT_OK


def _report(region: Region, api_key: str, timeout: float) -> RegionReport:
    embedded = allowlist.embedded_list(region)
    base = os.environ.get(allowlist.API_BASE_ENV, "").strip() or None
    url = allowlist.api_url(region, base)
    print(f"sendlanes: asking {url}", file=sys.stderr)
    try:
        published = allowlist.fetch_published(region, api_key, base=base, timeout=timeout)
    except AppApiError as error:
        return RegionReport(embedded, url=url, error=error.reason)
    change = allowlist.compare(embedded.addresses, published)
    return RegionReport(embedded, url=url, published=published, change=change)


def _json(report: RegionReport) -> dict[str, Any]:
    document: dict[str, Any] = {
        "region": report.embedded.region.value,
        "source": report.embedded.source,
        "retrieved": report.embedded.retrieved.isoformat(),
        "addresses": list(report.embedded.addresses),
    }
    if report.url is not None:
        change = report.change
        document["refresh"] = {
            "url": report.url,
            "status": report.refresh_status(),
            "published": None if report.published is None else list(report.published),
            "added": [] if change is None else list(change.added),
            "removed": [] if change is None else list(change.removed),
            "error": report.error,
        }
    return document


def _text(reports: list[RegionReport], refreshed: bool) -> str:
    lines: list[str] = []
    for report in reports:
        embedded = report.embedded
        if lines:
            lines.append("")
        lines.append(
            f"Customer.io egress addresses, {embedded.region.value.upper()} region "
            f"({len(embedded.addresses)})"
        )
        lines.append(f"  source: {embedded.source} (retrieved {embedded.retrieved.isoformat()})")
        lines += [f"  {address}" for address in embedded.addresses]
        if refreshed:
            lines.append(f"  App API: {report.url}")
            lines += [f"    {line}" for line in _refresh_lines(report)]
    return "\n".join(safe_text(line) for line in lines) + "\n"


def _refresh_lines(report: RegionReport) -> list[str]:
    if report.error is not None:
        return [f"error: {report.error}", "(showing the embedded list)"]
    change = report.change
    assert change is not None and report.published is not None
    if not change.changed:
        return [f"unchanged: the App API lists the same {len(report.published)} addresses"]
    lines = [f"added (listed by the App API, not embedded): {a}" for a in change.added]
    lines += [f"removed (embedded, no longer listed): {a}" for a in change.removed]
    return lines


def _note_on_stderr(report: RegionReport) -> None:
    for line in _refresh_lines(report):
        print(f"sendlanes: {report.embedded.region.value}: {safe_text(line)}", file=sys.stderr)
