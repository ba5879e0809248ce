"""verify when DNS misbehaves: SERVFAIL, silence, truncation, a dead first server.

A check that could not be completed is an ``error`` — never a ``pass`` — and the run ends by
its deadline however many questions go unanswered. The faults come from the dict-backed test
server, which serves the bundled stack's plan and the providers' records from one zone.
"""

from __future__ import annotations

import datetime
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import Resolver
from sendlanes.plan.build import build_plan
from sendlanes.verify.model import CheckStatus, VerifyReport
from sendlanes.verify.runner import verify_lanes
from sendlanes.verify.servers import DirectRoute
from tests.support.dictdns import DictDnsServer
from tests.support.provider_zones import dict_zone

REPO = Path(__file__).resolve().parents[1]
PLAN = build_plan(load_stack_config(REPO / "Pulumi.prod.yaml"), today=datetime.date(2026, 12, 1))
ZONE = dict_zone(PLAN)


@pytest.fixture
def dns_server() -> Iterator[DictDnsServer]:
    with DictDnsServer.start(ZONE) as server:
        yield server


@pytest.fixture
def silent() -> Iterator[tuple[str, int]]:
    """A UDP port that receives questions and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield ("127.0.0.1", int(sock.getsockname()[1]))
    sock.close()


def verify(
    *servers: tuple[str, int],
    # A healthy server answers in milliseconds; the generous default keeps a busy machine
    # (the test server is a thread of this process) from turning a slow answer into an error.
    # Tests of timeouts pass their own, short, timeout.
    timeout: float = 1.0,
    deadline: float | None = None,
    lanes: tuple[str, ...] = (),
) -> VerifyReport:
    resolver = Resolver(
        nameservers=list(servers),
        timeout=timeout,
        lifetime=timeout * 3,
        deadline=time.monotonic() + deadline if deadline is not None else None,
    )
    return verify_lanes(PLAN, PLAN.select_lanes(lanes), DirectRoute(resolver))


def findings(report: VerifyReport) -> set[tuple[str, str, str]]:
    return {(str(c.check), c.name, str(c.status)) for c in report.checks() if c.status != "pass"}


def details(report: VerifyReport) -> list[str]:
    """What each check that did not pass said (shown when an assertion fails)."""
    return [
        f"{c.check} {c.name}: {c.status}: {c.detail}" for c in report.checks() if c.status != "pass"
    ]


def test_the_fault_free_zone_passes(dns_server: DictDnsServer) -> None:
    report = verify(dns_server.address)
    assert findings(report) == set(), details(report)


def test_servfail_is_an_error_and_the_run_has_no_verdict(dns_server: DictDnsServer) -> None:
    dns_server.servfail("_dmarc.mail.acme.example")
    report = verify(dns_server.address)
    assert findings(report) == {
        ("record", "TXT _dmarc.mail.acme.example", "error"),
        ("dmarc", "_dmarc.mail.acme.example", "error"),
    }
    assert all("SERVFAIL" in c.detail for c in report.checks() if c.status is CheckStatus.ERROR)
    assert report.exit_code() == 3


def test_a_provider_key_that_times_out_is_an_error(dns_server: DictDnsServer) -> None:
    zone = dict(ZONE)
    zone["s1.domainkey.u2744887.wl138.sendgrid.net"] = ["TIMEOUT"]
    dns_server.set_zone(zone)
    report = verify(dns_server.address, timeout=0.3, lanes=("acme/promos",))
    # The CNAME itself is published as planned and is read on its own: only the key, which
    # lives behind the silent name, has no verdict.
    assert findings(report) == {("dkim", "s1._domainkey.mail.acme.example", "error")}
    assert report.queries["timeouts"] >= 3  # every try of the question
    assert report.exit_code() == 3


def test_truncated_udp_answer_is_asked_again_over_tcp(dns_server: DictDnsServer) -> None:
    name = "20261101pm._domainkey.receipts.acme.example"
    dns_server.truncate(name)
    report = verify(dns_server.address, lanes=("acme/receipts",))
    assert findings(report) == set(), details(report)
    assert report.queries["tcp_fallbacks"] == 1
    assert [q.transport for q in dns_server.queries if q.name == name] == ["udp", "tcp"]


def test_a_dead_first_server_is_skipped_for_the_second(
    dns_server: DictDnsServer, silent: tuple[str, int]
) -> None:
    # The second server gets one timeout to answer each retried question: long enough that a
    # busy machine (the test server is a thread of this process) does not make it miss.
    report = verify(silent, dns_server.address, timeout=0.5, lanes=("acme/receipts",))
    assert findings(report) == set(), details(report)
    assert report.queries["retries"] > 0 and report.queries["timeouts"] > 0


def test_the_deadline_is_kept_when_no_server_answers(silent: tuple[str, int]) -> None:
    started = time.monotonic()
    report = verify(silent, timeout=0.3, deadline=0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, f"deadline 0.5 s, run took {elapsed:.2f} s"
    statuses = {c.status for c in report.checks()}
    assert statuses == {CheckStatus.ERROR}
    assert report.exit_code() == 3


def test_every_check_is_an_error_when_every_answer_is_servfail(
    dns_server: DictDnsServer,
) -> None:
    for name in ZONE:
        dns_server.servfail(name)
    report = verify(dns_server.address)
    assert {c.status for c in report.checks()} == {CheckStatus.ERROR}
