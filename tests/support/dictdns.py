"""A small DNS server for tests: answers from a Python dict, with faults on request.

It listens on 127.0.0.1 on one free port, over UDP and TCP, parses queries and builds
answers with dnspython, and can misbehave per name: SERVFAIL, silence (the client times out),
or a truncated UDP answer (TC bit, so the client must retry over TCP, where the full answer is
served). Use Knot (:mod:`tests.support.knot`) where a real authoritative server matters; use
this one for timeouts, faults and the OpenSPF suite's zone data.

Usage::

    from tests.support.dictdns import DictDnsServer

    ZONE = {
        "acme.example": [{"TXT": "v=spf1 mx -all"}, {"MX": [10, "mx.acme.example"]}],
        "mx.acme.example": [{"A": "192.0.2.10"}, {"AAAA": "2001:db8::10"}],
        "slow.acme.example": ["TIMEOUT"],
    }

    with DictDnsServer.start(ZONE) as dns_server:
        resolver = dns_server.resolver(timeout=0.05, lifetime=0.2)
        dns_server.servfail("acme.example", "MX")        # faults, per name (and type)
        dns_server.truncate("acme.example")              # TC over UDP, full answer over TCP
        dns_server.set_zone(OTHER_ZONE)                  # serve other data, same port
        assert dns_server.queries[-1].transport == "tcp"

or one server per module, as a fixture::

    dns_server = dictdns_fixture(ZONE)            # the variable's name is the fixture's name

Zone format (the OpenSPF test suite's ``zonedata``): a name (no trailing dot needed) maps to a
list of entries, in order:

* ``{"A": "192.0.2.1"}``, ``{"AAAA": "2001:db8::1"}``, ``{"MX": [10, "mx.example.com"]}``
  (``""`` is the root: a null MX), ``{"PTR": "host.example.com"}``, ``{"CNAME": "x.example"}``
  (followed for other types, loops stop; two CNAME entries are both served, the first
  followed), any other type as presentation text
  (``{"NS": "ns1.example.com."}``);
* ``{"TXT": value}`` or ``{"SPF": value}``: *value* a string or a list of strings (one record
  whose strings a client joins with no separator; ``[]`` is served as one empty string), each a
  ``str`` (sent as UTF-8) or ``bytes`` (sent as they are); strings over 255 octets are split.
  SPF entries are served for TXT queries too, unless the name has TXT entries of its own;
* ``{"TXT": "NONE"}``: no record, but it stops SPF entries from being served as TXT;
* ``"TIMEOUT"``: no answer for every type with no record listed before it (records listed
  before it are still served); ``{"TYPE": "TIMEOUT"}``: no answer for that type only.

A name that is not in the zone is NXDOMAIN; a name in it without the asked type is NODATA.
"""

from __future__ import annotations

import socketserver
import struct
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.MX
import dns.rdtypes.ANY.TXT
import dns.rrset
import pytest

from sendlanes.dns.resolver import Resolver

ZoneData = Mapping[str, Sequence[Any]]
TTL = 300
HOST = "127.0.0.1"
_POLL_INTERVAL = 0.02  # how quickly stop() returns


class Fault(StrEnum):
    """How the server misbehaves for a name (and optionally one type)."""

    SERVFAIL = "servfail"  # RCODE 2
    TIMEOUT = "timeout"  # no answer at all: the client times out
    TRUNCATE = "truncate"  # over UDP an empty answer with TC set; over TCP the real one


@dataclass(frozen=True)
class Query:
    """One question the server received: name (no trailing dot), type, ``udp`` or ``tcp``."""

    name: str
    rdtype: str
    transport: str


class _Timeout:
    """Marker: the zone says this question gets no answer."""


_TIMEOUT = _Timeout()


def _name(text: str) -> dns.name.Name:
    if text in ("", "."):
        return dns.name.root
    return dns.name.from_text(text)


