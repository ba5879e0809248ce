"""`sendlanes allowlist`: Customer.io's egress addresses, embedded and refreshed from the App API.

The App API is played by an `http.server` on 127.0.0.1 answering `GET /v1/info/ip_addresses`
the way Customer.io documents it, or failing in the ways it can (401, 500, bad JSON, silence).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sendlanes.customerio import allowlist
from sendlanes.customerio.allowlist import AppApiError, Region

REPO = Path(__file__).resolve().parents[1]
API_KEY = "cio-app-key-0f9e8d7c6b5a"  # must never show up in any output

US_FIRST_TEN = (
    "35.188.196.183",
    "104.198.177.219",
    "104.154.232.87",
    "130.211.229.195",
    "104.198.221.24",
    "104.197.27.15",
    "35.194.9.154",
    "104.154.144.51",
    "104.197.210.12",
    "35.225.6.73",
)


# -- a stand-in for Customer.io's App API ---------------------------------------------------


@dataclass
class FakeAppApi:
    """Answers every GET with *status* and *body*, after *delay* seconds."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    seen_authorization: list[str] = field(default_factory=list)
    seen_paths: list[str] = field(default_factory=list)
    base: str = ""

    def answer_addresses(self, addresses: tuple[str, ...] | list[str]) -> None:
        self.status = 200
        self.body = json.dumps({"ip_addresses": list(addresses)}).encode()


@pytest.fixture
def app_api() -> Iterator[FakeAppApi]:
    fake = FakeAppApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.seen_authorization.append(self.headers.get("Authorization", ""))
            fake.seen_paths.append(self.path)
            if fake.delay:
                time.sleep(fake.delay)
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)
            except OSError:
                pass  # the client gave up waiting: that is what the timeout test wants

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the embedded list ----------------------------------------------------------------------


def test_embedded_us_list_starts_with_the_ten_addresses_the_app_api_documents() -> None:
    us = allowlist.embedded_list("us")
    assert us.addresses[:10] == US_FIRST_TEN
    # The account-wide allowlist page adds two more to the same column.
    assert us.addresses[10:] == ("35.192.215.166", "34.170.204.100")


def test_embedded_eu_list_is_the_ten_published_addresses() -> None:
    eu = allowlist.embedded_list(Region.EU)
    assert len(eu.addresses) == 10
    assert eu.addresses[0] == "34.76.143.229"
    assert set(eu.addresses).isdisjoint(allowlist.egress_addresses("us"))


def test_embedded_lists_name_their_source_and_date() -> None:
    for region in Region:
        listed = allowlist.embedded_list(region)
        assert listed.source == "https://docs.customer.io/accounts-and-workspaces/ip-addresses"
        assert listed.retrieved <= datetime.date.today()
        assert listed.app_api.startswith("https://api")
        assert len(set(listed.addresses)) == len(listed.addresses)
        for address in listed.addresses:
            assert ipaddress.ip_address(address).is_global, address


def test_egress_addresses_is_what_the_pulumi_program_exports() -> None:
    assert allowlist.egress_addresses("eu") == allowlist.embedded_list("eu").addresses
    with pytest.raises(ValueError):
        allowlist.egress_addresses("apac")


def test_app_api_hosts_follow_the_region() -> None:
    assert allowlist.api_url("us") == "https://api.customer.io/v1/info/ip_addresses"
    assert allowlist.api_url("eu") == "https://api-eu.customer.io/v1/info/ip_addresses"
    assert allowlist.api_url("eu", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/v1/info/ip_addresses"
    )


# -- the App API, directly -------------------------------------------------------------------


