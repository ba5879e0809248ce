"""One SMTP session walked step by step; :func:`sendlanes.smtp.check_smtp` drives it.

Kept apart from the public API because it is the only code that touches sockets, TLS and
smtplib's internals (``sock``, ``file``, ``esmtp_features``), which STARTTLS has to reset by
hand (RFC 3207 §4.2) to keep every step separately reportable. The whole session runs under
one :class:`~sendlanes.smtp.deadline.SessionDeadline`, and every reply is read by
:class:`~sendlanes.smtp.deadline.BoundedSMTP` (capped lines and line length).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import smtplib
import socket
import ssl

from sendlanes.lanes.fields import TlsMode
from sendlanes.smtp.certificate import (
    EXPIRY_WARNING_DAYS,
    days_left,
    days_text,
    describe_certificate,
    load_peer_certificate,
    verification_problem,
)
from sendlanes.smtp.deadline import BoundedSMTP, Connect, SessionDeadline
from sendlanes.smtp.report import (
    AUTH,
    AUTH_MECHANISMS,
    AUTH_PREFERENCE,
    BANNER,
    CERTIFICATE,
    CONNECT,
    EHLO,
    TLS,
    SmtpReport,
    SmtpStep,
    SmtpTarget,
    StepStatus,
)
from sendlanes.smtp.tls_probe import (
    MODERN_TLS,
    address_literal,
    cipher_text,
    legacy_context,
    peek_tls,
    unverified_context,
)


def connect_tcp(host: str, port: int, timeout: float) -> socket.socket:
    """The real connection factory."""
    return socket.create_connection((host, port), timeout=timeout)


_REDACTED = "********"


class _Stop(Exception):
    """The session cannot go on; the reason is already recorded as a step."""


def _reply_text(message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return " ".join(text.split())


class SmtpSession:
    """State of one check: the steps so far and the phase an exception is charged to."""

    def __init__(
        self,
        target: SmtpTarget,
        password: str | None,
        cafile: str | None,
        timeout: float,
        now: datetime.datetime,
        connect: Connect,
        deadline: SessionDeadline,
    ) -> None:
        self.target = target
        self.password = password
        self.cafile = cafile
        self.timeout = timeout
        self.now = now
        self.deadline = deadline
        self.connect = deadline.connect(connect)
        self.steps: list[SmtpStep] = []
        self.phase = CONNECT
        self._secrets = self._secret_forms(target.username, password)

    # -- recording -------------------------------------------------------------------------

    @staticmethod
    def _secret_forms(username: str | None, password: str | None) -> tuple[str, ...]:
        """The password as it could come back from a server: raw or inside AUTH base64."""
        if not password:
            return ()
        plain = f"\0{username or ''}\0{password}".encode()
        return (
            password,
            base64.b64encode(password.encode()).decode(),
            base64.b64encode(plain).decode(),
        )

    def add(self, check: str, status: StepStatus, detail: str) -> None:
        for secret in self._secrets:
            detail = detail.replace(secret, _REDACTED)
        self.steps.append(SmtpStep(check, status, detail))

    def stop(self, check: str, status: StepStatus, detail: str) -> _Stop:
        self.add(check, status, detail)
        return _Stop()

    def fault(self, error: BaseException) -> None:
        """Record an exception raised during ``self.phase`` (never the password)."""
        timeout = f"timed out after {self.timeout:g} s"
        if self.deadline.expired:
            # Whatever the socket said, it said it because the deadline shut it down.
            self.add(self.phase, StepStatus.ERROR, self.deadline.reason)
        elif isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
            self.add(self.phase, StepStatus.ERROR, timeout)
        elif isinstance(error, ConnectionRefusedError):
            self.add(self.phase, StepStatus.ERROR, "connection refused")
        elif isinstance(error, socket.gaierror):
            self.add(self.phase, StepStatus.ERROR, f"cannot resolve {self.target.host}: {error}")
        elif isinstance(error, smtplib.SMTPServerDisconnected):
            self.add(self.phase, StepStatus.ERROR, "the server closed the connection")
        elif isinstance(error, OSError | smtplib.SMTPException):
            self.add(self.phase, StepStatus.ERROR, str(error) or type(error).__name__)
        else:
            self.add(self.phase, StepStatus.ERROR, f"unexpected {type(error).__name__}: {error}")

    # -- the session -----------------------------------------------------------------------

    def run(self, first: SmtpStep) -> SmtpReport:
        self.steps.append(first)
        client = BoundedSMTP(local_hostname="[127.0.0.1]", timeout=self.timeout)
        self.deadline.start()
        try:
            self._converse(client)
        except _Stop:
            pass
        except Exception as error:  # the contract is "never raises": everything is a step
            self.fault(error)
        finally:
            self.deadline.close()
            client.close()
            self.password = None
        return SmtpReport(self.target, tuple(self.steps))

    def _open(self) -> socket.socket:
        self.phase = CONNECT
        sock = self.connect(self.target.host, self.target.port, self.timeout)
        sock.settimeout(self.timeout)
        return sock

    def _converse(self, client: smtplib.SMTP) -> None:
        target = self.target
        sock = self._open()
        client.sock = sock
        self.add(CONNECT, StepStatus.PASS, f"connected to {target.host}:{target.port}")
        client.local_hostname = address_literal(sock)
        if target.tls is TlsMode.IMPLICIT:
            client.sock = self._handshake(sock)
        self._banner(client)
        self._ehlo(client)
        if target.tls is TlsMode.NONE:
            raise self.stop(TLS, StepStatus.FAIL, self._no_tls_configured(client))
        if target.tls is TlsMode.STARTTLS:
            self._starttls(client, sock)
        mechanisms = self._auth_mechanisms(client)
        self._auth(client, mechanisms)
        self.phase = "quit"
        # The verdict is in; a rude goodbye changes nothing.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()

    def _banner(self, client: smtplib.SMTP) -> None:
        self.phase = BANNER
        code, message = client.getreply()
        text = _reply_text(message)
        if code != 220:
            raise self.stop(BANNER, StepStatus.FAIL, f"no service: {code} {text} (RFC 5321 §4.3.1)")
        self.add(BANNER, StepStatus.PASS, f"{code} {text}")

    def _ehlo(self, client: smtplib.SMTP) -> None:
        self.phase = EHLO
        code, message = client.ehlo()
        if code != 250:
            raise self.stop(EHLO, StepStatus.FAIL, f"EHLO refused: {code} {_reply_text(message)}")
        extensions = " ".join(name.upper() for name in client.esmtp_features) or "none"
        self.add(EHLO, StepStatus.PASS, f"{code}; extensions: {extensions}")

    @staticmethod
    def _no_tls_configured(client: smtplib.SMTP) -> str:
        detail = (
            "the lane is configured without TLS (tls: none): the password would cross the "
            "network in the clear; AUTH not attempted"
        )
        if client.has_extn("starttls"):
            detail += "; the server offers STARTTLS: set tls: starttls"
        return detail

    def _starttls(self, client: smtplib.SMTP, sock: socket.socket) -> None:
        self.phase = TLS
        if not client.has_extn("starttls"):
            bait = client.esmtp_features.get("auth", "").strip()
            detail = (
                "STARTTLS is not offered (RFC 3207): the server speaks plaintext only; "
                "AUTH not attempted, credentials are never sent without TLS"
            )
            if bait:
                detail += f" (it advertises AUTH {bait} in the clear)"
            raise self.stop(TLS, StepStatus.FAIL, detail)
        code, message = client.docmd("STARTTLS")
        if code != 220:
            raise self.stop(
                TLS, StepStatus.FAIL, f"STARTTLS refused: {code} {_reply_text(message)}"
            )
        if client.file is not None:
            # Bytes sent before TLS must never be read as if they came over it (STARTTLS
            # command injection, CVE-2011-0411): drop the plaintext buffer.
            client.file.close()
        client.file = None
        client.sock = self._handshake(sock)
        # RFC 3207 §4.2: forget everything learnt before TLS and ask again.
        client.helo_resp = None
        client.ehlo_resp = None
        client.esmtp_features = {}
        client.does_esmtp = False
        self.phase = EHLO
        code, message = client.ehlo()
        if code != 250:
            raise self.stop(
                EHLO,
                StepStatus.FAIL,
                f"EHLO after STARTTLS refused: {code} {_reply_text(message)}",
            )

    # -- TLS and the certificate -----------------------------------------------------------

    def _verifying_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cafile)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def _trust_anchor(self) -> str:
        return f"CA file {self.cafile}" if self.cafile else "the system trust store"

    def _handshake(self, sock: socket.socket) -> ssl.SSLSocket:
        self.phase = TLS
        context = self._verifying_context()
        try:
            tls = context.wrap_socket(sock, server_hostname=self.target.host)
        except ssl.SSLCertVerificationError as error:
            if self.deadline.expired:
                raise
            self._unverified(error)
            raise _Stop() from None
        except ssl.SSLError as error:
            if self.deadline.expired:
                raise  # cut off by the deadline: no verdict on the server's TLS
            raise self._handshake_failed(error) from None
        version = tls.version() or "unknown"
        if version not in MODERN_TLS:
            raise self.stop(TLS, StepStatus.FAIL, f"{version} negotiated; TLS 1.2+ required")
        self.add(TLS, StepStatus.PASS, cipher_text(tls))
        self._certificate(tls)
        return tls

    def _certificate(self, tls: ssl.SSLSocket) -> None:
        self.phase = CERTIFICATE
        certificate = load_peer_certificate(tls.getpeercert(binary_form=True))
        verified = f"chain verified against {self._trust_anchor()}, name matches {self.target.host}"
        if certificate is None:
            self.add(CERTIFICATE, StepStatus.PASS, verified)
            return
        left = days_left(certificate, self.now)
        summary = describe_certificate(certificate, self.now)
        if left < 0:
            self.add(CERTIFICATE, StepStatus.FAIL, f"certificate expired; {summary}")
        elif left < EXPIRY_WARNING_DAYS:
            self.add(
                CERTIFICATE,
                StepStatus.WARN,
                f"expires in {days_text(left)} (warning under {EXPIRY_WARNING_DAYS} days); "
                f"{verified}; {summary}",
            )
        else:
            self.add(CERTIFICATE, StepStatus.PASS, f"{verified}; {summary}")

    def _handshake_failed(self, error: ssl.SSLError) -> _Stop:
        """Explain a failed handshake; a server stuck on TLS 1.0/1.1 often just hangs up."""
        legacy = peek_tls(self.connect, self.target, self.timeout, legacy_context())
        if legacy is not None and legacy.version not in MODERN_TLS:
            return self.stop(
                TLS,
                StepStatus.FAIL,
                f"the server offers only {legacy.cipher}; TLS 1.2 or later "
                "is required (RFC 8996 forbids TLS 1.0 and 1.1)",
            )
        reason = error.reason or str(error)
        return self.stop(TLS, StepStatus.FAIL, f"TLS handshake failed: {reason}")

    def _unverified(self, error: ssl.SSLCertVerificationError) -> None:
        """Report a certificate that failed verification, with what the server showed."""
        problem = f"{verification_problem(error)}; AUTH not attempted"
        peek = peek_tls(self.connect, self.target, self.timeout, unverified_context())
        if peek is not None:
            self.add(TLS, StepStatus.PASS, peek.cipher)
            if peek.certificate is not None:
                problem += f"; {describe_certificate(peek.certificate, self.now)}"
        self.add(CERTIFICATE, StepStatus.FAIL, f"{problem} (trusting {self._trust_anchor()})")

    # -- AUTH ------------------------------------------------------------------------------

    def _auth_mechanisms(self, client: smtplib.SMTP) -> list[str]:
        self.phase = AUTH_MECHANISMS
        advertised = client.esmtp_features.get("auth", "").upper().split()
        if not advertised:
            raise self.stop(
                AUTH_MECHANISMS,
                StepStatus.FAIL,
                "no AUTH advertised after TLS (RFC 4954); "
                "Customer.io logs in with a username and password",
            )
        listed = " ".join(advertised)
        if not {"PLAIN", "LOGIN"} & set(advertised):
            self.add(
                AUTH_MECHANISMS,
                StepStatus.WARN,
                f"{listed} (after TLS); neither PLAIN nor LOGIN, which most clients use",
            )
        else:
            self.add(AUTH_MECHANISMS, StepStatus.PASS, f"{listed} (after TLS)")
        return advertised

    def _auth(self, client: smtplib.SMTP, advertised: list[str]) -> None:
        self.phase = AUTH
        username = self.target.username
        if self.password is None:
            self.add(AUTH, StepStatus.WARN, "not tried: no password given")
            return
        if not username:
            self.add(AUTH, StepStatus.FAIL, "not tried: a password is given but no username")
            return
        mechanism = next((m for m in AUTH_PREFERENCE if m in advertised), None)
        if mechanism is None:
            self.add(AUTH, StepStatus.WARN, f"not tried: no mechanism of {AUTH_PREFERENCE}")
            return
        # smtplib names its responders auth_plain, auth_login, auth_cram_md5 (as login() does).
        responder = getattr(client, "auth_" + mechanism.lower().replace("-", "_"))
        client.user, client.password = username, self.password
        try:
            code, message = client.auth(mechanism, responder)
        except smtplib.SMTPAuthenticationError as refused:
            text = f"{refused.smtp_code} {_reply_text(refused.smtp_error)}"
            if 400 <= refused.smtp_code < 500:
                self.add(AUTH, StepStatus.ERROR, f"temporary failure for {username}: {text}")
            else:
                self.add(AUTH, StepStatus.FAIL, f"{username} refused with {mechanism}: {text}")
            return
        finally:
            client.password = ""
        self.add(
            AUTH,
            StepStatus.PASS,
            f"{username} accepted with {mechanism}: {code} {_reply_text(message)}",
        )
