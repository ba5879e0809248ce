"""Sending many questions at once: pipelined UDP with retries, TCP on truncation.

One call sends every question over one UDP socket per address family, keeping at most
*max_in_flight* unanswered at a time (bounded concurrency without a thread per question).
An answer is matched to its query by ID, server address and question (RFC 5452 §9.1), so a
late or forged datagram is ignored. A question without an answer within *timeout* is sent
again to the next server; a SERVFAIL or REFUSED answer moves on to the next server at once.
Each question is tried *tries* times in all, never past the *deadline*. A truncated answer
is asked again over TCP (RFC 7766 §5).
"""

from __future__ import annotations

import ipaddress
import itertools
import select
import socket
import struct
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sendlanes.dns.wire import (
    QTYPES,
    RCODE_NAMES,
    RCODE_REFUSED,
    RCODE_SERVFAIL,
    WireAnswer,
    WireError,
    decode_response,
    encode_query,
)

Server = tuple[str, int]
_MAX_UDP = 65535


class Ask(NamedTuple):
    """One question: name (lower case, no trailing dot), type, wire labels, where to ask.

    A named tuple rather than a dataclass: a large run makes tens of thousands of them and
    uses each as a dictionary key.
    """

    name: str
    rdtype: str
    labels: bytes
    servers: tuple[Server, ...]
    recursion_desired: bool
    tries: int
    #: seconds from the first try after which the question is given up
    lifetime: float = float("inf")


@dataclass
class Counters:
    """What one exchange sent, for :class:`sendlanes.dns.resolver.QueryStats`."""

    queries: int = 0
    retries: int = 0
    timeouts: int = 0
    tcp_fallbacks: int = 0


@dataclass
class _Try:
    question: Ask
    tries: int = 0
    reason: str = "not sent"
    qid: int = 0
    server: Server = ("", 0)
    expires: float = 0.0
    started: float | None = None
    send_failed: bool = False


