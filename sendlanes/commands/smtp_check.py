"""``sendlanes smtp-check``: can each lane's SMTP server take Customer.io's connection?

Per lane: connect, banner, EHLO, STARTTLS or implicit TLS, certificate (chain, host name,
expiry), AUTH mechanisms and — when a password is available — AUTH itself
(:func:`sendlanes.smtp.check_smtp`). Lanes are checked concurrently.

Exit codes (ARCHITECTURE.md §4): 0 every check passed or warned; 1 some check failed;
2 usage or config error; 3 no failure, but some check could not reach a verdict (timeout,
refused connection).

Every lane's session is bounded as a whole by ``--timeout`` and the run by ``--deadline``:
a lane cut off reports the steps it finished and ``error`` with the reason for the rest.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.commands._arguments import pem_bundle, seconds
from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    load_stack,
    output_format,
)
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK, UsageError
from sendlanes.output.terminal import render_table
from sendlanes.smtp.passwords import (
    LanePassword,
    StackOutputError,
    find_password,
    parse_stack_output_passwords,
    password_env_var,
)

if TYPE_CHECKING:
    # ssl, smtplib and cryptography cost ~30 ms: only `smtp-check` itself pays for them.
    from sendlanes.smtp.check import SessionDeadline, SmtpReport, SmtpTarget

FORMATS = ("table", "json")
MAX_PARALLEL = 8
DEFAULT_TIMEOUT = 30.0
DEFAULT_DEADLINE = 120.0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "smtp-check",
        help="check each lane's SMTP server: TLS, certificate, AUTH",
        description=(
            "Connect to each lane's SMTP server as Customer.io would: banner, EHLO, "
            "STARTTLS or implicit TLS (TLS 1.2+), certificate (chain, host name, expiry), "
            "AUTH mechanisms, and AUTH when a password is available from "
            "SENDLANES_SMTP_PASSWORD_<BRAND>_<LANE> or, with --passwords-from-stdin, from "
            "`pulumi stack output --json --show-secrets` piped in. Credentials are only ever "
            "sent over verified TLS and never printed."
        ),
    )
    add_source_options(parser)
    parser.add_argument(
        "--lane",
        action="append",
        default=[],
        metavar="BRAND/LANE",
        help="check only this lane (repeatable; default: every lane)",
    )
    parser.add_argument(
        "--cafile",
        type=pem_bundle,
        metavar="FILE",
        help="trust the CA certificates in this PEM file instead of the system trust store",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"bound on each lane's whole session, connect to AUTH (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--deadline",
        type=seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="bound on the whole run; lanes not done by then are errors "
        f"(default: {DEFAULT_DEADLINE:g})",
    )
    parser.add_argument(
        "--passwords-from-stdin",
        action="store_true",
        help="read smtpPasswords from `pulumi stack output --json --show-secrets` on stdin",
    )
    add_format_option(parser, FORMATS)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class LaneCheck:
    brand: str
    lane: str
    target: SmtpTarget
    password: LanePassword | None

    @property
    def key(self) -> str:
        return f"{self.brand}/{self.lane}"


def run(args: argparse.Namespace) -> int:
    # Imported here so other sub-commands and `--help` do not pay for them.
    from sendlanes.plan.build import build_plan
    from sendlanes.smtp.check import SmtpTarget

    cafile: Path | None = args.cafile
    plan = build_plan(load_stack(args), today=datetime.datetime.now(datetime.UTC).date())
    lanes = plan.select_lanes(args.lane)
    stack_passwords = _stdin_passwords() if args.passwords_from_stdin else {}
    checks = [
        LaneCheck(
            brand=lane.brand,
            lane=lane.name,
            target=SmtpTarget(
                host=lane.smtp.host,
                port=lane.smtp.port,
                tls=lane.smtp.tls,
                username=lane.smtp.username,
            ),
            password=find_password(
                lane.brand, lane.name, environ=os.environ, stack_passwords=stack_passwords
            ),
        )
        for lane in lanes
    ]
    reports = check_lanes(checks, cafile=cafile, timeout=args.timeout, deadline=args.deadline)
    _notes_on_stderr(checks, reports)
    if output_format(args) == "json":
        emit_json(
            {"lanes": [_json(check, report) for check, report in zip(checks, reports, strict=True)]}
        )
    else:
        print(_table(checks, reports))
    return exit_code(reports)


def _stdin_passwords() -> dict[str, str]:
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError(
            "--passwords-from-stdin reads a pipe: "
            "pulumi stack output --json --show-secrets | sendlanes smtp-check "
            "--passwords-from-stdin"
        )
    try:
        return parse_stack_output_passwords(sys.stdin.read(), source="stdin")
    except StackOutputError as error:
        raise UsageError(error.problems) from None


def check_lanes(
    checks: Sequence[LaneCheck],
    *,
    cafile: Path | None,
    timeout: float,
    deadline: float = DEFAULT_DEADLINE,
) -> list[SmtpReport]:
    """Run :func:`check_smtp` for every lane, at most ``MAX_PARALLEL`` at a time, in order.

    Each session is bounded by *timeout*; when *deadline* seconds have passed, sessions under
    way are cut off and lanes not started are reported as not checked.
    """
    from sendlanes.output.progress import Progress
    from sendlanes.smtp.check import (
        CONNECT,
        SmtpReport,
        SmtpStep,
        StepStatus,
        check_smtp,
        port_step,
        session_deadline,
    )

    if not checks:
        return []
    now = datetime.datetime.now(datetime.UTC)
    overall = f"not finished: the run's --deadline of {deadline:g} s passed"
    ends = time.monotonic() + deadline
    lock = threading.Lock()
    running: list[SessionDeadline] = []
    finished = 0
    progress = Progress(len(checks), "smtp-check")

    def one(check: LaneCheck) -> SmtpReport:
        nonlocal finished
        bound = session_deadline(timeout)
        with lock:
            late = time.monotonic() >= ends
            if not late:
                running.append(bound)
        if late:
            first = port_step(check.target)
            return SmtpReport(check.target, (first, SmtpStep(CONNECT, StepStatus.ERROR, overall)))
        try:
            return check_smtp(
                check.target,
                password=check.password.value if check.password is not None else None,
                cafile=str(cafile) if cafile is not None else None,
                timeout=timeout,
                now=now,
                deadline=bound,
            )
        finally:
            with lock:
                running.remove(bound)
                finished += 1
                progress.update(finished)

    def cut_off() -> None:
        with lock:
            for bound in running:
                bound.expire(overall)

    alarm = threading.Timer(deadline, cut_off)
    alarm.daemon = True
    alarm.start()
    try:
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(checks))) as pool:
            return list(pool.map(one, checks))
    finally:
        alarm.cancel()
        progress.close()


def exit_code(reports: Sequence[SmtpReport]) -> int:
    if any(report.failed for report in reports):
        return EXIT_FINDINGS
    if any(report.errored for report in reports):
        return EXIT_NO_VERDICT
    return EXIT_OK


def _notes_on_stderr(checks: Sequence[LaneCheck], reports: Sequence[SmtpReport]) -> None:
    """Where each password came from (never the password), and how to supply a missing one."""
    for check, report in zip(checks, reports, strict=True):
        counts = _counts(report)
        if check.password is not None:
            source = f"password from {check.password.source}"
        else:
            variable = password_env_var(check.brand, check.lane)
            source = f"no password (set {variable} or use --passwords-from-stdin)"
        print(f"smtp-check: {check.key}: {counts}; {source}", file=sys.stderr)


def _counts(report: SmtpReport) -> str:
    tally: dict[str, int] = {}
    for step in report.steps:
        tally[step.status.value] = tally.get(step.status.value, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in tally.items())


def _json(check: LaneCheck, report: SmtpReport) -> dict[str, object]:
    target = report.target
    return {
        "brand": check.brand,
        "lane": check.lane,
        "host": target.host,
        "port": target.port,
        "tls": target.tls.value,
        "username": target.username,
        "checks": [
            {"check": step.check, "status": step.status.value, "detail": step.detail}
            for step in report.steps
        ],
    }


def _table(checks: Sequence[LaneCheck], reports: Sequence[SmtpReport]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    for check, report in zip(checks, reports, strict=True):
        target = report.target
        endpoint = f"{target.host}:{target.port} ({target.tls.value})"
        for index, step in enumerate(report.steps):
            first = index == 0
            rows.append(
                (
                    check.key if first else "",
                    endpoint if first else "",
                    step.check,
                    step.status.value,
                    step.detail,
                )
            )
    return render_table(("lane", "endpoint", "check", "status", "detail"), rows)
