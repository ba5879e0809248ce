"""check_smtp against real SMTP servers on 127.0.0.1 (aiosmtpd) with certificates made here.

Each test states one promise of the checker: what passes, what fails and why, and — above
all — that credentials never leave before verified TLS and never show up in a report.
"""

from __future__ import annotations

import datetime
import socket
import ssl
from pathlib import Path

import pytest

from sendlanes.smtp.check import (
    AUTH,
    AUTH_MECHANISMS,
    BANNER,
    CERTIFICATE,
    CONNECT,
    EHLO,
    PORT,
    TLS,
    Connect,
    SmtpReport,
    SmtpTarget,
    TlsMode,
    check_smtp,
    port_step,
)
from tests.support.certs import DAY, CertificateAuthority, Leaf
from tests.support.smtpd import closed_port, silent_server, smtp_server

USER = "receipts@acme.example"
PASSWORD = "Tr0ub4dor&3-horse-battery"
NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path)


@pytest.fixture
def leaf(ca: CertificateAuthority, tmp_path: Path) -> Leaf:
    return ca.issue(tmp_path, "smtp", hosts=["127.0.0.1", "smtp.acme.example"], days=90)


def check(
    port: int,
    ca: CertificateAuthority | None,
    *,
    tls: TlsMode = TlsMode.STARTTLS,
    host: str = "127.0.0.1",
    password: str | None = PASSWORD,
    username: str | None = USER,
    now: datetime.datetime = NOW,
    timeout: float = 3.0,
    connect: Connect | None = None,
) -> SmtpReport:
    kwargs = {} if connect is None else {"connect": connect}
    return check_smtp(
        SmtpTarget(host=host, port=port, tls=tls, username=username),
        password=password,
        cafile=str(ca.cert_path) if ca is not None else None,
        timeout=timeout,
        now=now,
        **kwargs,
    )


def to_loopback(port: int) -> Connect:
    """A connection factory sending every host name to 127.0.0.1:port (no DNS)."""

    def connect(host: str, _port: int, timeout: float) -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), timeout=timeout)

    return connect


def statuses(report: SmtpReport) -> dict[str, str]:
    return {step.check: step.status.value for step in report.steps}


def detail(report: SmtpReport, check_name: str) -> str:
    step = report.step(check_name)
    assert step is not None, f"no {check_name} step in {statuses(report)}"
    return step.detail


def assert_password_absent(report: SmtpReport) -> None:
    assert PASSWORD not in repr(report)
    for step in report.steps:
        assert PASSWORD not in step.detail


# -- the happy paths -------------------------------------------------------------------------


def test_starttls_server_with_trusted_certificate_passes_and_accepts_auth(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, now=leaf.certificate.not_valid_after_utc - 40 * DAY)

    assert statuses(report) == {
        PORT: "pass",
        CONNECT: "pass",
        BANNER: "pass",
        EHLO: "pass",
        TLS: "pass",
        CERTIFICATE: "pass",
        AUTH_MECHANISMS: "pass",
        AUTH: "pass",
    }
    assert [step.check for step in report.steps][:4] == [PORT, CONNECT, BANNER, EHLO]
    assert "STARTTLS" in detail(report, EHLO)
    assert detail(report, TLS).startswith(("TLSv1.3", "TLSv1.2"))
    assert "chain verified against CA file" in detail(report, CERTIFICATE)
    assert "(40 days left)" in detail(report, CERTIFICATE)
    assert detail(report, AUTH_MECHANISMS) == "LOGIN PLAIN (after TLS)"
    assert detail(report, AUTH).startswith(f"{USER} accepted with PLAIN: 235")
    # RFC 3207 §4.2: EHLO again after TLS; AUTH only inside TLS.
    assert server.journal.commands == [
        ("EHLO", False),
        ("STARTTLS", False),
        ("EHLO", True),
        ("AUTH", True),
        ("QUIT", True),
    ]
    assert server.journal.logins == [(USER, True)]
    assert not report.failed and not report.errored
    assert_password_absent(report)


