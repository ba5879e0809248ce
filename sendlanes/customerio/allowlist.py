"""Customer.io's egress addresses, for the allowlist of a lane's own SMTP server.

When a lane's SMTP server only accepts connections from known addresses, it must let in the
addresses Customer.io connects from (per account region). This module holds the list
Customer.io publishes (embedded, with the page and the day it was read), asks Customer.io's
App API ``GET /v1/info/ip_addresses`` for the current one, compares the two, and renders a
list for Postfix or nftables.

:func:`egress_addresses` is pure and cheap: the Pulumi program exports it per brand region.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

DATA_FILE = "customerio_ips.json"
IP_ADDRESSES_PATH = "/v1/info/ip_addresses"
API_KEY_ENV = "CUSTOMERIO_APP_API_KEY"
API_BASE_ENV = "CUSTOMERIO_API_BASE"


class Region(StrEnum):
    """A Customer.io account region."""

    US = "us"
    EU = "eu"


@dataclass(frozen=True)
class EgressList:
    """The addresses Customer.io connects from in one region, and where the list came from."""

    region: Region
    addresses: tuple[str, ...]
    source: str
    retrieved: datetime.date
    app_api: str


class EmbeddedListError(Exception):
    """The packaged list is missing or malformed (a packaging bug, not a user error)."""


def _document() -> dict[str, Any]:
    path = resources.files("sendlanes").joinpath("data", DATA_FILE)
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EmbeddedListError(f"sendlanes/data/{DATA_FILE}: {error}") from error
    return document


def embedded_list(region: Region | str) -> EgressList:
    """The embedded list for *region* (``us`` or ``eu``), with its source URL and date.

    :raises ValueError: for an unknown region.
    :raises EmbeddedListError: when the packaged data file is unreadable.
    """
    wanted = Region(region)
    document = _document()
    try:
        entry = document["regions"][wanted.value]
        return EgressList(
            region=wanted,
            addresses=tuple(str(a) for a in entry["addresses"]),
            source=str(document["source"]),
            retrieved=datetime.date.fromisoformat(document["retrieved"]),
            app_api=str(entry["app_api"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise EmbeddedListError(f"sendlanes/data/{DATA_FILE}: {wanted.value}: {error}") from error


def egress_addresses(region: Region | str) -> tuple[str, ...]:
    """Customer.io's published egress addresses for *region*, in the published order."""
    return embedded_list(region).addresses


# -- the App API ---------------------------------------------------------------------------


