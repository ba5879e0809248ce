"""``allowlist --refresh`` against endpoints that are not the App API: one clear error line,
no raw bytes, no traceback, within the timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sendlanes.customerio import allowlist
from tests.support.hostile import Behaviour, garbage, hostile_server, trickling_bytes


def refresh(base: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, allowlist.API_KEY_ENV: "key-0123456789", allowlist.API_BASE_ENV: base}
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", "allowlist", "--refresh", "--region", "us", *args],
        capture_output=True,
        text=True,
        timeout=60,  # generous: the bound under test is 1 s
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        (garbage(b"\x1b[2J\x00\xff SSH-2.0-OpenSSH_9.6\r\n"), "the answer is not HTTP"),
        (garbage(b"220 smtp.example ESMTP ready\r\n"), "the answer is not HTTP"),
        (garbage(b""), "closed the connection without answering"),
        (trickling_bytes(0.1), "no answer within 1 s"),
    ],
)
def test_an_endpoint_that_is_not_the_app_api_is_one_clear_error(
    behaviour: Behaviour, reason: str
) -> None:
    with hostile_server(behaviour) as port:
        result = refresh(f"http://127.0.0.1:{port}", "--timeout", "1", "--format", "json")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert "SSH-2.0" not in result.stdout + result.stderr
    assert "key-0123456789" not in result.stdout + result.stderr
    error = json.loads(result.stdout)["regions"][0]["refresh"]["error"]
    assert reason in error


def test_a_non_http_endpoint_in_text_output_is_one_error_line() -> None:
    with hostile_server(garbage(b"\x1b]0;owned\x07garbage\r\n")) as port:
        result = refresh(f"http://127.0.0.1:{port}", "--timeout", "1", "--format", "text")
    assert result.returncode == 3
    errors = [line for line in result.stdout.splitlines() if "error:" in line]
    assert errors == ["    error: the answer is not HTTP (BadStatusLine)"]
    assert "\x1b" not in result.stdout