def test_fetch_sends_the_key_as_bearer_and_reads_ip_addresses(app_api: FakeAppApi) -> None:
    app_api.answer_addresses(US_FIRST_TEN)
    published = allowlist.fetch_published("us", API_KEY, base=app_api.base)
    assert published == US_FIRST_TEN
    assert app_api.seen_authorization == [f"Bearer {API_KEY}"]
    assert app_api.seen_paths == ["/v1/info/ip_addresses"]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            401,
            b'{"meta":{"error":"Unauthorized request"}}',
            "HTTP 401: the App API key was refused",
        ),
        (500, b"oops", "HTTP 500 from Customer.io's App API"),
        (429, b"", "HTTP 429"),
        (200, b"<html>maintenance</html>", "the answer is not JSON"),
        (200, b'{"addresses": ["35.188.196.183"]}', 'no "ip_addresses" list'),
        (200, b'{"ip_addresses": []}', 'no "ip_addresses" list'),
        (200, b'{"ip_addresses": ["35.188.196.183", "not-an-ip"]}', "ip_addresses[1]"),
    ],
)
def test_unusable_answers_are_typed_errors_naming_the_url(
    app_api: FakeAppApi, status: int, body: bytes, expected: str
) -> None:
    app_api.status, app_api.body = status, body
    with pytest.raises(AppApiError) as caught:
        allowlist.fetch_published("us", API_KEY, base=app_api.base)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{app_api.base}/v1/info/ip_addresses: ")
    assert API_KEY not in str(caught.value)


def test_silent_app_api_is_a_timeout_error(app_api: FakeAppApi) -> None:
    app_api.answer_addresses(US_FIRST_TEN)
    app_api.delay = 1.0
    started = time.monotonic()
    with pytest.raises(AppApiError, match=r"no answer within 0.2 s"):
        allowlist.fetch_published("us", API_KEY, base=app_api.base, timeout=0.2)
    assert time.monotonic() - started < 0.9


def test_unreachable_app_api_is_a_connection_error() -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(AppApiError, match="could not connect"):
        allowlist.fetch_published("eu", API_KEY, base=base, timeout=1)


def test_compare_reports_added_and_removed_addresses() -> None:
    change = allowlist.compare(["192.0.2.1", "192.0.2.2"], ["192.0.2.2", "192.0.2.3"])
    assert change.added == ("192.0.2.3",)
    assert change.removed == ("192.0.2.1",)
    assert change.changed
    assert not allowlist.compare(["192.0.2.1"], ["192.0.2.1"]).changed


# -- renderings -----------------------------------------------------------------------------


def test_postfix_rendering_is_a_cidr_table_permitting_each_address() -> None:
    text = allowlist.render_postfix(Region.US, ["192.0.2.1", "2001:db8::1"], "test")
    entries = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    assert entries == [["192.0.2.1/32", "OK"], ["2001:db8::1/128", "OK"]]


def test_nftables_rendering_is_a_named_set_per_address_family() -> None:
    text = allowlist.render_nftables(Region.EU, ["192.0.2.1", "192.0.2.2", "2001:db8::1"], "t")
    assert "set customerio_eu {\n\ttype ipv4_addr\n\telements = { 192.0.2.1, 192.0.2.2 }\n}" in (
        text
    )
    assert "set customerio_eu_v6 {\n\ttype ipv6_addr\n\telements = { 2001:db8::1 }\n}" in text
    assert "_v6" not in allowlist.render_nftables(Region.EU, ["192.0.2.1"], "t")


# -- the command line -----------------------------------------------------------------------


def sendlanes(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in (allowlist.API_KEY_ENV, allowlist.API_BASE_ENV)
    }
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO,
        timeout=30,
        check=False,
    )


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def refresh(app_api: FakeAppApi) -> RunCli:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {allowlist.API_KEY_ENV: API_KEY, allowlist.API_BASE_ENV: app_api.base}
        result = sendlanes("allowlist", "--refresh", *args, env=env)
        assert API_KEY not in result.stdout + result.stderr
        return result

    return run


def test_cli_json_lists_both_regions_with_source_and_date() -> None:
    result = sendlanes("allowlist", "--format", "json")
    assert result.returncode == 0, result.stderr
    regions = json.loads(result.stdout)["regions"]
    assert [r["region"] for r in regions] == ["us", "eu"]
    assert tuple(regions[0]["addresses"][:10]) == US_FIRST_TEN
    assert regions[1]["source"].startswith("https://docs.customer.io/")
    assert datetime.date.fromisoformat(regions[1]["retrieved"])
    assert "refresh" not in regions[0]


