"""A hostile DNS server for tests: real answers from a dict zone, plus whatever a test adds.

It listens on 127.0.0.1 on one free port, UDP and TCP. Each query is handed to the test's
behaviour (UDP and TCP separately) on its own thread, with helpers to build the real answer
(:class:`tests.support.dictdns.DictDnsServer`'s), tamper with it, send it late, from another
port, or not at all. Every UDP query's ID and source port are recorded.

Usage::

    def forged_then_real(server: HostileServer, query: bytes, client: Address) -> None:
        server.send(tampered(server.real(query), qid=1), client)
        server.send(server.real(query), client)

    with HostileServer.start(ZONE, udp=forged_then_real) as server:
        resolver = Resolver(nameservers=[server.address], timeout=0.3, lifetime=1.0)
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.dictdns import DictDnsServer, ZoneData

HOST = "127.0.0.1"
Address = tuple[str, int]
UdpBehaviour = Callable[["HostileServer", bytes, Address], None]
TcpBehaviour = Callable[["HostileServer", bytes, socket.socket], None]


def honest_udp(server: HostileServer, query: bytes, client: Address) -> None:
    server.send(server.real(query), client)


def honest_tcp(server: HostileServer, query: bytes, conn: socket.socket) -> None:
    reply = server.real(query, "tcp")
    conn.sendall(struct.pack("!H", len(reply)) + reply)


def tampered(
    message: bytes,
    *,
    qid: int | None = None,
    set_flags: int = 0,
    clear_flags: int = 0,
) -> bytes:
    """*message* with another ID or header flags (QR is 0x8000, opcode NOTIFY 0x2000)."""
    old_id, flags = struct.unpack_from("!HH", message)
    flags = (flags | set_flags) & ~clear_flags & 0xFFFF
    return struct.pack("!HH", old_id if qid is None else qid, flags) + message[4:]


@dataclass
class HostileServer:
    """The server; create with :meth:`start`, stop with :meth:`stop` or ``with``."""

    zone: ZoneData
    udp_behaviour: UdpBehaviour = honest_udp
    tcp_behaviour: TcpBehaviour = honest_tcp
    port: int = 0
    #: (query ID, client source port) of every UDP query, in arrival order
    seen: list[tuple[int, int]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    _dict: DictDnsServer | None = None
    _udp: socket.socket | None = None
    _other: socket.socket | None = None
    _tcp: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(
        cls,
        zone: ZoneData,
        udp: UdpBehaviour = honest_udp,
        tcp: TcpBehaviour = honest_tcp,
    ) -> HostileServer:
        server = cls(zone, udp, tcp)
        server._dict = DictDnsServer(zone)
        for _ in range(50):
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, 0))
            port = int(listener.getsockname()[1])
            datagrams = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                datagrams.bind((HOST, port))
            except OSError:
                listener.close()
                datagrams.close()
                continue
            listener.listen(16)
            listener.settimeout(0.1)
            datagrams.settimeout(0.1)
            server._tcp, server._udp, server.port = listener, datagrams, port
            server._other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            server._other.bind((HOST, 0))
            for target in (server._serve_udp, server._serve_tcp):
                threading.Thread(target=target, daemon=True).start()
            return server
        raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        time.sleep(0.15)  # the loops notice within their 0.1 s socket timeout
        for sock in (self._udp, self._other, self._tcp):
            if sock is not None:
                sock.close()

    @property
    def address(self) -> Address:
        return (HOST, self.port)

    @property
    def nameserver(self) -> str:
        return f"{HOST}:{self.port}"

    # -- helpers for behaviours ------------------------------------------------------------

    def real(self, query: bytes, transport: str = "udp") -> bytes:
        """The honest answer to *query*."""
        assert self._dict is not None
        reply = self._dict.respond(query, transport)
        assert reply is not None, "the zone has no answer for this query"
        return reply

    def send(self, data: bytes, client: Address) -> None:
        """*data* to *client* from the server's own address and port."""
        self._sendto(self._udp, data, client)

    def send_from_other_port(self, data: bytes, client: Address) -> None:
        self._sendto(self._other, data, client)

    def _sendto(self, sock: socket.socket | None, data: bytes, client: Address) -> None:
        if sock is not None and not self.stopping.is_set():
            with contextlib.suppress(OSError):  # stopping, or the client has gone
                sock.sendto(data, client)

    # -- the loops -------------------------------------------------------------------------

    def _serve_udp(self) -> None:
        assert self._udp is not None
        while not self.stopping.is_set():
            try:
                query, client = self._udp.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(query) >= 2:
                with self._lock:
                    self.seen.append((struct.unpack_from("!H", query)[0], client[1]))
            threading.Thread(
                target=self.udp_behaviour, args=(self, query, client), daemon=True
            ).start()

    def _serve_tcp(self) -> None:
        assert self._tcp is not None
        while not self.stopping.is_set():
            try:
                conn, _ = self._tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                header = _read(conn, 2)
                query = _read(conn, struct.unpack("!H", header)[0])
                self.tcp_behaviour(self, query, conn)
            except OSError:
                return


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data
