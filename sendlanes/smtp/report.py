"""The vocabulary of SMTP checks: targets, steps, reports (see :mod:`sendlanes.smtp.check`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sendlanes.lanes.fields import TlsMode


class StepStatus(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect; ``username`` is what the lane logs in as."""

    host: str
    port: int
    tls: TlsMode
    username: str | None = None


@dataclass(frozen=True)
class SmtpStep:
    check: str
    status: StepStatus
    detail: str


@dataclass(frozen=True)
class SmtpReport:
    target: SmtpTarget
    steps: tuple[SmtpStep, ...]

    @property
    def failed(self) -> bool:
        """A policy was violated: the lane cannot be used as configured."""
        return any(step.status is StepStatus.FAIL for step in self.steps)

    @property
    def errored(self) -> bool:
        """Some check could not reach a verdict (timeouts, refused connections)."""
        return any(step.status is StepStatus.ERROR for step in self.steps)

    def step(self, check: str) -> SmtpStep | None:
        """The first step named ``check``, if the session got that far."""
        return next((step for step in self.steps if step.check == check), None)


# Check names (stable: JSON output and tests use them).
PORT = "port"
CONNECT = "connect"
BANNER = "banner"
EHLO = "ehlo"
TLS = "tls"
CERTIFICATE = "certificate"
AUTH_MECHANISMS = "auth-mechanisms"
AUTH = "auth"

CUSTOMERIO_BLOCKED_PORTS = frozenset({25})
STARTTLS_PORTS = frozenset({587, 2587})
# Tried in this order; smtplib implements exactly these three.
AUTH_PREFERENCE = ("PLAIN", "LOGIN", "CRAM-MD5")
