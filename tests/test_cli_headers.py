"""`sendlanes headers` through the console script: exit codes, JSON shape, stdin, options.

Messages are signed with dkimpy in the test; the stack's DKIM keys are served by Knot DNS
(the stack, keys and zone come from `tests/test_headers.py`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.stacks import REPO
from tests.test_headers import PROMOS, Stack, message, sign
from tests.test_headers import stack as stack  # the module-scoped Knot + plan fixture


def sendlanes(
    *args: str, stdin: bytes | None = None, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["sendlanes", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


def headers(
    stack: Stack, eml: Path | str, *extra: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return sendlanes(
        "headers",
        str(eml),
        "--config",
        str(stack.config_path),
        "--nameserver",
        stack.knot.nameserver,
        *extra,
        stdin=stdin,
    )


@pytest.fixture
def eml(tmp_path: Path) -> Path:
    return tmp_path / "message.eml"


def test_aligned_message_exits_0_with_the_lane_in_json(stack: Stack, eml: Path) -> None:
    eml.write_bytes(sign(message(), PROMOS))
    result = headers(stack, eml, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"message", "lane", "checks"}
    assert document["lane"] == {"brand": "acme", "lane": "promos", "kind": "promotional"}
    assert {c["status"] for c in document["checks"]} == {"pass"}
    assert document["message"]["dkim"][0]["result"] == "pass"


def test_tampered_body_exits_1(stack: Stack, eml: Path) -> None:
    eml.write_bytes(sign(message(), PROMOS).replace(b"offers", b"offerz"))
    result = headers(stack, eml, "--format", "json")
    assert result.returncode == 1, result.stderr
    checks = json.loads(result.stdout)["checks"]
    dkim = next(c for c in checks if c["check"] == "dkim")
    assert dkim["status"] == "fail"
    assert "body hash mismatch" in dkim["detail"]


def test_message_on_stdin_and_a_custom_category_header(stack: Stack) -> None:
    raw = sign(message(category="password_reset", category_header="X-Cio-Category"), PROMOS)
    result = headers(
        stack, "-", "--format", "json", "--category-header", "X-Cio-Category", stdin=raw
    )
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["message"]["category"] == {
        "header": "X-Cio-Category",
        "value": "password_reset",
    }
    category = next(c for c in document["checks"] if c["check"] == "category")
    assert category["status"] == "fail"
    assert "a transactional message" in category["detail"]


def test_table_output_summarizes_the_message_and_lists_checks(stack: Stack, eml: Path) -> None:
    eml.write_bytes(sign(message(one_click=False), PROMOS))
    result = headers(stack, eml, "--format", "table")
    assert result.returncode == 1, result.stderr
    assert "Lane:        acme/promos (promotional)" in result.stdout
    assert "DKIM:        d=mail.acme.example s=pr1 pass" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("one-click"))
    assert row.split()[1] == "fail"
    assert result.stdout.rstrip().endswith("Verdict: FAIL (one-click-unsubscribe)")


def test_silent_name_server_exits_3(stack: Stack, eml: Path) -> None:
    eml.write_bytes(sign(message(), PROMOS))
    result = sendlanes(
        "headers",
        str(eml),
        "--config",
        str(stack.config_path),
        "--nameserver",
        "127.0.0.1:9",
        "--dns-timeout",
        "0.2",
        "--format",
        "json",
    )
    assert result.returncode == 3, result.stdout + result.stderr
    statuses = {c["check"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert statuses["dkim"] == "error"
    assert "fail" not in statuses.values()


def test_missing_file_is_a_usage_error(stack: Stack, tmp_path: Path) -> None:
    result = headers(stack, tmp_path / "nothing.eml")
    assert result.returncode == 2
    assert "nothing.eml: no such file" in result.stderr


def test_without_a_stack_the_lane_is_unknown_but_dkim_is_checked(
    stack: Stack, eml: Path, tmp_path: Path
) -> None:
    eml.write_bytes(sign(message(), PROMOS))
    result = sendlanes(
        "headers",
        str(eml),
        "--nameserver",
        stack.knot.nameserver,
        "--format",
        "json",
        cwd=tmp_path,  # no Pulumi.yaml here or above
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["lane"] is None
    statuses = {c["check"]: c["status"] for c in document["checks"]}
    assert statuses["lane"] == "skip"
    assert statuses["dkim"] == "pass"


def test_the_parser_default_category_header_is_the_analysis_default() -> None:
    from sendlanes.commands import headers as command
    from sendlanes.headers import analysis

    assert command.DEFAULT_CATEGORY_HEADER == analysis.DEFAULT_CATEGORY_HEADER


def test_escape_sequences_in_header_fields_reach_the_terminal_escaped(
    stack: Stack, eml: Path
) -> None:
    raw = sign(message(), PROMOS).replace(b"Subject: ", b"Subject: \x1b[2J\x1b]0;owned\x07 ", 1)
    eml.write_bytes(raw)
    result = headers(stack, eml, "--format", "table")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J\\x1b]0;owned\\x07" in result.stdout
