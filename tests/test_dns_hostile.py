"""A hostile name server against the resolver, `sendlanes spf` and verify.

Forged, mismatched and malformed answers must never be taken for the real one: each is
dropped (the query keeps waiting for the real answer) or, when it matches the query but
cannot be read, an error. Every wait ends by its timeout or the run's deadline, whatever the
server does. The server is :mod:`tests.support.hostile_dns`, on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import secrets
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import dns.message
import dns.rdataclass
import dns.rrset
import pytest

from sendlanes.cli import main
from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import DnsTemporaryError, Resolver
from sendlanes.plan.build import build_plan
from sendlanes.verify.model import CheckStatus, VerifyReport
from sendlanes.verify.runner import verify_lanes
from sendlanes.verify.servers import DirectRoute
from tests.support.hostile_dns import Address, HostileServer, tampered
from tests.support.provider_zones import dict_zone

REPO = Path(__file__).resolve().parents[1]
ZONE = {
    "real.example": [{"TXT": "v=spf1 -all"}],
    "empty.example": [{"A": "192.0.2.1"}],  # no TXT record: SPF result "none"
}
FORGED = "v=spf1 +all"
QR, OPCODE_NOTIFY = 0x8000, 0x2000


def forged(
    query: bytes, *, name: str | None = None, rdtype: str = "TXT", rdclass: str = "IN"
) -> bytes:
    """An answer to *query*'s ID carrying :data:`FORGED`, for *name*/*rdtype*/*rdclass*."""
    asked = dns.message.from_wire(query)
    qname = name or asked.question[0].name.to_text()
    fake = dns.message.make_query(qname, rdtype, rdclass=dns.rdataclass.from_text(rdclass))
    fake.id = asked.id
    response = dns.message.make_response(fake)
    if rdtype == "TXT":
        response.answer.append(dns.rrset.from_text(qname, 300, rdclass, "TXT", f'"{FORGED}"'))
    return response.to_wire()


def other_id(query: bytes) -> int:
    return int(struct.unpack_from("!H", query)[0]) ^ 0x5A5A


def later(seconds: float, action: Callable[[], None]) -> None:
    time.sleep(seconds)
    action()


def resolver(server: HostileServer, timeout: float = 1.0, **settings: float) -> Resolver:
    return Resolver(nameservers=[server.address], timeout=timeout, lifetime=timeout * 3, **settings)  # type: ignore[arg-type]


def spf(
    server: HostileServer, capsys: pytest.CaptureFixture[str], domain: str, timeout: str = "2"
) -> tuple[int, dict[str, object]]:
    code = main(
        ["spf", domain, "--nameserver", server.nameserver, "--timeout", timeout, "--format", "json"]
    )
    return code, json.loads(capsys.readouterr().out)


# -- mismatched answers are dropped; the real one still counts ---------------------------------