def test_cli_text_names_the_source_and_every_address() -> None:
    result = sendlanes("allowlist", "--region", "eu", "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "EU region (10)" in result.stdout
    assert "https://docs.customer.io/accounts-and-workspaces/ip-addresses" in result.stdout
    for address in allowlist.egress_addresses("eu"):
        assert f"  {address}\n" in result.stdout
    assert "35.188.196.183" not in result.stdout  # a US address


def test_cli_postfix_and_nftables_formats(tmp_path: Path) -> None:
    postfix = sendlanes("allowlist", "--region", "us", "--format", "postfix")
    assert postfix.returncode == 0, postfix.stderr
    assert "35.188.196.183/32\tOK\n" in postfix.stdout
    nft = sendlanes("allowlist", "--region", "us", "--format", "nftables")
    assert nft.returncode == 0, nft.stderr
    assert "set customerio_us {" in nft.stdout
    assert "elements = { 35.188.196.183, 104.198.177.219," in nft.stdout


def test_cli_refresh_with_the_same_list_exits_0(app_api: FakeAppApi, refresh: RunCli) -> None:
    app_api.answer_addresses(allowlist.egress_addresses("us"))
    result = refresh("--region", "us", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)["regions"][0]["refresh"]
    assert document["status"] == "unchanged"
    assert document["url"] == f"{app_api.base}/v1/info/ip_addresses"
    assert app_api.seen_authorization == [f"Bearer {API_KEY}"]


def test_cli_refresh_shows_what_changed_and_exits_1(app_api: FakeAppApi, refresh: RunCli) -> None:
    published = [*US_FIRST_TEN[1:], "192.0.2.10"]
    app_api.answer_addresses(published)
    result = refresh("--region", "us", "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)["regions"][0]
    assert document["refresh"]["status"] == "changed"
    assert document["refresh"]["added"] == ["192.0.2.10"]
    assert document["refresh"]["removed"] == [
        "35.188.196.183",
        "35.192.215.166",
        "34.170.204.100",
    ]
    text = refresh("--region", "us", "--format", "text")
    assert "added (listed by the App API, not embedded): 192.0.2.10" in text.stdout
    # Postfix output follows the App API's current list once it has answered.
    cidr = refresh("--region", "us", "--format", "postfix")
    assert "192.0.2.10/32\tOK" in cidr.stdout
    assert "35.188.196.183/32" not in cidr.stdout
    assert "added (listed by the App API, not embedded): 192.0.2.10" in cidr.stderr


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, f'{{"echo": "Bearer {API_KEY}"}}'.encode(), "HTTP 401"),
        (500, f"internal error for Bearer {API_KEY}".encode(), "HTTP 500"),
        (200, b'{"ip_addresses": ', "not JSON"),
    ],
)
def test_cli_refresh_failure_exits_3_and_still_shows_the_embedded_list(
    app_api: FakeAppApi, refresh: RunCli, status: int, body: bytes, message: str
) -> None:
    app_api.status, app_api.body = status, body
    result = refresh("--region", "eu", "--format", "text")
    assert result.returncode == 3, result.stderr
    assert message in result.stdout
    assert "(showing the embedded list)" in result.stdout
    for address in allowlist.egress_addresses("eu"):
        assert address in result.stdout


def test_cli_refresh_timeout_exits_3_with_the_embedded_list_in_json(
    app_api: FakeAppApi, refresh: RunCli
) -> None:
    app_api.answer_addresses(US_FIRST_TEN)
    app_api.delay = 2.0
    result = refresh("--region", "us", "--format", "json", "--timeout", "0.3")
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)["regions"][0]
    assert document["refresh"]["status"] == "error"
    assert "no answer within 0.3 s" in document["refresh"]["error"]
    assert document["refresh"]["published"] is None
    assert tuple(document["addresses"]) == allowlist.egress_addresses("us")


def test_cli_refresh_without_a_key_is_a_usage_error() -> None:
    result = sendlanes("allowlist", "--refresh", "--region", "us")
    assert result.returncode == 2
    assert allowlist.API_KEY_ENV in result.stderr


def test_cli_refresh_needs_a_region() -> None:
    result = sendlanes("allowlist", "--refresh", env={allowlist.API_KEY_ENV: API_KEY})
    assert result.returncode == 2
    assert "--region" in result.stderr
    assert API_KEY not in result.stdout + result.stderr