def _octets(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _txt_rdata(rdtype: dns.rdatatype.RdataType, value: Any) -> dns.rdata.Rdata:
    pieces = [value] if isinstance(value, str | bytes) else list(value)
    strings: list[bytes] = []
    for piece in pieces:
        octets = _octets(piece)
        strings.extend(octets[i : i + 255] for i in range(0, len(octets), 255) if octets)
        if not octets:
            strings.append(b"")
    # A TXT RR needs at least one string; a record of zero strings joins to "" all the same.
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdtype, strings or [b""])


def _rdata(rdtype_text: str, value: Any) -> dns.rdata.Rdata:
    rdtype = dns.rdatatype.from_text(rdtype_text)
    if rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        return _txt_rdata(rdtype, value)
    if rdtype == dns.rdatatype.MX:
        preference, host = value
        # dnspython's MX constructor is untyped; it takes a Name, so odd hosts need no quoting.
        exchange = _name(host)
        return dns.rdtypes.ANY.MX.MX(dns.rdataclass.IN, rdtype, int(preference), exchange)  # type: ignore[no-untyped-call]
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME):
        target = _name(str(value)).to_text()
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, target)
    return dns.rdata.from_text(
        dns.rdataclass.IN, rdtype, str(value), origin=dns.name.root, relativize=False
    )


@dataclass(frozen=True)
class _Entry:
    rdtype: str  # "TIMEOUT" for a bare TIMEOUT entry
    rdata: dns.rdata.Rdata | None  # None: a TYPE: TIMEOUT or TXT: NONE entry
    times_out: bool = False


class _Node:
    """The entries of one name, answering questions the way the zone format says."""

    def __init__(self, entries: Sequence[Any]) -> None:
        self.entries: list[_Entry] = []
        for raw in entries:
            if raw == "TIMEOUT":
                self.entries.append(_Entry("TIMEOUT", None, times_out=True))
                continue
            for rdtype_text, value in dict(raw).items():
                rdtype_text = str(rdtype_text).upper()
                if value == "TIMEOUT":
                    self.entries.append(_Entry(rdtype_text, None, times_out=True))
                elif rdtype_text == "TXT" and value == "NONE":
                    self.entries.append(_Entry("TXT", None))
                else:
                    self.entries.append(_Entry(rdtype_text, _rdata(rdtype_text, value)))
        self.has_txt = any(e.rdtype == "TXT" for e in self.entries)
        self.has_cname = any(e.rdtype == "CNAME" for e in self.entries)

    def _served_as(self, entry: _Entry) -> set[str]:
        if entry.rdtype == "SPF" and not self.has_txt:
            return {"SPF", "TXT"}
        return {entry.rdtype}

    def answer(self, rdtype: str) -> list[dns.rdata.Rdata] | _Timeout:
        seen: set[str] = set()
        found: list[dns.rdata.Rdata] = []
        for entry in self.entries:
            if entry.rdtype == "TIMEOUT":
                if rdtype not in seen:
                    return _TIMEOUT
                break
            if entry.times_out:
                if entry.rdtype == rdtype:
                    return _TIMEOUT
                continue
            if entry.rdata is None:
                continue  # TXT: NONE
            served = self._served_as(entry)
            seen |= served
            if rdtype in served:
                found.append(_retyped(entry.rdata, rdtype))
        return found


def _retyped(rdata: dns.rdata.Rdata, rdtype: str) -> dns.rdata.Rdata:
    wanted = dns.rdatatype.from_text(rdtype)
    if rdata.rdtype == wanted:
        return rdata
    # An SPF entry asked for as TXT: same strings, TXT type.
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, wanted, rdata.strings)  # type: ignore[attr-defined]


