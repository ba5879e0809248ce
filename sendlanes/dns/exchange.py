"""Sending many questions at once: pipelined UDP with retries, TCP on truncation.

One call sends every question over a few UDP sockets per address family, each bound by the
operating system to a random source port, keeping at most a window of unanswered questions
(bounded concurrency without a thread per question). Every query's ID comes from
:mod:`secrets` (RFC 5452 §9.2). A datagram is checked against its pending query — the server's
address and port, the ID, QR, opcode and the whole question — before any of it is decoded;
one that fails is dropped and counted, and the query keeps waiting for the real answer until
its timeout. A question without an answer within *timeout* is sent again to the next server;
a SERVFAIL or REFUSED answer, or one that matches but cannot be read, moves on to the next
server at once. Each question is tried *tries* times in all, never past its lifetime or the
*deadline*. A truncated answer is asked again over TCP (RFC 7766 §5), the connection, the
length and the body together bounded by the same limits.

The window is a :class:`Window` shared by the exchanges of a run: it grows while answers
come back and halves on a timeout (AIMD), between a floor and the run's budget.
"""

from __future__ import annotations

import ipaddress
import secrets
import select
import socket
import struct
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sendlanes.dns.window import Window
from sendlanes.dns.wire import (
    CLASS_IN,
    QTYPES,
    RCODE_NAMES,
    RCODE_REFUSED,
    RCODE_SERVFAIL,
    WireAnswer,
    WireError,
    decode_response,
    encode_query,
    response_matches,
)

Server = tuple[str, int]
_MAX_UDP = 65535
#: Sockets (source ports) per address family and exchange.
SOCKETS_PER_FAMILY = 4
#: Datagrams read from one socket per wakeup, so a flood cannot starve the clock checks.
READS_PER_WAKEUP = 64
#: Receive buffer per socket: its share of the window, this many bytes per answer ...
BUFFER_PER_ANSWER = 1500
#: ... within these bounds (the kernel caps it further at net.core.rmem_max).
BUFFER_MIN, BUFFER_MAX = 256 * 1024, 4 * 1024 * 1024


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
    #: datagrams that answered no pending query (wrong ID, source, question, flags)
    dropped: int = 0


@dataclass
class _Try:
    question: Ask
    tries: int = 0
    reason: str = "not sent"
    qid: int = 0
    server: Server = ("", 0)
    sock: socket.socket | None = None
    epoch: int = 0
    expires: float = 0.0
    started: float | None = None
    send_failed: bool = False

    def limit(self, deadline: float | None) -> float:
        """When this question is given up: its lifetime or the run's deadline."""
        started = self.started if self.started is not None else 0.0
        end = started + self.question.lifetime
        return end if deadline is None else min(end, deadline)


