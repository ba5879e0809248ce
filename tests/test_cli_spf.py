"""`sendlanes spf` against a DNS server on 127.0.0.1.

The console script runs in a subprocess for the main paths (one per exit code); the other
cases call the same entry point in-process, which is ten times faster and equally real.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from sendlanes.cli import main
from tests.support.dictdns import DictDnsServer, dictdns_fixture

ZONE: dict[str, list[Any]] = {
    "example.com": [{"TXT": "v=spf1 mx include:_spf.example.net -all"}, {"MX": [10, "mx.x"]}],
    "mx.x": [{"A": "198.51.100.25"}],
    "_spf.example.net": [{"TXT": "v=spf1 ip4:192.0.2.0/24 ~all"}],
    "broken.example.com": [{"TXT": "v=spf1 ip4:192.0.2.1/33 -all"}],
    "two.example.com": [{"TXT": "v=spf1 -all"}, {"TXT": "v=spf1 +all"}],
    "plain.example.com": [{"TXT": "site-verification=abc"}],
    "slow.example.com": ["TIMEOUT"],
    "xn--bcher-kva.test": [{"TXT": "v=spf1 ip4:192.0.2.7 -all"}],
    "over.example.com": [{"TXT": "v=spf1" + " a" * 11 + " -all"}, {"A": "192.0.2.1"}],
}

dns_server = dictdns_fixture(ZONE)


def sendlanes(server: DictDnsServer, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["sendlanes", "spf", *args, "--nameserver", server.nameserver, "--timeout", "0.3"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def in_process(
    server: DictDnsServer, capsys: pytest.CaptureFixture[str], *args: str
) -> subprocess.CompletedProcess[str]:
    """``sendlanes.cli.main`` with the same arguments, in this process."""
    # Later options win: a test's own --timeout or --nameserver replaces these defaults.
    argv = ["spf", "--nameserver", server.nameserver, "--timeout", "0.3", *args]
    code = main(argv)
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, captured.out, captured.err)


def document(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_valid_record_is_json_with_the_contract_keys_and_exit_0(
    dns_server: DictDnsServer,
) -> None:
    result = sendlanes(dns_server, "example.com", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert document(result) == {
        "domain": "example.com",
        "record": "v=spf1 mx include:_spf.example.net -all",
        "status": "valid",
        "lookups": 2,
        "void_lookups": 0,
        "error": None,
        "warnings": [],
    }


def test_json_is_the_default_when_stdout_is_not_a_terminal(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert document(in_process(dns_server, capsys, "example.com."))["status"] == "valid"


def test_table_shows_each_field(dns_server: DictDnsServer) -> None:
    result = sendlanes(dns_server, "over.example.com", "--format", "table")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["field", "value"]
    assert "status        permerror" in lines
    assert "lookups       11 of 10" in lines
    assert any(line.startswith("error         11 DNS-querying terms") for line in lines)


def test_syntax_error_is_a_permerror_with_exit_1(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = in_process(dns_server, capsys, "broken.example.com")
    assert result.returncode == 1
    assert document(result)["status"] == "permerror"
    assert "CIDR length /33 is more than 32 (RFC 7208 §5.6)" in document(result)["error"]


def test_two_records_are_a_permerror(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = in_process(dns_server, capsys, "two.example.com")
    assert (result.returncode, document(result)["status"]) == (1, "permerror")


def test_no_record_is_none_with_exit_1(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = in_process(dns_server, capsys, "plain.example.com")
    assert (result.returncode, document(result)["status"]) == (1, "none")


def test_dns_timeout_is_a_temperror_with_exit_3(dns_server: DictDnsServer) -> None:
    result = sendlanes(dns_server, "slow.example.com")
    assert result.returncode == 3
    assert document(result)["status"] == "temperror"


def test_ip_that_passes_adds_the_result_and_exits_0(dns_server: DictDnsServer) -> None:
    result = sendlanes(dns_server, "example.com", "--ip", "192.0.2.10", "--helo", "mta.example.org")
    assert result.returncode == 0, result.stderr
    parsed = document(result)
    assert parsed["result"] == "pass"
    assert parsed["check_host"] == {
        "ip": "192.0.2.10",
        "sender": "postmaster@example.com",
        "helo": "mta.example.org",
        "mechanism": "include:_spf.example.net",
        "explanation": None,
        "error": None,
        "lookups": 2,
        "void_lookups": 0,
    }


def test_ip_that_fails_exits_1(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("example.com", "--ip", "203.0.113.9", "--sender", "a@example.com")
    result = in_process(dns_server, capsys, *args)
    assert (result.returncode, document(result)["result"]) == (1, "fail")


def test_ip_check_in_a_table(dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("example.com", "--ip", "198.51.100.25", "--format", "table")
    result = in_process(dns_server, capsys, *args)
    assert result.returncode == 0
    assert "result        pass (matched mx)" in result.stdout.splitlines()


def test_bad_usage_exits_2_with_a_message_from_the_console_script(
    dns_server: DictDnsServer,
) -> None:
    result = sendlanes(dns_server, "example.com", "--sender", "a@example.com")
    assert result.returncode == 2
    assert result.stderr == (
        "sendlanes: --sender and --helo describe the message for --ip: add --ip IP\n"
    )
    assert result.stdout == ""


def test_a_unicode_domain_is_asked_for_by_its_a_labels(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    result = in_process(
        dns_server, capsys, "B\N{LATIN SMALL LETTER U WITH DIAERESIS}cher.test", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert document(result)["domain"] == "xn--bcher-kva.test"
    assert document(result)["record"] == "v=spf1 ip4:192.0.2.7 -all"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["example.com", "--ip", "192.0.2.300"], "not an IPv4 or IPv6 address"),
        (["  "], "DOMAIN is empty"),
        (["xn--zz.example"], "label 'xn--zz' is an invalid A-label"),
        (["\N{GRINNING FACE}.example"], "is not IDNA 2008"),
        (["example.com", "--timeout", "0"], "--timeout: '0': must be more than 0 seconds"),
        (["example.com", "--nameserver", "127.0.0.1:99999"], "--nameserver"),
    ],
)
def test_bad_usage_exits_2_with_a_message(
    dns_server: DictDnsServer, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    result = in_process(dns_server, capsys, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
