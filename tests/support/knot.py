"""A real authoritative name server for tests: Knot DNS on 127.0.0.1 with a free port.

Usage::

    from tests.support.knot import KnotServer, zone_text

    def test_something(tmp_path):
        zone = zone_text("acme.example", [("mail.acme.example", "TXT", "v=spf1 -all", 300, None)])
        with KnotServer.start(tmp_path, {"acme.example": zone}) as knot:
            resolver = Resolver(nameservers=[knot.address])
            ...
            knot.replace_zone("acme.example", other_zone_text)

or, shared by a module (one server start per module)::

    knot = knot_fixture(lambda: {"acme.example": zone})

``knotd`` runs in the foreground (no daemonizing) and is stopped with SIGTERM. Tests skip
cleanly when Knot DNS is not installed (``apt-get install knot``). Readiness is detected by
querying the first zone's SOA with a 20 ms UDP timeout: a UDP port nobody listens on does not
refuse, it just stays silent, so a short timeout with many retries is the fastest probe.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsigkeyring
import dns.update
import pytest

STARTUP_TIMEOUT = 5.0
PROBE_TIMEOUT = 0.02
DEFAULT_SOA_SERIAL = 2026010101


# -- zone files ---------------------------------------------------------------------------


class RecordLike(Protocol):
    """Anything shaped like :class:`sendlanes.lanes.records.RecordSpec`."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def content(self) -> str: ...

    @property
    def ttl(self) -> int: ...

    @property
    def priority(self) -> int | None: ...


ZoneRecord = tuple[str, str, str, int, int | None]
"""``(name, type, content, ttl, priority)``; name an FQDN without trailing dot (or ``@``)."""


def txt_strings(value: str, limit: int = 255) -> str:
    """*value* as zone-file character-strings of at most *limit* octets each (RFC 1035 §3.3).

    Splits on octets, never inside a UTF-8 sequence, and escapes ``"`` and ``\\``.
    """
    data = value.encode("utf-8")
    chunks: list[bytes] = []
    while data:
        cut = min(limit, len(data))
        # Do not split a multi-byte character: back off to a start byte.
        while cut < len(data) and cut > 0 and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        chunks.append(data[:cut])
        data = data[cut:]
    if not chunks:
        chunks = [b""]
    return " ".join(_quote(chunk) for chunk in chunks)


def _quote(chunk: bytes) -> str:
    out = []
    for byte in chunk:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def _absolute(name: str, origin: str) -> str:
    if name in ("@", ""):
        return origin.rstrip(".") + "."
    return name if name.endswith(".") else name + "."


def _owner(name: str, origin: str) -> str:
    # A zone file only holds names at or under its origin, so anything else is relative.
    apex = origin.rstrip(".").lower()
    bare = name.rstrip(".").lower()
    if name in ("@", "") or bare == apex:
        return apex + "."
    if bare.endswith("." + apex):
        return name.rstrip(".") + "."
    return f"{name.rstrip('.')}.{apex}."


def _record_line(record: ZoneRecord | RecordLike, origin: str) -> str:
    if isinstance(record, tuple):
        name, rtype, content, ttl, priority = record
    else:
        name, rtype, content, ttl, priority = (
            record.name,
            record.type,
            record.content,
            record.ttl,
            record.priority,
        )
    rtype = rtype.upper()
    owner = _owner(name, origin)
    if rtype == "TXT":
        rdata = txt_strings(content)
    elif rtype in ("CNAME", "NS", "PTR"):
        rdata = _absolute(content, origin)
    elif rtype == "MX":
        rdata = f"{10 if priority is None else priority} {_absolute(content, origin)}"
    else:
        rdata = content
    return f"{owner} {ttl} IN {rtype} {rdata}"


def zone_text(
    origin: str,
    records: Iterable[ZoneRecord | RecordLike] = (),
    *,
    serial: int = DEFAULT_SOA_SERIAL,
    ttl: int = 300,
) -> str:
    """A complete zone file for *origin*: SOA, one NS, and *records*.

    TXT content is the logical value (unquoted, unsplit, as in ``RecordSpec``); it is written
    as ≤255-octet quoted strings.
    """
    apex = origin.rstrip(".") + "."
    lines = [
        f"$ORIGIN {apex}",
        f"$TTL {ttl}",
        f"@ {ttl} IN SOA ns1.{apex} hostmaster.{apex} {serial} 3600 600 86400 60",
        f"@ {ttl} IN NS ns1.{apex}",
        f"ns1.{apex} {ttl} IN A 127.0.0.1",
    ]
    lines.extend(_record_line(record, apex) for record in records)
    return "\n".join(lines) + "\n"