@dataclass
class Exchange:
    """Settings of one batch; :meth:`run` returns an answer or a failure reason per question."""

    timeout: float
    deadline: float | None
    max_in_flight: int = 64
    clock: Callable[[], float] = time.monotonic
    counters: Counters = field(default_factory=Counters)
    window: Window | None = None
    sockets_per_family: int = SOCKETS_PER_FAMILY

    def __post_init__(self) -> None:
        if self.window is None:
            self.window = Window(self.max_in_flight)

    def run(self, questions: Sequence[Ask]) -> dict[Ask, WireAnswer | str]:
        results: dict[Ask, WireAnswer | str] = {
            q: "no name server configured" for q in questions if not q.servers
        }
        waiting: deque[_Try] = deque(_Try(q) for q in questions if q.servers)
        in_flight: OrderedDict[int, _Try] = OrderedDict()  # in send order = expiry order
        truncated: list[_Try] = []
        sockets: dict[int, list[socket.socket]] = {}
        try:
            while waiting or in_flight:
                now = self.clock()
                if self.deadline is not None and now >= self.deadline:
                    for attempt in (*waiting, *in_flight.values()):
                        results[attempt.question] = f"deadline passed ({attempt.reason})"
                    break
                while waiting and len(in_flight) < self._window.current:
                    self._send(waiting.popleft(), sockets, in_flight, now)
                self._receive(sockets, in_flight, waiting, truncated, results)
                self._expire(in_flight, waiting, results)
        finally:
            for pool in sockets.values():
                for sock in pool:
                    sock.close()
        for attempt in truncated:
            results[attempt.question] = self._over_tcp(attempt)
        return results

    @property
    def _window(self) -> Window:
        assert self.window is not None
        return self.window

    # -- UDP -------------------------------------------------------------------------------

    def _socket(self, family: int, sockets: dict[int, list[socket.socket]]) -> socket.socket:
        """One of the family's sockets, at random; opened (on a random port) when needed."""
        pool = sockets.setdefault(family, [])
        if len(pool) < self.sockets_per_family:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            share = -(-self._window.limit // self.sockets_per_family)
            size = min(BUFFER_MAX, max(BUFFER_MIN, share * BUFFER_PER_ANSWER))
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
                # Bound now: the operating system picks a random free port (RFC 6056).
                sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
            except OSError:
                sock.close()
                raise
            pool.append(sock)
            return sock
        return pool[secrets.randbelow(len(pool))]

    def _send(
        self,
        attempt: _Try,
        sockets: dict[int, list[socket.socket]],
        in_flight: OrderedDict[int, _Try],
        now: float,
    ) -> None:
        question = attempt.question
        attempt.server = question.servers[attempt.tries % len(question.servers)]
        if attempt.tries:
            self.counters.retries += 1
        attempt.tries += 1
        attempt.qid = _free_id(in_flight)
        attempt.epoch = self._window.epoch
        wire = encode_query(
            attempt.qid,
            question.labels,
            QTYPES[question.rdtype],
            recursion_desired=question.recursion_desired,
        )
        if attempt.started is None:
            attempt.started = now
        attempt.expires = min(now + self.timeout, attempt.limit(self.deadline))
        attempt.send_failed = False
        family = socket.AF_INET6 if ":" in attempt.server[0] else socket.AF_INET
        try:
            attempt.sock = self._socket(family, sockets)
            attempt.sock.sendto(wire, attempt.server)
        except OSError as error:
            attempt.reason = f"{type(error).__name__} sending to {_shown(attempt.server)}"
            attempt.send_failed = True
            attempt.expires = now  # no answer will come: retried or failed by _expire
        self.counters.queries += 1
        in_flight[attempt.qid] = attempt

    def _receive(
        self,
        sockets: dict[int, list[socket.socket]],
        in_flight: OrderedDict[int, _Try],
        waiting: deque[_Try],
        truncated: list[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        if not in_flight:
            return
        first = next(iter(in_flight.values()))
        wait = max(0.0, first.expires - self.clock())
        if waiting and len(in_flight) < self._window.current:
            wait = 0.0  # more to send first
        if self.deadline is not None:
            wait = min(wait, max(0.0, self.deadline - self.clock()))
        readable, _, _ = select.select([s for pool in sockets.values() for s in pool], [], [], wait)
        for sock in readable:
            for _ in range(READS_PER_WAKEUP):
                try:
                    data, source = sock.recvfrom(_MAX_UDP)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break  # e.g. ICMP port unreachable reported on the socket
                self._accept(sock, data, source, in_flight, waiting, truncated, results)

    def _accept(
        self,
        sock: socket.socket,
        data: bytes,
        source: tuple[str, int] | tuple[str, int, int, int],
        in_flight: OrderedDict[int, _Try],
        waiting: deque[_Try],
        truncated: list[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        qid = data[0] << 8 | data[1] if len(data) >= 2 else -1
        attempt = in_flight.get(qid)
        if attempt is None or not _matches(attempt, sock, data, source):
            self.counters.dropped += 1
            return  # not the answer to a pending query: the query keeps waiting
        del in_flight[qid]
        try:
            answer = decode_response(data)
        except WireError as error:
            attempt.reason = f"malformed answer from {_shown(attempt.server)}: {error}"
            self._retry_or_fail(attempt, waiting, results)
            return
        if answer.truncated:
            truncated.append(attempt)
        elif answer.rcode in (RCODE_SERVFAIL, RCODE_REFUSED):
            attempt.reason = f"{RCODE_NAMES[answer.rcode]} from {_shown(attempt.server)}"
            self._retry_or_fail(attempt, waiting, results)
        else:
            self._window.answered()
            results[attempt.question] = answer

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
                self._window.timed_out(attempt.epoch)
                attempt.reason = f"timeout from {_shown(attempt.server)}"
            self._retry_or_fail(attempt, waiting, results)

    def _retry_or_fail(
        self,
        attempt: _Try,
        waiting: deque[_Try],
        results: dict[Ask, WireAnswer | str],
    ) -> None:
        alive = self.clock() < attempt.limit(self.deadline)
        if attempt.tries < attempt.question.tries and alive:
            waiting.appendleft(attempt)
        else:
            results[attempt.question] = f"no answer after {attempt.tries} tries ({attempt.reason})"

    # -- TCP -------------------------------------------------------------------------------

    def _over_tcp(self, attempt: _Try) -> WireAnswer | str:
        """Ask again over TCP, of the server that sent the truncated answer.

        Connecting, the length and the body share one timeout: each wait gets only what is
        left of it, so a server trickling bytes cannot hold the question longer.
        """
        self.counters.tcp_fallbacks += 1
        self.counters.queries += 1
        question = attempt.question
        shown = _shown(attempt.server)
        ends = min(self.clock() + self.timeout, attempt.limit(self.deadline))
        if ends <= self.clock():
            return "deadline passed (truncated UDP answer, no time left for TCP)"
        qid = secrets.randbelow(0x10000)
        qtype = QTYPES[question.rdtype]
        wire = encode_query(
            qid, question.labels, qtype, recursion_desired=question.recursion_desired
        )
        try:
            with socket.create_connection(attempt.server, timeout=ends - self.clock()) as sock:
                _settimeout(sock, ends, self.clock)
                sock.sendall(struct.pack("!H", len(wire)) + wire)
                length = struct.unpack("!H", _read_exactly(sock, 2, ends, self.clock))[0]
                data = _read_exactly(sock, length, ends, self.clock)
        except TimeoutError:
            return f"timeout over TCP from {shown}"
        except OSError as error:
            return f"{type(error).__name__} over TCP from {shown}"
        if not response_matches(data, qid, question.labels, qtype, CLASS_IN):
            return f"mismatched TCP answer from {shown}"
        try:
            answer = decode_response(data)
        except WireError as error:
            return f"malformed answer over TCP from {shown}: {error}"
        if answer.rcode in (RCODE_SERVFAIL, RCODE_REFUSED):
            return f"{RCODE_NAMES[answer.rcode]} over TCP from {shown}"
        return answer


def _free_id(in_flight: OrderedDict[int, _Try]) -> int:
    """A random ID no pending query of this exchange has (RFC 5452 §9.2)."""
    while True:
        qid = secrets.randbelow(0x10000)
        if qid not in in_flight:
            return qid


def _matches(
    attempt: _Try,
    sock: socket.socket,
    data: bytes,
    source: tuple[str, int] | tuple[str, int, int, int],
) -> bool:
    """Whether *data*, read from *sock*, from *source*, answers *attempt* (before decoding)."""
    question = attempt.question
    return (
        sock is attempt.sock
        and _same_server(source, attempt.server)
        and response_matches(data, attempt.qid, question.labels, QTYPES[question.rdtype])
    )


def _settimeout(sock: socket.socket, ends: float, clock: Callable[[], float]) -> None:
    remaining = ends - clock()
    if remaining <= 0:
        raise TimeoutError("timed out")
    sock.settimeout(remaining)


def _read_exactly(sock: socket.socket, size: int, ends: float, clock: Callable[[], float]) -> bytes:
    data = bytearray()
    while len(data) < size:
        _settimeout(sock, ends, clock)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed before the whole answer arrived")
        data += chunk
    return bytes(data)


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
