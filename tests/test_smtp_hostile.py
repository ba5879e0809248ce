"""``smtp-check`` against servers that never finish: every lane ends within its bound, with
the steps it finished and ``error`` with the reason for the rest.

Bounds are asserted only through generous subprocess timeouts, never by timing."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from sendlanes.smtp.check import BANNER, CONNECT, EHLO, PORT, SmtpTarget, TlsMode, check_smtp
from sendlanes.smtp.deadline import MAX_REPLY_LINE_OCTETS, MAX_REPLY_LINES
from tests.support.hostile import (
    endless_ehlo,
    hostile_server,
    long_line,
    silent,
    trickling_banner,
    trickling_bytes,
)
from tests.support.stacks import ed25519_public_key, write_stack

NOW = datetime.datetime.now(datetime.UTC)


def check(port: int, timeout: float) -> dict[str, tuple[str, str]]:
    report = check_smtp(
        SmtpTarget(host="127.0.0.1", port=port, tls=TlsMode.STARTTLS, username="u@acme.example"),
        password=None,
        cafile=None,
        timeout=timeout,
        now=NOW,
    )
    return {step.check: (step.status.value, step.detail) for step in report.steps}


def test_banner_of_endless_continuation_lines_ends_at_the_session_deadline() -> None:
    with hostile_server(trickling_banner(0.1)) as port:
        steps = check(port, timeout=0.8)
    assert steps[PORT][0] == "pass"
    assert steps[CONNECT][0] == "pass"
    assert steps[BANNER] == (
        "error",
        "the session did not finish within 0.8 s (--timeout bounds it whole)",
    )


def test_banner_sent_one_byte_at_a_time_ends_at_the_session_deadline() -> None:
    with hostile_server(trickling_bytes(0.1)) as port:
        steps = check(port, timeout=0.8)
    assert steps[BANNER][0] == "error"
    assert "did not finish within 0.8 s" in steps[BANNER][1]


def test_ehlo_reply_that_never_ends_is_cut_at_the_line_cap() -> None:
    with hostile_server(endless_ehlo()) as port:
        steps = check(port, timeout=10)
    assert steps[BANNER][0] == "pass"
    assert steps[EHLO] == (
        "error",
        f"the reply goes on past {MAX_REPLY_LINES} lines without ending",
    )


def test_reply_line_without_end_is_cut_at_the_length_cap() -> None:
    with hostile_server(long_line()) as port:
        steps = check(port, timeout=10)
    assert steps[BANNER][0] == "error"
    assert f"longer than {MAX_REPLY_LINE_OCTETS} octets" in steps[BANNER][1]


# -- the command ---------------------------------------------------------------------------


def lane(name: str, kind: str, port: int) -> dict[str, Any]:
    return {
        "name": name,
        "kind": kind,
        "subdomain": name,
        "provider": "smtp",
        "mta": {"ip4": ["192.0.2.10"], "dkimSelector": "s1", "dkimPublicKey": ed25519_public_key()},
        "smtp": {"host": "127.0.0.1", "port": port, "tls": "starttls", "username": "u@x.example"},
        "categories": ["order_confirmation"] if kind == "transactional" else ["newsletter"],
        "customerio": {
            "messageTypes": ["transactional"] if kind == "transactional" else ["newsletters"]
        },
    }


def stack(directory: Path, receipts: int, promos: int) -> Path:
    brand = {
        "name": "acme",
        "domain": "acme.example",
        "zoneId": "0123456789abcdef0123456789abcdef",
        "customerio": {"region": "us", "trackingHost": "links"},
        "dmarc": {"policy": "quarantine", "rua": ["mailto:dmarc@acme.example"]},
        "lanes": [
            lane("receipts", "transactional", receipts),
            lane("promos", "promotional", promos),
        ],
    }
    return write_stack(directory, {"config": {"sendlanes:brands": [brand]}})


def smtp_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", "smtp-check", *args],
        capture_output=True,
        text=True,
        timeout=60,  # generous: the bound under test is a few seconds
        check=False,
    )


def lane_steps(document: dict[str, Any], name: str) -> dict[str, tuple[str, str]]:
    for item in document["lanes"]:
        if item["lane"] == name:
            return {c["check"]: (c["status"], c["detail"]) for c in item["checks"]}
    raise KeyError(name)


def test_trickling_and_endless_servers_end_with_error_and_partial_results(tmp_path: Path) -> None:
    with (
        hostile_server(trickling_banner(0.2)) as slow,
        hostile_server(endless_ehlo()) as endless,
    ):
        config = stack(tmp_path, slow, endless)
        result = smtp_check("--config", str(config), "--timeout", "1", "--format", "json")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    receipts = lane_steps(document, "receipts")
    assert receipts[CONNECT][0] == "pass"
    assert receipts[BANNER] == (
        "error",
        "the session did not finish within 1 s (--timeout bounds it whole)",
    )
    promos = lane_steps(document, "promos")
    assert promos[BANNER][0] == "pass"
    assert promos[EHLO][0] == "error"
    assert "lines without ending" in promos[EHLO][1]


def test_overall_deadline_cuts_off_every_lane_still_running(tmp_path: Path) -> None:
    with hostile_server(silent()) as first, hostile_server(trickling_banner(0.2)) as second:
        config = stack(tmp_path, first, second)
        result = smtp_check(
            "--config", str(config), "--timeout", "600", "--deadline", "1", "--format", "json"
        )
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    for name in ("receipts", "promos"):
        status, detail = lane_steps(document, name)[BANNER]
        assert status == "error"
        assert detail == "not finished: the run's --deadline of 1 s passed"