class _Zone:
    def __init__(self, data: ZoneData) -> None:
        self.nodes = {_name(name): _Node(entries) for name, entries in data.items()}

    def resolve(
        self, qname: dns.name.Name, rdtype: str
    ) -> tuple[dns.rcode.Rcode, list[dns.rrset.RRset]] | _Timeout:
        """(rcode, answer rrsets) for a question, following CNAMEs inside the zone."""
        answer: list[dns.rrset.RRset] = []
        name = qname
        visited: set[dns.name.Name] = set()
        while True:
            node = self.nodes.get(name)
            if node is None:
                return dns.rcode.NXDOMAIN, answer
            visited.add(name)
            if rdtype != "CNAME" and node.has_cname:
                cnames = node.answer("CNAME")
                if isinstance(cnames, _Timeout):
                    return _TIMEOUT
                if cnames:
                    answer += _rrsets(name, cnames)
                    name = cnames[0].target  # type: ignore[attr-defined]
                    if name in visited:
                        return dns.rcode.NOERROR, answer  # a CNAME loop: stop, no data
                    continue
            records = node.answer(rdtype)
            if isinstance(records, _Timeout):
                return _TIMEOUT
            if records:
                answer += _rrsets(name, records)
            return dns.rcode.NOERROR, answer


def _rrsets(name: dns.name.Name, records: list[dns.rdata.Rdata]) -> list[dns.rrset.RRset]:
    """*records* as answer RRsets: one, except that CNAMEs (which dnspython keeps one of
    per RRset) get one each, so a name with two CNAMEs is served with both."""
    if records[0].rdtype == dns.rdatatype.CNAME:
        return [_rrset(name, [record]) for record in records]
    return [_rrset(name, records)]


def _rrset(name: dns.name.Name, records: list[dns.rdata.Rdata]) -> dns.rrset.RRset:
    rrset = dns.rrset.RRset(name, dns.rdataclass.IN, records[0].rdtype)
    for record in records:
        rrset.add(record, TTL)
    return rrset


def _key(name: str) -> str:
    return name.rstrip(".").lower()


