"""SMTP submission checks for one lane: reachability, TLS, certificate, AUTH.

:func:`check_smtp` walks the session an orchestrator such as Customer.io will open — TCP
connect, banner, EHLO, STARTTLS (RFC 3207) or implicit TLS (RFC 8314 §3.3), certificate,
EHLO again, AUTH (RFC 4954) — and records every step as an :class:`SmtpStep`. It never
raises: an unreachable server is an ``error`` step (no verdict), a policy violation a
``fail`` step.

Two promises hold whatever the server does:

- credentials are sent only over TLS whose certificate verified (chain, host name, expiry)
  and whose version is at least 1.2 (RFC 8996);
- the password never appears in any step's detail, even if a server echoes it back.

The TCP connection and the clock are injected (``connect=``, ``now=``), so tests can point
any host name at a server on 127.0.0.1 and move time.
"""

from __future__ import annotations

import datetime

from sendlanes.lanes.fields import IMPLICIT_TLS_PORTS, TlsMode
from sendlanes.smtp.deadline import Connect, SessionDeadline
from sendlanes.smtp.report import (
    AUTH,
    AUTH_MECHANISMS,
    BANNER,
    CERTIFICATE,
    CONNECT,
    CUSTOMERIO_BLOCKED_PORTS,
    EHLO,
    PORT,
    STARTTLS_PORTS,
    TLS,
    SmtpReport,
    SmtpStep,
    SmtpTarget,
    StepStatus,
)
from sendlanes.smtp.session import SmtpSession, connect_tcp

__all__ = [
    "AUTH",
    "AUTH_MECHANISMS",
    "BANNER",
    "CERTIFICATE",
    "CONNECT",
    "EHLO",
    "PORT",
    "TLS",
    "Connect",
    "SessionDeadline",
    "SmtpReport",
    "SmtpStep",
    "SmtpTarget",
    "StepStatus",
    "TlsMode",
    "check_smtp",
    "connect_tcp",
    "port_step",
    "session_deadline",
]


def check_smtp(
    target: SmtpTarget,
    *,
    password: str | None,
    cafile: str | None,
    timeout: float,
    now: datetime.datetime,
    connect: Connect = connect_tcp,
    deadline: SessionDeadline | None = None,
) -> SmtpReport:
    """Check one SMTP submission endpoint; never raises.

    ``cafile`` replaces the system trust store when given. ``timeout`` bounds the whole
    session, from connect to AUTH: when it runs out, the step under way is ``error`` and the
    steps before it stand. *deadline* replaces that bound (the caller may then end the
    session early with :meth:`SessionDeadline.expire`). ``now`` (timezone-aware) dates the
    certificate expiry warning (under 14 days left). AUTH is tried only when ``password`` is
    given, and only after verified TLS ≥ 1.2. The port is judged even when the server
    cannot be reached.
    """
    if deadline is None:
        deadline = session_deadline(timeout)
    session = SmtpSession(target, password, cafile, timeout, now, connect, deadline)
    return session.run(port_step(target))


def session_deadline(timeout: float) -> SessionDeadline:
    """The bound of one session: ``timeout`` seconds in all."""
    return SessionDeadline(
        timeout, f"the session did not finish within {timeout:g} s (--timeout bounds it whole)"
    )


def port_step(target: SmtpTarget) -> SmtpStep:
    """Judge the port and TLS mode before connecting."""
    port, mode = target.port, target.tls
    if port in CUSTOMERIO_BLOCKED_PORTS:
        return SmtpStep(
            PORT,
            StepStatus.FAIL,
            f"Customer.io cannot deliver to port {port}; use 587 with STARTTLS "
            "or 465 with implicit TLS (RFC 8314 §3.3)",
        )
    if port in IMPLICIT_TLS_PORTS and mode is TlsMode.STARTTLS:
        return SmtpStep(
            PORT,
            StepStatus.WARN,
            f"port {port} normally speaks implicit TLS (RFC 8314 §3.3), "
            "but the lane is configured for STARTTLS",
        )
    if port in STARTTLS_PORTS and mode is TlsMode.IMPLICIT:
        return SmtpStep(
            PORT,
            StepStatus.WARN,
            f"port {port} normally speaks STARTTLS (RFC 6409, RFC 3207), "
            "but the lane is configured for implicit TLS",
        )
    return SmtpStep(PORT, StepStatus.PASS, f"{port} with {mode.value}")