TAMPERING: dict[str, Callable[[HostileServer, bytes, Address], None]] = {
    "wrong ID": lambda s, q, c: s.send(
        tampered(forged(q), qid=struct.unpack_from("!H", q)[0] ^ 0x5A5A), c
    ),
    "another name": lambda s, q, c: s.send(forged(q, name="other.example."), c),
    "another type": lambda s, q, c: s.send(forged(q, rdtype="A"), c),
    "another class": lambda s, q, c: s.send(forged(q, rdclass="CH"), c),
    "QR clear": lambda s, q, c: s.send(tampered(forged(q), clear_flags=QR), c),
    "opcode NOTIFY": lambda s, q, c: s.send(tampered(forged(q), set_flags=OPCODE_NOTIFY), c),
    "another port": lambda s, q, c: s.send_from_other_port(forged(q), c),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_mismatched_answer_is_dropped_and_the_real_one_is_taken(how: str) -> None:
    def behaviour(server: HostileServer, query: bytes, client: Address) -> None:
        TAMPERING[how](server, query, client)
        later(0.05, lambda: server.send(server.real(query), client))

    with HostileServer.start(ZONE, udp=behaviour) as server:
        asking = resolver(server)
        assert asking.txt("real.example") == ("v=spf1 -all",)
    assert asking.stats.dropped == 1 and asking.stats.retries == 0


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_mismatched_answer_alone_is_never_an_answer(how: str) -> None:
    def behaviour(server: HostileServer, query: bytes, client: Address) -> None:
        TAMPERING[how](server, query, client)

    with (
        HostileServer.start(ZONE, udp=behaviour) as server,
        pytest.raises(DnsTemporaryError, match="timeout"),
    ):
        resolver(server, timeout=0.2).txt("empty.example")


# -- answers that match but cannot be read are errors -------------------------------------------


def undecodable(reply: bytes) -> bytes:
    """*reply* claiming five more answer records than it has (ID and question intact)."""
    ancount = struct.unpack_from("!H", reply, 6)[0]
    return reply[:6] + struct.pack("!H", ancount + 5) + reply[8:]


def test_an_undecodable_answer_with_the_right_id_is_an_error_over_udp(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def behaviour(server: HostileServer, query: bytes, client: Address) -> None:
        server.send(undecodable(server.real(query)), client)

    with HostileServer.start(ZONE, udp=behaviour) as server:
        with pytest.raises(DnsTemporaryError, match="malformed answer"):
            resolver(server, timeout=0.3).txt("empty.example")
        code, result = spf(server, capsys, "empty.example", timeout="1")
    assert (code, result["status"]) == (3, "temperror")


def truncated(server: HostileServer, query: bytes, client: Address) -> None:
    server.send(tampered(server.real(query), set_flags=0x0200), client)


def test_an_undecodable_answer_over_tcp_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    def over_tcp(server: HostileServer, query: bytes, conn: object) -> None:
        reply = undecodable(server.real(query, "tcp"))
        conn.sendall(struct.pack("!H", len(reply)) + reply)  # type: ignore[attr-defined]

    with HostileServer.start(ZONE, udp=truncated, tcp=over_tcp) as server:
        with pytest.raises(DnsTemporaryError, match="malformed answer over TCP"):
            resolver(server).txt("empty.example")
        code, result = spf(server, capsys, "empty.example")
    assert (code, result["status"]) == (3, "temperror")


def test_a_tcp_answer_to_another_question_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    def over_tcp(server: HostileServer, query: bytes, conn: object) -> None:
        reply = forged(query, rdtype="A")
        conn.sendall(struct.pack("!H", len(reply)) + reply)  # type: ignore[attr-defined]

    with HostileServer.start(ZONE, udp=truncated, tcp=over_tcp) as server:
        with pytest.raises(DnsTemporaryError, match="mismatched TCP answer"):
            resolver(server).txt("real.example")
        code, result = spf(server, capsys, "real.example")
    assert (code, result["status"]) == (3, "temperror")


# -- every wait has a bound ---------------------------------------------------------------------


def trickle(server: HostileServer, query: bytes, conn: object) -> None:
    """The real answer over TCP, one byte a second."""
    reply = server.real(query, "tcp")
    for byte in struct.pack("!H", len(reply)) + reply:
        if server.stopping.wait(1.0):
            return
        conn.sendall(bytes((byte,)))  # type: ignore[attr-defined]


def test_spf_timeout_holds_against_a_tcp_server_trickling_bytes() -> None:
    with HostileServer.start(ZONE, udp=truncated, tcp=trickle) as server:
        command = [sys.executable, "-m", "sendlanes", "spf", "real.example", "--format", "json"]
        command += ["--nameserver", server.nameserver, "--timeout", "2"]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        # The trickled answer would take minutes; the guard only catches a hang.
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=60, env=env, cwd=REPO
        )
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout)["status"] == "temperror"


PLAN = build_plan(load_stack_config(REPO / "Pulumi.prod.yaml"), today=datetime.date(2026, 12, 1))
PLAN_ZONE = dict_zone(PLAN)


def verify_in_thread(
    server: HostileServer, *, deadline: float, timeout: float = 1.0
) -> VerifyReport:
    """verify_lanes on the plan against *server*; a hang fails the test (60 s guard)."""
    route = DirectRoute(resolver(server, timeout=timeout, deadline=time.monotonic() + deadline))
    reports: list[VerifyReport] = []
    worker = threading.Thread(
        target=lambda: reports.append(verify_lanes(PLAN, PLAN.lanes(), route)), daemon=True
    )
    worker.start()
    worker.join(60)
    assert reports, "verify did not finish"
    return reports[0]


