"""Real SMTP servers on 127.0.0.1 for tests (aiosmtpd in a thread, a free port each).

Usage::

    with smtp_server("starttls", context=leaf.server_context(), users={"u": "pw"}) as server:
        report = check_smtp(SmtpTarget("127.0.0.1", server.port, ...), ...)
    assert server.journal.auth_attempts() == [True]      # one AUTH, sent over TLS

Modes:

- ``"starttls"``: STARTTLS required before anything else (RFC 3207); AUTH PLAIN/LOGIN
  offered only after TLS.
- ``"implicit"``: TLS from the first byte (RFC 8314 §3.3); AUTH PLAIN/LOGIN.
- ``"plaintext"``: no TLS at all, but AUTH PLAIN/LOGIN advertised in the clear — the bait a
  careless client would take. The journal records every command and whether it came over TLS,
  so a test can prove AUTH was never attempted.

``silent_server()`` accepts TCP connections and never answers (banner timeouts).
"""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

ServerMode = Literal["starttls", "implicit", "plaintext"]

HOST = "127.0.0.1"
BANNER_NAME = "smtp.acme.example"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Journal:
    """What a test server received: commands (verb, arrived over TLS) and AUTH logins."""

    commands: list[tuple[str, bool]] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, verb: str, over_tls: bool) -> None:
        with self.lock:
            self.commands.append((verb, over_tls))

    def verbs(self) -> list[str]:
        with self.lock:
            return [verb for verb, _ in self.commands]

    def auth_attempts(self) -> list[bool]:
        """One entry per AUTH command received: True when it came over TLS."""
        with self.lock:
            return [over_tls for verb, over_tls in self.commands if verb == "AUTH"]


class _RecordingSMTP(SMTP):  # type: ignore[misc]  # aiosmtpd ships no type information
    """aiosmtpd's server, writing each command it receives into a :class:`Journal`."""

    def __init__(self, handler: Any, *, journal: Journal, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._journal = journal

    def _over_tls(self) -> bool:
        # Implicit TLS and STARTTLS both leave an SSL object on the current transport.
        transport = self.transport
        return transport is not None and transport.get_extra_info("ssl_object") is not None

    async def smtp_EHLO(self, hostname: str) -> None:
        self._journal.record("EHLO", self._over_tls())
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self._journal.record("STARTTLS", self._over_tls())
        await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        self._journal.record("AUTH", self._over_tls())
        await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        self._journal.record("MAIL", self._over_tls())
        await super().smtp_MAIL(arg)

    async def smtp_QUIT(self, arg: str) -> None:
        self._journal.record("QUIT", self._over_tls())
        await super().smtp_QUIT(arg)


class _RecordingController(Controller):  # type: ignore[misc]  # aiosmtpd is untyped
    def __init__(self, *args: Any, journal: Journal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.journal = journal

    def factory(self) -> _RecordingSMTP:
        return _RecordingSMTP(self.handler, journal=self.journal, **self.SMTP_kwargs)


@dataclass(frozen=True)
class SmtpTestServer:
    host: str
    port: int
    journal: Journal


def _authenticator(users: Mapping[str, str], journal: Journal, failure_reply: str | None) -> Any:
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        with journal.lock:
            journal.logins.append((login, users.get(login) == password))
        if users.get(login) == password:
            return AuthResult(success=True, handled=False)
        return AuthResult(success=False, handled=False, message=failure_reply)

    return authenticate


@contextmanager
def smtp_server(
    mode: ServerMode,
    *,
    context: ssl.SSLContext | None = None,
    users: Mapping[str, str] | None = None,
    failure_reply: str | None = None,
) -> Iterator[SmtpTestServer]:
    """Run an aiosmtpd server in ``mode`` on 127.0.0.1 for the duration of the block.

    ``users`` maps login → password. ``failure_reply`` replaces the reply to refused
    credentials (default ``535 5.7.8 Authentication credentials invalid``), e.g. a 454
    temporary failure, or a careless server echoing the password back.
    """
    journal = Journal()
    port = free_port()
    common: dict[str, Any] = {
        "hostname": HOST,
        "port": port,
        "server_hostname": BANNER_NAME,  # avoids socket.getfqdn(), a DNS query
        "authenticator": _authenticator(users or {}, journal, failure_reply),
        "journal": journal,
        "ready_timeout": 5.0,
    }
    if mode == "starttls":
        if context is None:
            raise ValueError("a STARTTLS server needs an ssl context")
        controller = _RecordingController(
            Sink(),
            tls_context=context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            **common,
        )
    elif mode == "implicit":
        if context is None:
            raise ValueError("an implicit-TLS server needs an ssl context")
        # aiosmtpd 1.4.6 hides AUTH on implicit TLS unless auth_require_tls is False: the
        # transport is already encrypted, its STARTTLS bookkeeping just does not know it.
        controller = _RecordingController(
            Sink(), ssl_context=context, auth_require_tls=False, **common
        )
    else:
        controller = _RecordingController(Sink(), auth_require_tls=False, **common)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        controller.start()
    try:
        yield SmtpTestServer(host=HOST, port=port, journal=journal)
    finally:
        controller.stop()


@contextmanager
def silent_server() -> Iterator[SmtpTestServer]:
    """A TCP listener that accepts connections and never sends a banner."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    listener.listen(8)
    port: int = listener.getsockname()[1]
    try:
        yield SmtpTestServer(host=HOST, port=port, journal=Journal())
    finally:
        listener.close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connecting is refused at once)."""
    return free_port()
