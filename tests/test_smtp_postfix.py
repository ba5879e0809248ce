"""check_smtp against a real Postfix with Cyrus SASL (sasldb), started here on 127.0.0.1.

aiosmtpd shows the checker follows the protocol; Postfix shows it agrees with the MTA most
self-hosted lanes run. Three listeners: submission with STARTTLS required, implicit TLS
(``smtpd_tls_wrappermode``), and a careless one offering AUTH without TLS.

Needs root and the Debian packages ``postfix sasl2-bin libsasl2-modules``; skipped otherwise.
"""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sendlanes.smtp.check import AUTH, TLS, SmtpReport, SmtpTarget, TlsMode, check_smtp
from tests.support.certs import CertificateAuthority
from tests.support.smtpd import free_port

USER = "receipts@acme.example"
PASSWORD = "pf-Secret-7731"
SYSTEM_MASTER_CF = Path("/etc/postfix/master.cf")


def _postfix_missing() -> str | None:
    if os.geteuid() != 0:
        return "Postfix needs root to start"
    for tool in ("postfix", "saslpasswd2"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (apt-get install postfix sasl2-bin libsasl2-modules)"
    if not SYSTEM_MASTER_CF.is_file():
        return f"{SYSTEM_MASTER_CF} missing"
    return None


pytestmark = pytest.mark.skipif(_postfix_missing() is not None, reason=str(_postfix_missing()))


@dataclass(frozen=True)
class Postfix:
    submission: int  # STARTTLS required (smtpd_tls_security_level=encrypt)
    smtps: int  # implicit TLS
    careless: int  # no TLS, AUTH offered in the clear
    cafile: Path
    maillog: Path


def _master_cf(listeners: str) -> str:
    """The system master.cf without chroot (our files live outside it) and without port 25."""
    lines = []
    for line in SYSTEM_MASTER_CF.read_text().splitlines():
        fields = line.split()
        if not fields or line.startswith("#"):
            continue
        if not line[0].isspace():
            if fields[:2] == ["smtp", "inet"]:
                skipping = True
                continue
            skipping = False
            if len(fields) > 4 and fields[4] == "y":
                fields[4] = "n"
            line = "  ".join(fields)
        elif skipping:
            continue
        lines.append(line)
    return "\n".join(lines) + "\n" + listeners


def _wait_for_ports(ports: list[int], deadline: float) -> None:
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Postfix did not listen on 127.0.0.1:{port}") from None
                time.sleep(0.02)


def _wait_until_closed(ports: list[int], deadline: float) -> None:
    """`postfix stop` only signals master; wait until its listeners are gone."""
    for port in ports:
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                break
            time.sleep(0.02)


@pytest.fixture(scope="module")
def postfix() -> Iterator[Postfix]:
    # Not pytest's tmp_path: its parents are mode 0700, and smtpd runs as user postfix.
    root = Path(tempfile.mkdtemp(prefix="sendlanes-postfix-"))
    etc, queue, data = root / "etc", root / "queue", root / "data"
    for directory in (etc, etc / "sasl", queue, data):
        directory.mkdir(parents=True)
    ca = CertificateAuthority.create(root / "pki")
    leaf = ca.issue(root / "pki", "smtp", hosts=["127.0.0.1"])
    ports = [free_port(), free_port(), free_port()]
    submission, smtps, careless = ports
    maillog = root / "maillog"
    (etc / "main.cf").write_text(
        f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = smtp.acme.example
mydestination =
local_recipient_maps =
maillog_file = {maillog}
maillog_file_prefixes = {root}
smtpd_tls_cert_file = {leaf.cert_path}
smtpd_tls_key_file = {leaf.key_path}
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_relay_restrictions = permit_sasl_authenticated, reject
"""
    )
    (etc / "master.cf").write_text(
        _master_cf(
            f"127.0.0.1:{submission} inet n - n - - smtpd\n"
            "  -o smtpd_tls_security_level=encrypt\n"
            f"127.0.0.1:{smtps} inet n - n - - smtpd\n"
            "  -o smtpd_tls_wrappermode=yes\n"
            f"127.0.0.1:{careless} inet n - n - - smtpd\n"
            "  -o syslog_name=postfix/careless\n"
            "  -o smtpd_tls_security_level=none\n"
            "  -o smtpd_tls_auth_only=no\n"
        )
    )
    # Debian's Postfix reads <config_directory>/sasl/smtpd.conf (cyrus_sasl_config_path
    # is not consulted there).
    sasldb = etc / "sasl" / "sasldb2"
    (etc / "sasl" / "smtpd.conf").write_text(
        f"pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n"
        f"sasldb_path: {sasldb}\n"
    )
    user, realm = USER.split("@")
    subprocess.run(
        ["saslpasswd2", "-p", "-c", "-f", str(sasldb), "-u", realm, user],
        input=PASSWORD,
        text=True,
        check=True,
    )
    shutil.chown(sasldb, user="postfix")
    shutil.chown(data, user="postfix")
    for path in (root, etc, etc / "sasl", root / "pki"):
        path.chmod(0o755)
    for path in (root / "pki").iterdir():
        path.chmod(0o644)

    started = subprocess.run(
        ["postfix", "-c", str(etc), "start"], capture_output=True, text=True, check=False
    )
    try:
        if started.returncode != 0:
            pytest.skip(f"postfix start failed: {started.stderr.strip() or started.stdout}")
        _wait_for_ports(ports, time.monotonic() + 10)
        yield Postfix(submission, smtps, careless, ca.cert_path, maillog)
    finally:
        subprocess.run(["postfix", "-c", str(etc), "stop"], capture_output=True, check=False)
        _wait_until_closed(ports, time.monotonic() + 5)
        shutil.rmtree(root, ignore_errors=True)


def check(port: int, mode: TlsMode, cafile: Path, password: str | None) -> SmtpReport:
    return check_smtp(
        SmtpTarget("127.0.0.1", port, mode, USER),
        password=password,
        cafile=str(cafile),
        timeout=5,
        now=datetime.datetime.now(datetime.UTC),
    )


def statuses(report: SmtpReport) -> dict[str, str]:
    return {step.check: step.status.value for step in report.steps}


def test_postfix_submission_with_starttls_passes_and_accepts_sasl_auth(postfix: Postfix) -> None:
    report = check(postfix.submission, TlsMode.STARTTLS, postfix.cafile, PASSWORD)

    assert set(statuses(report).values()) == {"pass"}, report
    step = report.step(AUTH)
    assert step is not None
    assert step.detail == f"{USER} accepted with PLAIN: 235 2.7.0 Authentication successful"


def test_postfix_implicit_tls_passes(postfix: Postfix) -> None:
    report = check(postfix.smtps, TlsMode.IMPLICIT, postfix.cafile, PASSWORD)

    assert set(statuses(report).values()) == {"pass"}, report


def test_postfix_refuses_a_wrong_password_and_it_is_a_failure(postfix: Postfix) -> None:
    report = check(postfix.submission, TlsMode.STARTTLS, postfix.cafile, "not-" + PASSWORD)

    assert statuses(report)[AUTH] == "fail"
    step = report.step(AUTH)
    assert step is not None and " 535 " in f" {step.detail.split(': ', 1)[1]}"
    assert PASSWORD not in repr(report)


def test_postfix_offering_auth_without_tls_never_receives_it(postfix: Postfix) -> None:
    report = check(postfix.careless, TlsMode.STARTTLS, postfix.cafile, PASSWORD)

    assert statuses(report)[TLS] == "fail"
    step = report.step(TLS)
    assert step is not None and "advertises AUTH PLAIN LOGIN in the clear" in step.detail
    # Postfix's own account of the session, e.g. "postfix/careless/smtpd[42]: disconnect
    # from localhost[127.0.0.1] ehlo=1 commands=1": no auth= counter, no SASL line.
    # The fixture's readiness probe also left a "commands=0/0" session: skip it.
    careless: list[str] = []
    deadline = time.monotonic() + 3
    while not any("disconnect from" in line and "ehlo=" in line for line in careless):
        assert time.monotonic() < deadline, f"Postfix logged no EHLO session: {careless}"
        time.sleep(0.02)
        log = postfix.maillog.read_text() if postfix.maillog.exists() else ""
        careless = [line for line in log.splitlines() if "postfix/careless/" in line]
    disconnect = next(line for line in careless if "disconnect from" in line and "ehlo=" in line)
    assert disconnect.endswith("ehlo=1 commands=1"), disconnect
    assert not any("sasl" in line.lower() for line in careless), careless