def test_verify_deadline_holds_against_a_tcp_server_trickling_bytes() -> None:
    with HostileServer.start(PLAN_ZONE, udp=truncated, tcp=trickle) as server:
        report = verify_in_thread(server, deadline=1.5)
    assert {c.status for c in report.checks()} == {CheckStatus.ERROR}
    assert report.exit_code() == 3


def garbage_then_real(count: int) -> Callable[[HostileServer, bytes, Address], None]:
    def behaviour(server: HostileServer, query: bytes, client: Address) -> None:
        qid = struct.unpack_from("!H", query)[0]
        for index in range(count):
            if index % 100 == 0:  # now and then a full-size message with another ID
                junk = struct.pack("!HH", qid ^ 1, QR) + secrets.token_bytes(60_000)
            else:
                junk = secrets.token_bytes(1 + secrets.randbelow(1200))
            server.send(junk, client)
        # The real answer a moment later, once the client could read the flood: sent at
        # once, it may find the socket's buffer full, like any datagram behind a flood.
        later(0.05, lambda: server.send(server.real(query), client))

    return behaviour


def test_a_flood_of_garbage_does_not_change_the_spf_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with HostileServer.start(ZONE, udp=garbage_then_real(300)) as server:
        code, result = spf(server, capsys, "real.example")
    assert (code, result["status"], result["record"]) == (0, "valid", "v=spf1 -all")


def test_a_flood_of_garbage_does_not_change_the_verify_verdict() -> None:
    with HostileServer.start(PLAN_ZONE, udp=garbage_then_real(20)) as server:
        report = verify_in_thread(server, deadline=30, timeout=2.0)
    failing = [f"{c.check} {c.name}: {c.detail}" for c in report.checks() if c.status != "pass"]
    assert failing == []
    assert report.exit_code() == 0


# -- blind spoofing -----------------------------------------------------------------------------


def test_forged_answers_sprayed_at_the_client_ports_are_never_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A spoofer sprays forged answers (IDs 1-8, then 500 random ones) from the server's own
    address and port at the source ports the client used last, before the real (late) answer.

    IDs counted from 1 are hit at once. A guess that hits a random ID is a perfect forgery:
    the random guesses leave out the true ID so the test is exact; IDs 1-8 do not, so a
    random ID falls among them with a chance of 8 in 65,536 per query.
    """

    def behaviour(server: HostileServer, query: bytes, client: Address) -> None:
        true_id = struct.unpack_from("!H", query)[0]
        ports = {port for _, port in server.seen[-8:]}  # the client's latest source ports
        lie = forged(query)
        randoms = [secrets.randbelow(0x10000) for _ in range(500)]
        for guess in [*range(1, 9), *(r for r in randoms if r != true_id)]:
            for port in ports:
                server.send(tampered(lie, qid=guess), (client[0], port))
        later(0.2, lambda: server.send(server.real(query), client))

    with HostileServer.start(ZONE, udp=behaviour) as server:
        for _ in range(3):
            code, result = spf(server, capsys, "empty.example")
            assert (code, result["status"], result["record"]) == (1, "none", None)
            assert resolver(server).txt("empty.example") == ()


# -- IDs and source ports are unpredictable ------------------------------------------------------


def test_ids_are_random_and_source_ports_vary() -> None:
    with HostileServer.start(ZONE) as server:
        first = resolver(server)
        first.prefetch([(f"n{i}.example", "TXT") for i in range(40)])
        resolver(server).prefetch([(f"m{i}.example", "TXT") for i in range(40)])
        seen = list(server.seen)
    ids = [qid for qid, _ in seen]
    assert len(ids) == 80 and len(set(ids)) > 70
    steps = sum(1 for a, b in itertools.pairwise(ids) if b - a in (0, 1))
    assert steps < 5, ids
    ports = {port for _, port in seen}
    assert len({port for _, port in seen[:40]}) >= 2
    assert len(ports) >= 4