def test_implicit_tls_server_passes_and_auth_is_sent_inside_tls(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("implicit", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, tls=TlsMode.IMPLICIT)

    assert [step.check for step in report.steps] == [
        PORT,
        CONNECT,
        TLS,
        CERTIFICATE,
        BANNER,
        EHLO,
        AUTH_MECHANISMS,
        AUTH,
    ]
    assert set(statuses(report).values()) == {"pass"}
    assert server.journal.commands == [("EHLO", True), ("AUTH", True), ("QUIT", True)]


def test_host_name_is_verified_against_the_configured_name_not_the_address(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, host="smtp.acme.example", connect=to_loopback(server.port))

    assert statuses(report)[CERTIFICATE] == "pass"
    assert "name matches smtp.acme.example" in detail(report, CERTIFICATE)
    assert statuses(report)[AUTH] == "pass"


# -- servers that must never see a password ---------------------------------------------------


def test_plaintext_only_server_fails_and_never_receives_auth(ca: CertificateAuthority) -> None:
    with smtp_server("plaintext", users={USER: PASSWORD}) as server:
        report = check(server.port, ca)

    assert statuses(report)[TLS] == "fail"
    assert "STARTTLS is not offered (RFC 3207)" in detail(report, TLS)
    assert "advertises AUTH LOGIN PLAIN in the clear" in detail(report, TLS)
    assert report.step(AUTH) is None and report.step(AUTH_MECHANISMS) is None
    assert server.journal.verbs() == ["EHLO"]  # then we hung up: not even QUIT
    assert server.journal.logins == []
    assert report.failed


def test_lane_configured_without_tls_fails_without_auth_and_points_at_starttls(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, tls=TlsMode.NONE)

    assert statuses(report)[TLS] == "fail"
    assert "tls: none" in detail(report, TLS)
    assert "the server offers STARTTLS: set tls: starttls" in detail(report, TLS)
    assert server.journal.auth_attempts() == []


def test_certificate_for_another_host_name_fails_and_auth_is_not_attempted(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    other = ca.issue(tmp_path, "other", hosts=["mail.other.example"])
    with smtp_server("starttls", context=other.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca)

    assert statuses(report)[CERTIFICATE] == "fail"
    text = detail(report, CERTIFICATE)
    assert text.startswith("host name does not match the certificate: IP address mismatch")
    assert "'127.0.0.1'" in text
    assert "names: mail.other.example" in text  # what the server did present
    assert "AUTH not attempted" in text
    assert report.step(AUTH) is None
    assert server.journal.auth_attempts() == []


def test_expired_certificate_fails_and_says_since_when(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    expired = ca.issue(
        tmp_path,
        "expired",
        hosts=["127.0.0.1"],
        not_before=NOW - 60 * DAY,
        not_after=NOW - 2 * DAY - datetime.timedelta(hours=1),
    )
    with smtp_server("implicit", context=expired.server_context()) as server:
        report = check(server.port, ca, tls=TlsMode.IMPLICIT)

    text = detail(report, CERTIFICATE)
    assert text.startswith("certificate expired: certificate has expired")
    assert "(expired 2 days ago)" in text
    assert server.journal.auth_attempts() == []
    assert report.failed


def test_certificate_from_unknown_ca_fails_against_the_system_trust_store(leaf: Leaf) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, None)

    text = detail(report, CERTIFICATE)
    assert text.startswith("certificate chain not trusted: unable to get local issuer certificate")
    assert text.endswith("(trusting the system trust store)")
    assert statuses(report)[TLS] == "pass"  # TLS itself works: the diagnostic says so
    assert server.journal.auth_attempts() == []


def test_server_offering_only_tls_1_1_fails_naming_the_version(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    legacy = leaf.server_context(maximum_version=ssl.TLSVersion.TLSv1_1)
    with smtp_server("starttls", context=legacy, users={USER: PASSWORD}) as server:
        report = check(server.port, ca)

    assert statuses(report)[TLS] == "fail"
    assert detail(report, TLS).startswith("the server offers only TLSv1.1")
    assert "RFC 8996" in detail(report, TLS)
    assert server.journal.auth_attempts() == []


# -- certificate expiry against the injected clock --------------------------------------------


def test_certificate_expiring_within_14_days_is_a_warning(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    five_days_before = leaf.certificate.not_valid_after_utc - 5 * DAY - datetime.timedelta(hours=1)
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, now=five_days_before)

    assert statuses(report)[CERTIFICATE] == "warn"
    assert detail(report, CERTIFICATE).startswith("expires in 5 days (warning under 14 days)")
    assert statuses(report)[AUTH] == "pass"  # a warning does not stop the session
    assert not report.failed


def test_certificate_with_14_days_left_passes(ca: CertificateAuthority, leaf: Leaf) -> None:
    fourteen_days_before = leaf.certificate.not_valid_after_utc - 14 * DAY
    with smtp_server("starttls", context=leaf.server_context()) as server:
        report = check(server.port, ca, now=fourteen_days_before, password=None)

    assert statuses(report)[CERTIFICATE] == "pass"
    assert "(14 days left)" in detail(report, CERTIFICATE)


def test_certificate_past_its_end_by_the_injected_clock_fails(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    later = leaf.certificate.not_valid_after_utc + DAY
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, now=later)

    assert statuses(report)[CERTIFICATE] == "fail"
    assert "expired 1 day ago" in detail(report, CERTIFICATE)


# -- AUTH ---------------------------------------------------------------------------------------


def test_refused_credentials_fail_without_showing_the_password(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: "other"}) as server:
        report = check(server.port, ca)

    assert statuses(report)[AUTH] == "fail"
    assert detail(report, AUTH) == (
        f"{USER} refused with PLAIN: 535 5.7.8 Authentication credentials invalid"
    )
    assert server.journal.logins == [(USER, False)]
    assert_password_absent(report)


def test_a_server_echoing_the_password_is_redacted(ca: CertificateAuthority, leaf: Leaf) -> None:
    echo = f"535 5.7.8 wrong password {PASSWORD} for {USER}"
    with smtp_server(
        "starttls", context=leaf.server_context(), users={}, failure_reply=echo
    ) as server:
        report = check(server.port, ca)

    assert detail(report, AUTH) == (
        f"{USER} refused with PLAIN: 535 5.7.8 wrong password ******** for {USER}"
    )
    assert_password_absent(report)


def test_temporary_auth_failure_is_an_error_not_a_failure(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server(
        "starttls",
        context=leaf.server_context(),
        failure_reply="454 4.7.0 Temporary authentication failure",
    ) as server:
        report = check(server.port, ca)

    assert statuses(report)[AUTH] == "error"
    assert report.errored and not report.failed


def test_without_a_password_auth_is_not_tried(ca: CertificateAuthority, leaf: Leaf) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, password=None)

    assert statuses(report)[AUTH] == "warn"
    assert detail(report, AUTH) == "not tried: no password given"
    assert server.journal.auth_attempts() == []


def test_a_password_without_a_username_fails_without_auth(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(server.port, ca, username=None)

    assert statuses(report)[AUTH] == "fail"
    assert server.journal.auth_attempts() == []


# -- ports, and servers that do not answer ----------------------------------------------------


def test_port_25_is_reported_unusable_and_the_server_is_still_checked(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("starttls", context=leaf.server_context(), users={USER: PASSWORD}) as server:
        report = check(25, ca, connect=to_loopback(server.port))

    assert report.steps[0].check == PORT
    assert statuses(report)[PORT] == "fail"
    assert detail(report, PORT).startswith("Customer.io cannot deliver to port 25")
    assert statuses(report)[CERTIFICATE] == "pass"
    assert report.failed


@pytest.mark.parametrize(
    ("port", "mode", "status"),
    [
        (587, TlsMode.STARTTLS, "pass"),
        (465, TlsMode.IMPLICIT, "pass"),
        (2465, TlsMode.IMPLICIT, "pass"),
        (2525, TlsMode.STARTTLS, "pass"),
        (465, TlsMode.STARTTLS, "warn"),
        (587, TlsMode.IMPLICIT, "warn"),
        (25, TlsMode.STARTTLS, "fail"),
    ],
)
def test_port_and_tls_mode_are_judged_before_connecting(
    port: int, mode: TlsMode, status: str
) -> None:
    assert port_step(SmtpTarget("smtp.acme.example", port, mode)).status.value == status


def test_closed_port_is_an_error_not_a_failure(ca: CertificateAuthority) -> None:
    report = check(closed_port(), ca)

    assert statuses(report) == {PORT: "pass", CONNECT: "error"}
    assert detail(report, CONNECT) == "connection refused"
    assert report.errored and not report.failed


def test_server_that_never_greets_times_out_at_the_banner(ca: CertificateAuthority) -> None:
    with silent_server() as server:
        report = check(server.port, ca, timeout=0.3)

    assert statuses(report)[BANNER] == "error"
    # The read's own timeout and the session's deadline are both 0.3 s: either may end it.
    assert detail(report, BANNER) in {
        "timed out after 0.3 s",
        "the session did not finish within 0.3 s (--timeout bounds it whole)",
    }


def test_starttls_configured_against_an_implicit_tls_port_is_an_error(
    ca: CertificateAuthority, leaf: Leaf
) -> None:
    with smtp_server("implicit", context=leaf.server_context()) as server:
        report = check(server.port, ca, timeout=0.3)

    # The server waits for a TLS ClientHello, the client for a banner: nobody speaks.
    assert statuses(report)[BANNER] == "error"


def test_a_crashing_connection_factory_becomes_an_error_step() -> None:
    def broken(host: str, port: int, timeout: float) -> socket.socket:
        raise RuntimeError("factory exploded")

    report = check(587, None, connect=broken)

    assert statuses(report) == {PORT: "pass", CONNECT: "error"}
    assert detail(report, CONNECT) == "unexpected RuntimeError: factory exploded"