# -- TSIG -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TsigKey:
    """An RFC 8945 key as Knot's config and dnspython's keyring want it."""

    name: str
    secret: str  # base64
    algorithm: str = "hmac-sha256"

    @classmethod
    def generate(cls, name: str = "update-key") -> TsigKey:
        return cls(name, base64.b64encode(secrets.token_bytes(32)).decode("ascii"))

    def keyring(self) -> dict[dns.name.Name, Any]:
        return dns.tsigkeyring.from_text({self.name: (self.algorithm, self.secret)})


# -- the server -----------------------------------------------------------------------------


def knotd_path() -> str | None:
    """Where ``knotd`` is, looking in sbin directories too (often not on a user's PATH)."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("knotd", path=search)


def _knotc_path() -> str | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("knotc", path=search)


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (knotd listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")


@dataclass
class KnotServer:
    """A running ``knotd``; create with :meth:`start`, stop with :meth:`stop` or ``with``."""

    directory: Path
    port: int
    zones: dict[str, str]
    update_key: TsigKey | None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _control_dir: Path | None = field(default=None, repr=False)
    _allow_unsigned: bool = field(default=False, repr=False)

    host = "127.0.0.1"

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        tmp_path: Path,
        zones: Mapping[str, str],
        *,
        update_key: TsigKey | None = None,
        allow_unsigned_updates: bool = False,
        port: int | None = None,
    ) -> KnotServer:
        """Write ``knot.conf`` and zone files under *tmp_path*/knot and start ``knotd``.

        *zones* maps an origin (``acme.example``) to zone-file text. With *update_key*, RFC
        2136 updates signed with that key are allowed on every zone; *allow_unsigned_updates*
        allows unsigned ones from 127.0.0.1. *port* fixes the port (default: a free one).
        Skips the test when knotd is not installed.
        """
        if knotd_path() is None:
            pytest.skip("Knot DNS is not installed (apt-get install knot): knotd not found")
        if not zones:
            raise ValueError("KnotServer needs at least one zone")
        directory = Path(tmp_path) / "knot"
        suffix = 0
        while directory.exists():
            suffix += 1
            directory = Path(tmp_path) / f"knot{suffix}"
        directory.mkdir(parents=True)
        (directory / "zones").mkdir()
        (directory / "db").mkdir()  # must exist, or dynamic updates SERVFAIL
        server = cls(
            directory=directory,
            port=0,
            zones={origin.rstrip(".").lower(): text for origin, text in zones.items()},
            update_key=update_key,
        )
        server._allow_unsigned = allow_unsigned_updates
        for origin, text in server.zones.items():
            server._zone_path(origin).write_text(text)
        # A port can be taken between probing and binding: try a few.
        last_error: Exception | None = None
        for _ in range(1 if port is not None else 3):
            server.port = port if port is not None else free_port()
            try:
                server._launch()
                return server
            except _StartupFailed as error:
                last_error = error
        raise RuntimeError(f"knotd did not start: {last_error}")

    def _zone_path(self, origin: str) -> Path:
        return self.directory / "zones" / f"{origin}.zone"

    def _config_text(self) -> str:
        assert self._control_dir is not None
        lines = [
            "server:",
            f'    rundir: "{self.directory}"',
            f'    pidfile: "{self.directory}/knot.pid"',
            f"    listen: 127.0.0.1@{self.port}",
            "    udp-workers: 1",
            "    tcp-workers: 1",
            "    background-workers: 1",
            "",
            "control:",
            f'    listen: "{self._control_dir}/knot.sock"',
            "",
            "database:",
            f'    storage: "{self.directory}/db"',
            "",
            "log:",
            "  - target: stderr",
            "    any: info",
            "",
        ]
        acls: list[str] = []
        if self.update_key is not None:
            lines += [
                "key:",
                f"  - id: {self.update_key.name}",
                f"    algorithm: {self.update_key.algorithm}",
                f"    secret: {self.update_key.secret}",
                "",
            ]
        if self.update_key is not None or self._allow_unsigned:
            lines.append("acl:")
            if self.update_key is not None:
                lines += [
                    "  - id: signed-update",
                    f"    key: {self.update_key.name}",
                    "    action: update",
                ]
                acls.append("signed-update")
            if self._allow_unsigned:
                lines += [
                    "  - id: local-update",
                    "    address: 127.0.0.1",
                    "    action: update",
                ]
                acls.append("local-update")
            lines.append("")
        lines += [
            "template:",
            "  - id: default",
            f'    storage: "{self.directory}/zones"',
            # Never rewrite the test's zone file; keep updates in memory and the journal.
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
            "    semantic-checks: off",
            "",
            "zone:",
        ]
        for origin in self.zones:
            lines.append(f"  - domain: {origin}")
            lines.append(f'    file: "{origin}.zone"')
            if acls:
                lines.append(f"    acl: [{', '.join(acls)}]")
        return "\n".join(lines) + "\n"

    def _launch(self) -> None:
        knotd = knotd_path()
        assert knotd is not None
        if self._control_dir is None:
            # Unix socket paths are limited to ~108 bytes; pytest's tmp paths can be longer.
            self._control_dir = Path(tempfile.mkdtemp(prefix="knotc-"))
        config = self.directory / "knot.conf"
        config.write_text(self._config_text())
        log = (self.directory / "knotd.log").open("ab")
        self._process = subprocess.Popen(
            [knotd, "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            self._wait_ready()
        except _StartupFailed:
            self._terminate()
            raise

    def _wait_ready(self) -> None:
        origin = next(iter(self.zones))
        query = dns.message.make_query(origin + ".", dns.rdatatype.SOA)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise _StartupFailed(f"knotd exited with {self._process.returncode}: {self.log()}")
            try:
                response = dns.query.udp(query, self.host, port=self.port, timeout=PROBE_TIMEOUT)
            except (dns.exception.Timeout, OSError):
                continue
            if response.rcode() == dns.rcode.NOERROR and response.answer:
                return
            time.sleep(PROBE_TIMEOUT)
        raise _StartupFailed(f"no SOA answer for {origin} within {STARTUP_TIMEOUT}s: {self.log()}")

    def log(self, tail: int = 4000) -> str:
        """The last *tail* characters of knotd's log (for failure messages)."""
        path = self.directory / "knotd.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def stop(self) -> None:
        """Stop knotd (SIGTERM, then wait) and remove the control socket directory."""
        self._terminate()
        if self._control_dir is not None:
            shutil.rmtree(self._control_dir, ignore_errors=True)
            self._control_dir = None

    def __enter__(self) -> KnotServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """``("127.0.0.1", port)``, as :class:`sendlanes.dns.resolver.Resolver` takes it."""
        return (self.host, self.port)

    @property
    def nameserver(self) -> str:
        """``127.0.0.1:PORT``, as ``--nameserver`` takes it."""
        return f"{self.host}:{self.port}"

    # -- changing zones ----------------------------------------------------------------------

    def replace_zone(self, origin: str, text: str) -> None:
        """Serve *text* as the zone *origin* from now on (the origin must already be served).

        Rewrites the zone file and asks knotd to reload it, waiting until the reload is done
        (``knotc -b zone-reload``); the SOA serial need not change. Updates made with RFC
        2136 since the last load are discarded.
        """
        origin = origin.rstrip(".").lower()
        if origin not in self.zones:
            raise KeyError(f"{origin} is not served by this server; serve it from start()")
        self.zones[origin] = text
        self._zone_path(origin).write_text(text)
        knotc = _knotc_path()
        if knotc is None or self._control_dir is None:
            self.restart()
            return
        result = subprocess.run(
            [
                knotc,
                "-c",
                str(self.directory / "knot.conf"),
                "-b",
                "-t",
                "5",
                "zone-reload",
                origin,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"knotc zone-reload {origin} failed ({result.returncode}): "
                f"{result.stdout}{result.stderr}\n{self.log()}"
            )

    reload_zone = replace_zone

    def restart(self) -> None:
        """Stop and start knotd on the same port, re-reading every zone file."""
        self._terminate()
        self._launch()

    # -- RFC 2136 -----------------------------------------------------------------------------

    def update(self, origin: str, *, signed: bool = True) -> dns.update.UpdateMessage:
        """A new update message for *origin*, TSIG-signed with the server's key if *signed*."""
        if signed and self.update_key is not None:
            return dns.update.UpdateMessage(
                origin,
                keyring=self.update_key.keyring(),
                keyname=dns.name.from_text(self.update_key.name),
                keyalgorithm=self.update_key.algorithm,
            )
        return dns.update.UpdateMessage(origin)

    def send(self, message: dns.message.Message, timeout: float = 2.0) -> dns.message.Message:
        """Send *message* (e.g. from :meth:`update`) over TCP and return the answer."""
        return dns.query.tcp(message, self.host, port=self.port, timeout=timeout)


class _StartupFailed(Exception):
    pass


def knot_fixture(
    zones: Mapping[str, str] | Callable[[], Mapping[str, str]],
    *,
    scope: str = "module",
    update_key: TsigKey | None = None,
) -> Any:
    """A pytest fixture serving *zones* (or what the callable returns) for *scope*.

    Assign it to a module-level name, which becomes the fixture's name::

        knot = knot_fixture(lambda: {"acme.example": ZONE})
    """

    # pytest types `scope` as a Literal; a plain str is what callers pass here.
    @pytest.fixture(scope=scope)  # type: ignore[call-overload, untyped-decorator]
    def _fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnotServer]:
        served = zones() if callable(zones) else zones
        with KnotServer.start(
            tmp_path_factory.mktemp("knot"), served, update_key=update_key
        ) as server:
            yield server

    return _fixture
