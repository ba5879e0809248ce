"""``sendlanes spf DOMAIN``: is the domain's SPF record valid, and within its lookup budget?

With ``--ip`` it also evaluates check_host() for a message from that client address.

Exit codes: 0 the record is valid (and, with ``--ip``, the result is pass); 1 a finding: no
record, a permerror, or with ``--ip`` any result but pass or temperror; 2 usage error; 3 no
verdict: a DNS failure (temperror) and no finding.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from sendlanes.commands._arguments import parse_servers, seconds
from sendlanes.commands._options import (
    add_format_option,
    emit_json,
    output_format,
)
from sendlanes.errors import EXIT_FINDINGS, EXIT_NO_VERDICT, EXIT_OK, UsageError
from sendlanes.output.terminal import render_table

if TYPE_CHECKING:
    from sendlanes.auth.spf import SpfAnalysis, SpfResult
    from sendlanes.dns.resolver import Resolver

FORMATS = ("table", "json")
DEFAULT_TIMEOUT = 5.0
PER_TRY_TIMEOUT = 2.0  # a lost UDP packet is retried after this long


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "spf",
        help="check a domain's SPF record: syntax, lookup budget, and optionally a sender IP",
        description=(
            "Find and check DOMAIN's SPF record (RFC 7208): syntax, includes and redirects, "
            "the 10-lookup and 2-void-lookup limits. With --ip, also evaluate check_host() "
            "for mail from that address. Exit 0 valid (and pass with --ip), 1 finding, "
            "2 usage error, 3 DNS failure."
        ),
    )
    parser.add_argument("domain", metavar="DOMAIN", help="the domain whose record to check")
    parser.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="ask this name server (repeatable; default: the system resolver)",
    )
    parser.add_argument(
        "--ip", metavar="IP", help="evaluate check_host() for mail from this client address"
    )
    parser.add_argument(
        "--sender", metavar="ADDR", help="MAIL FROM address for --ip (default: postmaster@DOMAIN)"
    )
    parser.add_argument("--helo", metavar="NAME", help="HELO name for --ip (default: DOMAIN)")
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for each DNS answer, retries included"
        f" (default: {DEFAULT_TIMEOUT:g})",
    )
    add_format_option(parser, FORMATS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `sendlanes --help` and other commands do not pay for dnspython.
    from sendlanes.auth.spf import analyze_spf, check_host
    from sendlanes.auth.spf_names import domain_problem, without_final_dot
    from sendlanes.lanes.hostnames import a_labels

    domain = without_final_dot(args.domain.strip())
    if not domain:
        raise UsageError("DOMAIN is empty: name the domain whose SPF record to check")
    # A malformed DOMAIN (an empty label, a label over 63 octets, one label, an address
    # literal) is no usage error: check_host() and the analysis say "none" (RFC 7208 §4.3).
    if domain_problem(domain) is None:
        try:
            # A-labels on the wire: `bücher.test` asks for xn--bcher-kva.test (UTS 46).
            domain = ".".join(a_labels(domain, allow_underscore=True))
        except ValueError as error:
            raise UsageError(f"DOMAIN is not a domain name: {error}") from None
    _check_options(args)
    resolver = _resolver(args)
    analysis = analyze_spf(domain, resolver)
    result = None
    if args.ip is not None:
        result = check_host(args.ip, domain, args.sender or "", args.helo or domain, resolver)
    if output_format(args) == "json":
        emit_json(_document(analysis, result, args))
    else:
        print(_table(analysis, result))
    return exit_code(analysis, result)


def _check_options(args: argparse.Namespace) -> None:
    from sendlanes.auth.spf import client_address

    problems = []
    if args.ip is None and (args.sender is not None or args.helo is not None):
        problems.append("--sender and --helo describe the message for --ip: add --ip IP")
    if args.ip is not None:
        try:
            client_address(args.ip)
        except ValueError:
            problems.append(f"--ip {args.ip!r} is not an IPv4 or IPv6 address")
    if problems:
        raise UsageError(problems)


def _resolver(args: argparse.Namespace) -> Resolver:
    from sendlanes.dns.resolver import Resolver

    timeout = min(args.timeout, PER_TRY_TIMEOUT)
    nameservers = parse_servers(args.nameserver)
    if nameservers:
        return Resolver(nameservers=nameservers, timeout=timeout, lifetime=args.timeout)
    import dns.resolver  # only the system configuration needs it

    try:
        return Resolver(timeout=timeout, lifetime=args.timeout)
    except dns.resolver.NoResolverConfiguration:
        raise UsageError("no system resolver is configured: pass --nameserver IP[:PORT]") from None


def exit_code(analysis: SpfAnalysis, result: SpfResult | None) -> int:
    """0 valid (and pass), 1 any finding, 3 a DNS failure without a finding (ARCHITECTURE §4)."""
    from sendlanes.auth.spf import SpfResultCode, SpfStatus

    finding = analysis.status in (SpfStatus.NONE, SpfStatus.PERMERROR)
    no_verdict = analysis.status is SpfStatus.TEMPERROR
    if result is not None:
        finding = finding or result.result not in (SpfResultCode.PASS, SpfResultCode.TEMPERROR)
        no_verdict = no_verdict or result.result is SpfResultCode.TEMPERROR
    if finding:
        return EXIT_FINDINGS
    return EXIT_NO_VERDICT if no_verdict else EXIT_OK


def _document(
    analysis: SpfAnalysis, result: SpfResult | None, args: argparse.Namespace
) -> dict[str, Any]:
    document = analysis.to_json()
    if result is not None:
        document["result"] = result.result.value
        document["check_host"] = {
            "ip": args.ip,
            "sender": args.sender or f"postmaster@{analysis.domain}",
            "helo": args.helo or analysis.domain,
            "mechanism": result.mechanism,
            "explanation": result.explanation,
            "error": result.error,
            "lookups": result.lookups,
            "void_lookups": result.void_lookups,
        }
    return document


def _table(analysis: SpfAnalysis, result: SpfResult | None) -> str:
    from sendlanes.auth.spf import MAX_LOOKUPS, MAX_VOID_LOOKUPS

    rows: list[tuple[str, object]] = [
        ("domain", analysis.domain),
        ("record", analysis.record or "-"),
        ("status", analysis.status.value),
        ("lookups", f"{analysis.lookups} of {MAX_LOOKUPS}"),
        ("void lookups", f"{analysis.void_lookups} of {MAX_VOID_LOOKUPS}"),
    ]
    if analysis.error:
        rows.append(("error", analysis.error))
    rows.extend(("warning", warning) for warning in analysis.warnings)
    if result is not None:
        matched = f" (matched {result.mechanism})" if result.mechanism else ""
        rows.append(("result", f"{result.result.value}{matched}"))
        if result.explanation:
            rows.append(("explanation", result.explanation))
        if result.error:
            rows.append(("result error", result.error))
    return render_table(("field", "value"), rows)
