"""Arguments are checked before any work: exit 2 with one clear line, never a traceback; an
unexpected exception is one line and exit 4; under ``--format json`` errors are JSON too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sendlanes.commands._arguments import parse_nameserver
from sendlanes.errors import EXIT_INTERNAL, EXIT_USAGE
from tests.support.stacks import BUNDLED_STACK


def sendlanes(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("127.0.0.1:5300", ("127.0.0.1", 5300)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
        ("[::1]", ("::1", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        (" 127.0.0.1 ", ("127.0.0.1", 53)),
    ],
)
def test_name_server_forms_that_parse(spec: str, expected: tuple[str, int]) -> None:
    assert parse_nameserver(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "bogus",
        "",
        " ",
        "1.2.3.4:53:53",
        "1.2.3.4:0",
        "1.2.3.4:99999",
        "1.2.3.4:",
        "[::1",
        "[::1]x",
        "[1.2.3.4]:53",
        "::1:port",
        "example.com:53",
        "1.2.3.4:٥٣",
    ],
)
def test_name_server_forms_that_do_not_parse(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_nameserver(spec)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spf", "example.com", "--nameserver", "bogus"], "--nameserver: 'bogus' is not an IP"),
        (["spf", "example.com", "--nameserver", ""], "--nameserver: empty"),
        (["spf", "example.com", "--nameserver", "1.2.3.4:53:53"], "'1.2.3.4:53:53' is not IP"),
        (["headers", "-", "--nameserver", "bogus"], "--nameserver: 'bogus' is not an IP"),
        (["verify", "--nameserver", "1.2.3.4:53:53"], "--nameserver"),
        (["spf", "example.com", "--timeout", "inf"], "'inf' is not a finite number"),
        (["spf", "example.com", "--timeout", "nan"], "'nan' is not a finite number"),
        (["spf", "example.com", "--timeout", "-1"], "must be more than 0 seconds"),
        (["smtp-check", "--timeout", "0"], "must be more than 0 seconds"),
        (["smtp-check", "--deadline", "1e300"], "must be at most 86400 seconds"),
        (["headers", "-", "--dns-timeout", "inf"], "not a finite number"),
        (["allowlist", "--timeout", "nan"], "not a finite number"),
        (["verify", "--timeout", "inf"], "not a finite number"),
        (["verify", "--jobs", "0"], "not a whole number of at least 1"),
        (["smtp-check", "--cafile", "/etc/passwd"], "not a PEM certificate bundle"),
        (["smtp-check", "--cafile", "/nonexistent/ca.pem"], "no such file"),
        (["smtp-check", "--cafile", "/etc"], "not a regular file"),
        (["plan", "--stack", ""], "the stack name is empty"),
        (["lint", "--stack", "../prod"], "is not a stack name"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(args: list[str], message: str) -> None:
    result = sendlanes(*args)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cafile_with_a_broken_certificate_is_a_usage_error(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    result = sendlanes("smtp-check", "--cafile", str(bundle))
    assert result.returncode == EXIT_USAGE
    assert "not a PEM certificate bundle" in result.stderr


def test_usage_error_under_format_json_is_a_json_document_too() -> None:
    result = sendlanes("spf", "example.com", "--nameserver", "bogus", "--format", "json")
    assert result.returncode == EXIT_USAGE
    document = json.loads(result.stdout)
    assert document["error"]["exit_code"] == EXIT_USAGE
    assert "--nameserver: 'bogus' is not an IP address" in document["error"]["message"]


def test_argument_error_under_format_json_is_a_json_document_too() -> None:
    result = sendlanes("spf", "example.com", "--format=json", "--timeout", "inf")
    assert result.returncode == EXIT_USAGE
    document = json.loads(result.stdout)
    assert document == {
        "error": {
            "message": "argument --timeout: 'inf' is not a finite number of seconds",
            "exit_code": EXIT_USAGE,
        }
    }


def test_config_error_under_format_json_is_a_json_document(tmp_path: Path) -> None:
    result = sendlanes("plan", "--config", str(tmp_path / "missing.yaml"), "--format", "json")
    assert result.returncode == EXIT_USAGE
    assert json.loads(result.stdout)["error"]["exit_code"] == EXIT_USAGE


def test_unexpected_exception_is_one_line_and_exit_4(tmp_path: Path) -> None:
    # A stack file that is a directory's worth of trouble: make the plan step itself crash by
    # handing the loader a path object it cannot read as text in an unexpected way.
    crash = tmp_path / "sitecustomize.py"
    crash.write_text(
        "import sendlanes.commands.rules as r\n"
        "def boom(args):\n"
        "    raise RuntimeError('x' * 500 + '\\x1b[2J')\n"
        "r.run = boom\n"
    )
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    result = sendlanes("rules", env=env)
    assert result.returncode == EXIT_INTERNAL
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sendlanes: internal error: RuntimeError: xxx")
    assert lines[0].endswith("; please report it with the command line")
    assert len(lines[0]) < 300
    assert "\x1b" not in result.stderr


def test_sendlanes_debug_shows_the_traceback(tmp_path: Path) -> None:
    crash = tmp_path / "sitecustomize.py"
    crash.write_text(
        "import sendlanes.commands.rules as r\n"
        "def boom(args):\n"
        "    raise RuntimeError('kaboom')\n"
        "r.run = boom\n"
    )
    env = {
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "SENDLANES_DEBUG": "1",
    }
    result = sendlanes("rules", env=env)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "RuntimeError: kaboom" in result.stderr


def test_bundled_stack_still_plans_with_the_default_stack_name() -> None:
    result = sendlanes("plan", "--format", "json", cwd=BUNDLED_STACK.parent)
    assert result.returncode == 0, result.stderr
