"""``sendlanes verify``: compare live DNS with the plan and judge SPF, DKIM and DMARC."""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING, Any

from sendlanes.collector import collector_paused
from sendlanes.commands._arguments import parse_servers, port, positive_int, seconds
from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    load_stack,
    output_format,
)
from sendlanes.errors import UsageError
from sendlanes.output.terminal import render_table

if TYPE_CHECKING:
    # The lane model and the verify machinery are imported when the command runs, so
    # `sendlanes --help` and other commands start fast.
    from sendlanes.dns.resolver import QueryStats
    from sendlanes.dns.window import Window
    from sendlanes.verify.model import Check, Route, VerifyReport

FORMATS = ("table", "json")
PHASES = {"zones": "verify: zones", "dns": "verify: dns", "checks": "verify: checks"}
#: Threads running checks in each process. The waves warm the cache, so checks compute
#: (one thread at a time in Python): a second thread made a 1,500-lane share ~15% slower
#: in GIL hand-overs, and a question the waves did not foresee is rare (one round trip).
CHECK_THREADS = 1
#: Lanes per worker process below which another process is not worth starting.
LANES_PER_JOB = 150
#: Rounds through the servers per question (a lost UDP datagram is retried).
ATTEMPTS = 3
DETAIL_WIDTH = 110


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify",
        help="check live DNS against the plan: records, SPF, DKIM, DMARC, bounces, tracking",
        description=(
            "Ask DNS for every lane's records and compare them with the plan; analyze SPF, "
            "DKIM (following provider CNAMEs) and DMARC; check that return-path and tracking "
            "hosts resolve. Without --nameserver, each zone's authoritative servers are asked. "
            "Exit 0: all pass (warnings allowed); 1: a check failed; 3: no failure but some "
            "check could not be completed."
        ),
    )
    add_source_options(parser)
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--lane",
        action="append",
        default=[],
        metavar="BRAND/LANE",
        help="verify only this lane (repeatable; default: every lane)",
    )
    servers = parser.add_mutually_exclusive_group()
    servers.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="ask this server for every name (repeatable) instead of the zones' own servers",
    )
    servers.add_argument(
        "--resolver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="recursive resolver used to find the zones' servers and for names outside the "
        "brand zones (repeatable; default: the system's resolvers)",
    )
    parser.add_argument(
        "--authoritative-port",
        type=port,
        default=53,
        metavar="PORT",
        help="port the zones' name servers are asked on (default 53)",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=2.0,
        metavar="SECONDS",
        help="wait this long for one answer before retrying (default 2)",
    )
    parser.add_argument(
        "--deadline",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="stop asking after this long; unanswered checks are errors (default 60)",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=256,
        metavar="N",
        help="DNS questions in flight at once, for the whole run: shared among the --jobs"
        " workers, and lowered for a while after a timeout (default 256)",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU, up to 8, for large stacks)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )
    parser.set_defaults(handler=run)


def default_jobs(lanes: int) -> int:
    """One process per CPU (at most 8), and only as many as have ~150 lanes each."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, 8, lanes // LANES_PER_JOB))


def _route(args: argparse.Namespace, stats: QueryStats) -> tuple[Route, Window | None]:
    from sendlanes.dns.resolver import Resolver
    from sendlanes.verify.servers import AuthoritativeLookup, DirectRoute

    nameservers = parse_servers(args.nameserver, "--nameserver")
    resolvers = parse_servers(args.resolver, "--resolver")
    if not (nameservers or resolvers):
        # The system's resolvers: dnspython reads their configuration (resolv.conf).
        import dns.resolver

        try:
            dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise UsageError(
                "no system resolver is configured: pass --resolver HOST[:PORT] or --nameserver"
            ) from None
    try:
        resolver = Resolver(
            nameservers=nameservers or resolvers,
            timeout=args.timeout,
            lifetime=args.timeout * ATTEMPTS,
            deadline=time.monotonic() + args.deadline,
            stats=stats,
            attempts=ATTEMPTS,
            max_in_flight=args.concurrency,
        )
    except ValueError as error:  # a server given by a name that has no address
        raise UsageError(str(error)) from None
    if nameservers:
        return DirectRoute(resolver), resolver.window
    return AuthoritativeLookup(resolver, port=args.authoritative_port), resolver.window


def run(args: argparse.Namespace) -> int:
    from sendlanes.dns.resolver import QueryStats
    from sendlanes.output.progress import Progress
    from sendlanes.plan.build import build_plan
    from sendlanes.verify.jobs import verify_in_processes

    # The config and plan live until exit: the cycle collector would only walk them again
    # and again, while they are built (a third of the load time for a 3,000-lane stack) and
    # while the run allocates answers and checks (a third of the checking time).
    with collector_paused(settle=True):
        plan = build_plan(load_stack(args))
        lanes = plan.select_lanes(args.lane)
    route, window = _route(args, QueryStats())
    jobs = args.jobs if args.jobs is not None else default_jobs(len(lanes))
    with Progress(len(lanes), "verify", enabled=args.progress) as bar:
        report = verify_in_processes(
            plan,
            lanes,
            route,
            jobs=jobs,
            concurrency=CHECK_THREADS,
            window=window,
            on_progress=lambda phase, done, total: bar.update(done, total, PHASES[phase]),
        )
    if output_format(args) == "json":
        emit_json(report.to_json())
    else:
        print(report_table(report))
    return report.exit_code()


def report_table(report: VerifyReport) -> str:
    """All checks, one per row, then a summary line."""
    from sendlanes.verify.model import CheckStatus

    rows: list[tuple[str, str, str, str, str]] = []
    for lane in report.lanes:
        rows += [_row(f"{lane.brand}/{lane.lane}", check) for check in lane.checks]
    for brand in report.brands:
        rows += [_row(f"{brand.brand} (brand)", check) for check in brand.checks]
    counts = report.counts()
    summary = ", ".join(f"{counts[str(s)]} {s}" for s in CheckStatus)
    queries = report.queries.get("queries", 0)
    table = render_table(("lane", "status", "check", "name", "detail"), rows)
    return (
        f"{table}\n\n{len(report.lanes)} lane(s): {summary}; "
        f"{queries} DNS queries in {report.elapsed:.2f}s"
    )


def _row(owner: str, check: Check) -> tuple[str, str, str, str, str]:
    detail = check.detail
    if len(detail) > DETAIL_WIDTH:
        detail = detail[: DETAIL_WIDTH - 1] + "…"
    return (owner, str(check.status), str(check.check), check.name, detail)
