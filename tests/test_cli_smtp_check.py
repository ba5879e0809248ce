"""`sendlanes smtp-check` as a user runs it: a stack config, real servers on 127.0.0.1.

The command runs in a subprocess (the installed console script); the servers run here.
Every test that hands over a password also checks that it appears nowhere in stdout or
stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.certs import CertificateAuthority
from tests.support.smtpd import SmtpTestServer, closed_port, smtp_server
from tests.support.stacks import ed25519_public_key, write_stack

RECEIPTS_USER = "receipts@acme.example"
PROMOS_USER = "promos@acme.example"
RECEIPTS_PASSWORD = "rcpt-Secret-0001"
PROMOS_PASSWORD = "promo-Secret-0002"
RECEIPTS_VAR = "SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS"
PROMOS_VAR = "SENDLANES_SMTP_PASSWORD_ACME_PROMOS"


def lane(name: str, kind: str, port: int, tls: str, username: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "subdomain": name,
        "provider": "smtp",
        "mta": {
            "ip4": ["192.0.2.10"],
            "dkimSelector": "s1",
            "dkimPublicKey": ed25519_public_key(),
        },
        "smtp": {"host": "127.0.0.1", "port": port, "tls": tls, "username": username},
        "categories": ["order_confirmation"] if kind == "transactional" else ["newsletter"],
        "customerio": {
            "messageTypes": ["transactional"] if kind == "transactional" else ["newsletters"]
        },
    }


def stack(directory: Path, receipts_port: int, promos_port: int) -> Path:
    document = {
        "config": {
            "sendlanes:brands": [
                {
                    "name": "acme",
                    "domain": "acme.example",
                    "zoneId": "0123456789abcdef0123456789abcdef",
                    "customerio": {"region": "us", "trackingHost": "links"},
                    "dmarc": {"policy": "quarantine", "rua": ["mailto:dmarc@acme.example"]},
                    "lanes": [
                        lane("receipts", "transactional", receipts_port, "starttls", RECEIPTS_USER),
                        lane("promos", "promotional", promos_port, "implicit", PROMOS_USER),
                    ],
                }
            ]
        }
    }
    return write_stack(directory, document)


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def checks(self, key: str) -> dict[str, str]:
        for item in self.json()["lanes"]:
            if f"{item['brand']}/{item['lane']}" == key:
                return {c["check"]: c["status"] for c in item["checks"]}
        raise KeyError(key)

    def assert_no_password(self) -> None:
        for secret in (RECEIPTS_PASSWORD, PROMOS_PASSWORD):
            assert secret not in self.stdout
            assert secret not in self.stderr


def smtp_check(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Result:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SENDLANES_SMTP")}
    environment.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "sendlanes", "smtp-check", *map(str, args)],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


@dataclass
class Site:
    """Two lanes: acme/receipts on a STARTTLS server, acme/promos on an implicit-TLS one."""

    config: Path
    cafile: Path
    receipts: SmtpTestServer
    promos: SmtpTestServer


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path / "pki")


@pytest.fixture
def site(tmp_path: Path, ca: CertificateAuthority) -> Iterator[Site]:
    leaf = ca.issue(tmp_path / "pki", "smtp", hosts=["127.0.0.1"])
    with ExitStack() as servers:
        receipts = servers.enter_context(
            smtp_server(
                "starttls", context=leaf.server_context(), users={RECEIPTS_USER: RECEIPTS_PASSWORD}
            )
        )
        promos = servers.enter_context(
            smtp_server(
                "implicit", context=leaf.server_context(), users={PROMOS_USER: PROMOS_PASSWORD}
            )
        )
        config = stack(tmp_path, receipts.port, promos.port)
        yield Site(config=config, cafile=ca.cert_path, receipts=receipts, promos=promos)


def base_args(site: Site) -> list[str | Path]:
    return ["--config", site.config, "--cafile", site.cafile, "--format", "json"]


def test_every_lane_passes_with_passwords_from_the_environment(site: Site) -> None:
    result = smtp_check(
        *base_args(site), env={RECEIPTS_VAR: RECEIPTS_PASSWORD, PROMOS_VAR: PROMOS_PASSWORD}
    )

    assert result.code == 0, result.stderr
    document = result.json()
    assert [(item["brand"], item["lane"]) for item in document["lanes"]] == [
        ("acme", "receipts"),
        ("acme", "promos"),
    ]
    receipts = document["lanes"][0]
    assert {k: receipts[k] for k in ("host", "port", "tls")} == {
        "host": "127.0.0.1",
        "port": site.receipts.port,
        "tls": "starttls",
    }
    assert set(receipts["checks"][0]) == {"check", "status", "detail"}
    assert result.checks("acme/receipts")["auth"] == "pass"
    assert result.checks("acme/promos")["auth"] == "pass"
    assert set(result.checks("acme/promos").values()) == {"pass"}
    assert f"password from environment variable {RECEIPTS_VAR}" in result.stderr
    assert site.receipts.journal.auth_attempts() == [True]
    assert site.promos.journal.auth_attempts() == [True]
    result.assert_no_password()


def test_passwords_piped_from_pulumi_stack_output(site: Site) -> None:
    outputs = {
        "lanes": {"acme/receipts": {"fqdn": "receipts.acme.example"}},
        "smtpPasswords": {"acme/receipts": RECEIPTS_PASSWORD, "acme/promos": PROMOS_PASSWORD},
    }
    result = smtp_check(*base_args(site), "--passwords-from-stdin", stdin=json.dumps(outputs))

    assert result.code == 0, result.stderr
    assert result.checks("acme/receipts")["auth"] == "pass"
    assert result.checks("acme/promos")["auth"] == "pass"
    assert "password from stack output smtpPasswords['acme/receipts']" in result.stderr
    result.assert_no_password()


def test_refused_password_exits_1_and_is_never_printed(site: Site) -> None:
    result = smtp_check(
        *base_args(site), "--lane", "acme/receipts", env={RECEIPTS_VAR: PROMOS_PASSWORD}
    )

    assert result.code == 1
    assert result.checks("acme/receipts")["auth"] == "fail"
    result.assert_no_password()


def test_lane_option_checks_only_that_lane(site: Site) -> None:
    result = smtp_check(*base_args(site), "--lane", "acme/promos")

    assert [item["lane"] for item in result.json()["lanes"]] == ["promos"]
    assert site.receipts.journal.commands == []


def test_without_passwords_auth_is_a_warning_and_the_exit_code_is_0(site: Site) -> None:
    result = smtp_check(*base_args(site))

    assert result.code == 0
    assert result.checks("acme/receipts")["auth"] == "warn"
    assert f"no password (set {RECEIPTS_VAR} or use --passwords-from-stdin)" in result.stderr
    assert site.receipts.journal.auth_attempts() == []


def test_plaintext_only_server_exits_1_without_receiving_auth(
    tmp_path: Path, ca: CertificateAuthority
) -> None:
    with smtp_server("plaintext", users={RECEIPTS_USER: RECEIPTS_PASSWORD}) as plain:
        config = stack(tmp_path, plain.port, closed_port())
        result = smtp_check(
            "--config",
            config,
            "--cafile",
            ca.cert_path,
            "--lane",
            "acme/receipts",
            "--format",
            "json",
            env={RECEIPTS_VAR: RECEIPTS_PASSWORD},
        )

    assert result.code == 1
    assert result.checks("acme/receipts")["tls"] == "fail"
    assert "auth" not in result.checks("acme/receipts")
    assert plain.journal.verbs() == ["EHLO"]
    result.assert_no_password()


def test_unreachable_server_without_failures_exits_3(
    tmp_path: Path, ca: CertificateAuthority
) -> None:
    config = stack(tmp_path, closed_port(), closed_port())
    result = smtp_check("--config", config, "--cafile", ca.cert_path, "--format", "json")

    assert result.code == 3
    assert result.checks("acme/receipts") == {"port": "pass", "connect": "error"}


def test_table_output_shows_each_check_of_each_lane(site: Site) -> None:
    result = smtp_check(
        "--config",
        site.config,
        "--cafile",
        site.cafile,
        "--format",
        "table",
        env={RECEIPTS_VAR: RECEIPTS_PASSWORD},
    )

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["lane", "endpoint", "check", "status", "detail"]
    assert lines[2].split()[:5] == [
        "acme/receipts",
        f"127.0.0.1:{site.receipts.port}",
        "(starttls)",
        "port",
        "pass",
    ]
    assert any(line.split()[:2] == ["auth", "pass"] for line in lines)
    assert any(line.startswith("acme/promos") for line in lines)
    result.assert_no_password()


def test_unknown_lane_is_a_usage_error(site: Site) -> None:
    result = smtp_check(*base_args(site), "--lane", "acme/nope")

    assert result.code == 2
    assert "acme/nope" in result.stderr
    assert site.receipts.journal.commands == []


def test_stack_output_without_show_secrets_is_a_usage_error(site: Site) -> None:
    hidden = json.dumps({"smtpPasswords": "[secret]"})
    result = smtp_check(*base_args(site), "--passwords-from-stdin", stdin=hidden)

    assert result.code == 2
    assert "--show-secrets" in result.stderr
    assert site.receipts.journal.commands == []


def test_missing_cafile_is_a_usage_error(site: Site, tmp_path: Path) -> None:
    result = smtp_check("--config", site.config, "--cafile", tmp_path / "missing.pem")

    assert result.code == 2
    assert "missing.pem: no such file" in result.stderr