class AppApiError(Exception):
    """``GET /v1/info/ip_addresses`` gave no usable list; the message never holds the key."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


HttpGet = Callable[[str, Mapping[str, str], float], HttpAnswer]
"""``(url, headers, timeout) -> HttpAnswer``; raises ``TimeoutError`` or ``OSError``."""


# The App API's list is a few kilobytes; anything past this is not it.
MAX_ANSWER_BYTES = 1024 * 1024


class NotHttpError(OSError):
    """The endpoint answered, but not in HTTP (or not within the size cap)."""


def urllib_get(url: str, headers: Mapping[str, str], timeout: float) -> HttpAnswer:
    """:data:`HttpGet` over :mod:`urllib.request` (HTTP errors are answers, not exceptions).

    *timeout* bounds the whole exchange, not each read: a server that trickles its answer
    is cut off (``TimeoutError``). The request runs in a daemon thread that is abandoned at
    the deadline; the command exits soon after.
    """
    outcome: list[HttpAnswer | BaseException] = []

    def fetch() -> None:
        try:
            outcome.append(_urllib_fetch(url, headers, timeout))
        except BaseException as error:  # handed to the caller's thread below
            outcome.append(error)

    worker = threading.Thread(target=fetch, name="app-api", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise TimeoutError(f"no complete answer within {timeout:g} s")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _urllib_fetch(url: str, headers: Mapping[str, str], timeout: float) -> HttpAnswer:
    # Imported here: every sendlanes command registers this module's subcommand, and
    # urllib.request (http.client, email, ...) would add ~50 ms to each start-up.
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(int(response.status), _bounded_read(response))
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(int(error.code), _bounded_read(error))
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise TimeoutError(str(error.reason)) from error
        raise OSError(str(error.reason)) from error
    except http.client.RemoteDisconnected:
        raise OSError("the server closed the connection without answering") from None
    except http.client.HTTPException as error:
        # BadStatusLine and friends carry the raw bytes the server sent: never shown.
        raise NotHttpError(f"the answer is not HTTP ({type(error).__name__})") from None


def _bounded_read(response: Any) -> bytes:
    body: bytes = response.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        raise NotHttpError(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
    return body


def api_url(region: Region | str, base: str | None = None) -> str:
    """The URL of ``GET /v1/info/ip_addresses`` for *region*, or under *base* when given."""
    root = base if base else embedded_list(region).app_api
    return root.rstrip("/") + IP_ADDRESSES_PATH


def _redacted(text: str, secret: str) -> str:
    return text.replace(secret, "[redacted]") if secret else text


def fetch_published(
    region: Region | str,
    api_key: str,
    *,
    base: str | None = None,
    timeout: float = 10.0,
    http_get: HttpGet = urllib_get,
) -> tuple[str, ...]:
    """Ask the App API which addresses Customer.io connects from now (bearer *api_key*).

    The answer is ``{"ip_addresses": ["35.188.196.183", ...]}``; every entry must be an IP
    address. :raises AppApiError: on timeout, network error, a non-200 status, or an answer
    of another shape; its message names the URL and never contains *api_key*.
    """
    url = api_url(region, base)
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}
    try:
        answer = http_get(url, headers, timeout)
    except TimeoutError as error:
        raise AppApiError(url, f"no answer within {timeout:g} s") from error
    except NotHttpError as error:
        raise AppApiError(url, str(error)) from error
    except OSError as error:
        raise AppApiError(url, f"could not connect ({_redacted(str(error), api_key)})") from error
    if answer.status in (401, 403):
        raise AppApiError(
            url,
            f"HTTP {answer.status}: the App API key was refused; {API_KEY_ENV} must hold an "
            f"App API key (not a Track API key) of a workspace in the {Region(region)} region",
        )
    if answer.status == 429:
        raise AppApiError(url, "HTTP 429: over the App API's rate limit (10 per second)")
    if answer.status != 200:
        raise AppApiError(url, f"HTTP {answer.status} from Customer.io's App API")
    return _parse_answer(url, answer.body)


def _parse_answer(url: str, body: bytes) -> tuple[str, ...]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise AppApiError(url, f"the answer is not JSON ({error.__class__.__name__})") from error
    listed = document.get("ip_addresses") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not listed:
        raise AppApiError(url, 'the answer has no "ip_addresses" list of addresses')
    problems = []
    addresses: list[str] = []
    for index, item in enumerate(listed):
        try:
            addresses.append(str(ipaddress.ip_address(item)))
        except ValueError:
            problems.append(f"ip_addresses[{index}] = {str(item)[:60]!r} is not an IP address")
    if problems:
        raise AppApiError(url, "; ".join(problems))
    return tuple(addresses)


# -- comparison and output -----------------------------------------------------------------


@dataclass(frozen=True)
class AllowlistChange:
    """What the App API lists that the embedded list does not, and the other way round."""

    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def compare(embedded: Sequence[str], published: Sequence[str]) -> AllowlistChange:
    """Addresses *added* to (published only) and *removed* from (embedded only) the list."""
    embedded_set = {ipaddress.ip_address(a) for a in embedded}
    published_set = {ipaddress.ip_address(a) for a in published}
    return AllowlistChange(
        added=tuple(a for a in published if ipaddress.ip_address(a) not in embedded_set),
        removed=tuple(a for a in embedded if ipaddress.ip_address(a) not in published_set),
    )


def _cidr(address: str) -> str:
    ip = ipaddress.ip_address(address)
    return f"{ip}/{ip.max_prefixlen}"


def render_postfix(region: Region, addresses: Sequence[str], origin: str) -> str:
    """A Postfix ``cidr:`` table: ``ADDRESS/32 OK`` per line (postconf(5), cidr_table(5)).

    The same file serves ``mynetworks = cidr:/etc/postfix/customerio.cidr`` and
    ``smtpd_client_restrictions = check_client_access cidr:/etc/postfix/customerio.cidr,
    reject`` (the ``OK`` result permits; mynetworks ignores the result).
    """
    lines = [
        f"# Customer.io egress addresses, {region.value.upper()} region ({origin})",
        "# main.cf: smtpd_client_restrictions = "
        "check_client_access cidr:/etc/postfix/customerio.cidr, reject",
    ]
    lines += [f"{_cidr(a)}\tOK" for a in addresses]
    return "\n".join(lines) + "\n"


def render_nftables(region: Region, addresses: Sequence[str], origin: str) -> str:
    """Named nftables sets ``customerio_<region>`` (IPv4) and ``customerio_<region>_v6``.

    The text goes inside a ``table inet …`` block; a rule then reads
    ``ip saddr @customerio_us tcp dport { 25, 465, 587 } accept``.
    """
    v4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    v6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]
    lines = [f"# Customer.io egress addresses, {region.value.upper()} region ({origin})"]
    for name, kind, members in (
        (f"customerio_{region.value}", "ipv4_addr", v4),
        (f"customerio_{region.value}_v6", "ipv6_addr", v6),
    ):
        if not members and kind == "ipv6_addr":
            continue
        lines.append(f"set {name} {{")
        lines.append(f"\ttype {kind}")
        if members:
            lines.append(f"\telements = {{ {', '.join(members)} }}")
        lines.append("}")
    return "\n".join(lines) + "\n"