@dataclass
class Exchange:
    """Settings of one batch; :meth:`run` returns an answer or a failure reason per question."""

    timeout: float
    deadline: float | None
    max_in_flight: int = 64
    clock: Callable[[], float] = time.monotonic
    counters: Counters = field(default_factory=Counters)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def run(self, questions: Sequence[Ask]) -> dict[Ask, WireAnswer | str]:
        results: dict[Ask, WireAnswer | str] = {
            q: "no name server configured" for q in questions if not q.servers
        }
        waiting: deque[_Try] = deque(_Try(q) for q in questions if q.servers)
        in_flight: OrderedDict[int, _Try] = OrderedDict()  # in send order = expiry order
        truncated: list[_Try] = []
        sockets: dict[int, socket.socket] = {}
        try:
            while waiting or in_flight:
                now = self.clock()
                if self.deadline is not None and now >= self.deadline:
                    for attempt in (*waiting, *in_flight.values()):
                        results[_key(attempt)] = f"deadline passed ({attempt.reason})"
                    break
                while waiting and len(in_flight) < self.max_in_flight:
                    attempt = waiting.popleft()
                    self._send(attempt, sockets, in_flight, now)
                self._receive(sockets, in_flight, waiting, truncated, results)
                self._expire(in_flight, waiting, results)
        finally:
            for sock in sockets.values():
                sock.close()
        for attempt in truncated:
            results[_key(attempt)] = self._over_tcp(attempt)
        return results

    # -- UDP -------------------------------------------------------------------------------

    def _send(
        self,
        attempt: _Try,
        sockets: dict[int, socket.socket],
        in_flight: OrderedDict[int, _Try],
        now: float,
    ) -> None:
        question = attempt.question
        attempt.server = question.servers[attempt.tries % len(question.servers)]
        if attempt.tries:
            self.counters.retries += 1
        attempt.tries += 1
        attempt.qid = self._free_id(in_flight)
        wire = encode_query(
            attempt.qid,
            question.labels,
            QTYPES[question.rdtype],
            recursion_desired=question.recursion_desired,
        )
        family = socket.AF_INET6 if ":" in attempt.server[0] else socket.AF_INET
        sock = sockets.get(family)
        if sock is None:
            sock = sockets[family] = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
        if attempt.started is None:
            attempt.started = now
        attempt.expires = min(now + self.timeout, attempt.started + question.lifetime)
        if self.deadline is not None:
            attempt.expires = min(attempt.expires, self.deadline)
        attempt.send_failed = False
        try:
            sock.sendto(wire, attempt.server)
        except OSError as error:
            attempt.reason = f"{type(error).__name__} sending to {_shown(attempt.server)}"
            attempt.send_failed = True
            attempt.expires = now  # no answer will come: retried or failed by _expire
        self.counters.queries += 1
        in_flight[attempt.qid] = attempt

    def _free_id(self, in_flight: OrderedDict[int, _Try]) -> int:
        while True:
            qid = next(self._ids) & 0xFFFF
            if qid and qid not in in_flight:
                return qid

    def _receive(
        self,
        sockets: dict[int, socket.socket],
        in_flight: OrderedDict[int, _Try],
        waiting: deque[_Try],
        truncated: list[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        if not in_flight:
            return
        first = next(iter(in_flight.values()))
        wait = max(0.0, first.expires - self.clock())
        if waiting and len(in_flight) < self.max_in_flight:
            wait = 0.0  # more to send first
        readable, _, _ = select.select(list(sockets.values()), [], [], wait)
        for sock in readable:
            while True:
                try:
                    data, source = sock.recvfrom(_MAX_UDP)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break  # e.g. ICMP port unreachable reported on the socket
                self._accept(data, source, in_flight, waiting, truncated, results)

    def _accept(
        self,
        data: bytes,
        source: tuple[str, int] | tuple[str, int, int, int],
        in_flight: OrderedDict[int, _Try],
        waiting: deque[_Try],
        truncated: list[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        try:
            answer = decode_response(data)
        except WireError:
            return
        attempt = in_flight.get(answer.qid)
        if attempt is None or not _same_server(source, attempt.server):
            return
        if answer.qname != attempt.question.name or answer.qtype != QTYPES[attempt.question.rdtype]:
            return  # not the answer to this question: keep waiting
        del in_flight[answer.qid]
        if answer.truncated:
            truncated.append(attempt)
        elif answer.rcode in (RCODE_SERVFAIL, RCODE_REFUSED):
            attempt.reason = f"{RCODE_NAMES[answer.rcode]} from {_shown(attempt.server)}"
            self._retry_or_fail(attempt, waiting, results)
        else:
            results[_key(attempt)] = answer

    def _expire(
        self,
        in_flight: OrderedDict[int, _Try],
        waiting: deque[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        now = self.clock()
        while in_flight:
            qid, attempt = next(iter(in_flight.items()))
            if attempt.expires > now:
                break
            del in_flight[qid]
            if not attempt.send_failed:
                self.counters.timeouts += 1
                attempt.reason = f"timeout from {_shown(attempt.server)}"
            self._retry_or_fail(attempt, waiting, results)

    def _retry_or_fail(
        self,
        attempt: _Try,
        waiting: deque[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        started = attempt.started if attempt.started is not None else self.clock()
        alive = self.clock() < started + attempt.question.lifetime
        if attempt.tries < attempt.question.tries and alive:
            waiting.appendleft(attempt)
        else:
            results[_key(attempt)] = f"no answer after {attempt.tries} tries ({attempt.reason})"

    # -- TCP -------------------------------------------------------------------------------

    def _over_tcp(self, attempt: _Try) -> WireAnswer | str:
        """Ask again over TCP, from the server that sent the truncated answer."""
        self.counters.tcp_fallbacks += 1
        self.counters.queries += 1
        question = attempt.question
        timeout = self.timeout
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - self.clock())
        if timeout <= 0:
            return "deadline passed (truncated UDP answer, no time left for TCP)"
        wire = encode_query(
            attempt.qid,
            question.labels,
            QTYPES[question.rdtype],
            recursion_desired=question.recursion_desired,
        )
        try:
            with socket.create_connection(attempt.server, timeout=timeout) as sock:
                sock.sendall(struct.pack("!H", len(wire)) + wire)
                length = struct.unpack("!H", _read_exactly(sock, 2))[0]
                answer = decode_response(_read_exactly(sock, length))
        except (OSError, WireError) as error:
            return f"{type(error).__name__} over TCP from {_shown(attempt.server)}"
        if answer.qid != attempt.qid or answer.qname != question.name:
            return f"mismatched TCP answer from {_shown(attempt.server)}"
        if answer.rcode in (RCODE_SERVFAIL, RCODE_REFUSED):
            return f"{RCODE_NAMES[answer.rcode]} over TCP from {_shown(attempt.server)}"
        return answer


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed before the whole answer arrived")
        data += chunk
    return bytes(data)


def _key(attempt: _Try) -> Ask:
    return attempt.question


def _same_server(source: tuple[str, int] | tuple[str, int, int, int], server: Server) -> bool:
    if source[1] != server[1]:
        return False
    if source[0] == server[0]:
        return True
    try:
        return ipaddress.ip_address(source[0]) == ipaddress.ip_address(server[0])
    except ValueError:
        return source[0] == server[0]


def _shown(server: Server) -> str:
    host, port = server
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