class DictDnsServer:
    """The server; create with :meth:`start`, stop with :meth:`stop` or ``with``."""

    host = HOST

    def __init__(self, zone: ZoneData | None = None) -> None:
        self._zone = _Zone(zone or {})
        self._faults: dict[tuple[str, str | None], Fault] = {}
        self._queries: list[Query] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[socketserver.BaseServer] = []
        self._threads: list[threading.Thread] = []
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    @classmethod
    def start(cls, zone: ZoneData | None = None) -> DictDnsServer:
        """Serve *zone* on 127.0.0.1, UDP and TCP on the same free port."""
        server = cls(zone)
        server._listen()
        return server

    def _listen(self) -> None:
        for _ in range(50):
            tcp = _TcpServer((HOST, 0), _TcpHandler, self)
            port = int(tcp.server_address[1])
            try:
                udp = _UdpServer((HOST, port), _UdpHandler, self)
            except OSError:
                tcp.server_close()
                continue
            self.port = port
            self._servers = [udp, tcp]
            for listener in self._servers:
                thread = threading.Thread(
                    target=listener.serve_forever,
                    kwargs={"poll_interval": _POLL_INTERVAL},
                    name=f"dictdns-{port}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
            return
        raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")

    def stop(self) -> None:
        """Stop answering and close both sockets (idempotent)."""
        self._stopping.set()
        for listener in self._servers:
            listener.shutdown()
            listener.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._servers, self._threads = [], []

    def __enter__(self) -> DictDnsServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses and clients ---------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """``("127.0.0.1", port)``, as :class:`sendlanes.dns.resolver.Resolver` takes it."""
        return (HOST, self.port)

    @property
    def nameserver(self) -> str:
        """``127.0.0.1:PORT``, as ``--nameserver`` takes it."""
        return f"{HOST}:{self.port}"

    def resolver(self, *, timeout: float = 0.2, lifetime: float = 1.0) -> Resolver:
        """A fresh :class:`~sendlanes.dns.resolver.Resolver` (empty cache) asking this server."""
        return Resolver(nameservers=[self.address], timeout=timeout, lifetime=lifetime)

    # -- data, faults and the query log ----------------------------------------------

    def set_zone(self, zone: ZoneData) -> None:
        """Serve *zone* from now on (faults and the query log are kept)."""
        compiled = _Zone(zone)
        with self._lock:
            self._zone = compiled

    def servfail(self, name: str, rdtype: str | None = None) -> None:
        """Answer SERVFAIL for *name* (only for *rdtype*, when given)."""
        self._set_fault(name, rdtype, Fault.SERVFAIL)

    def drop(self, name: str, rdtype: str | None = None) -> None:
        """Never answer questions about *name* (only *rdtype*, when given): a timeout."""
        self._set_fault(name, rdtype, Fault.TIMEOUT)

    def truncate(self, name: str, rdtype: str | None = None) -> None:
        """Over UDP answer with TC set and no records; over TCP answer in full."""
        self._set_fault(name, rdtype, Fault.TRUNCATE)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _set_fault(self, name: str, rdtype: str | None, fault: Fault) -> None:
        with self._lock:
            self._faults[(_key(name), rdtype.upper() if rdtype else None)] = fault

    @property
    def queries(self) -> list[Query]:
        """Every question received so far, in order (a copy)."""
        with self._lock:
            return list(self._queries)

    def clear_queries(self) -> None:
        with self._lock:
            self._queries.clear()

    # -- answering ---------------------------------------------------------------------

    def respond(self, wire: bytes, transport: str) -> bytes | None:
        """The reply to one query message, or None for no reply at all."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None  # not DNS: stay silent, as servers do
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response.to_wire()
        question = query.question[0]
        rdtype = dns.rdatatype.to_text(question.rdtype)
        name = question.name.to_text(omit_final_dot=True)
        with self._lock:
            self._queries.append(Query(name, rdtype, transport))
            fault = self._faults.get((_key(name), rdtype)) or self._faults.get((_key(name), None))
            zone = self._zone
        if fault is Fault.TIMEOUT:
            return None
        if fault is Fault.SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        if fault is Fault.TRUNCATE and transport == "udp":
            response.flags |= dns.flags.TC
            return response.to_wire()
        resolved = zone.resolve(question.name, rdtype)
        if isinstance(resolved, _Timeout):
            return None
        rcode, answer = resolved
        response.set_rcode(rcode)
        response.answer = answer
        limit = 65535 if transport == "tcp" else max(512, query.payload if query.edns >= 0 else 0)
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            # Like a real server: too big for UDP, so say so and let the client use TCP.
            response.answer = []
            response.flags |= dns.flags.TC
            return response.to_wire()

    def wait_while_silent(self) -> None:
        """Hold a TCP connection open without answering, until the server stops."""
        self._stopping.wait(timeout=30)


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[Any], owner: DictDnsServer) -> None:
        self.owner = owner
        super().__init__(address, handler)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[Any], owner: DictDnsServer) -> None:
        self.owner = owner
        super().__init__(address, handler)


class _UdpHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.owner.respond(data, "udp")  # type: ignore[attr-defined]
        if reply is not None:
            sock.sendto(reply, self.client_address)


class _TcpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        owner: DictDnsServer = self.server.owner  # type: ignore[attr-defined]
        while True:
            header = self.rfile.read(2)
            if len(header) < 2:
                return
            (length,) = struct.unpack("!H", header)
            reply = owner.respond(self.rfile.read(length), "tcp")
            if reply is None:
                owner.wait_while_silent()
                return
            self.wfile.write(struct.pack("!H", len(reply)) + reply)


def dictdns_fixture(
    zone: ZoneData | Callable[[], ZoneData] | None = None, *, scope: str = "module"
) -> Any:
    """A pytest fixture serving *zone* (or what the callable returns) for *scope*.

    Assign it to a module-level name, which becomes the fixture's name::

        dns_server = dictdns_fixture({"acme.example": [{"TXT": "v=spf1 -all"}]})
    """

    # pytest types `scope` as a Literal; a plain str is what callers pass here.
    @pytest.fixture(scope=scope)  # type: ignore[call-overload, untyped-decorator]
    def _fixture() -> Iterator[DictDnsServer]:
        served = zone() if callable(zone) else zone
        with DictDnsServer.start(served) as server:
            yield server

    return _fixture
