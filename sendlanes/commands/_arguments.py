"""Argument types shared by every sub-command: checked before any work is done.

Each is an ``argparse`` ``type=`` callable (so a bad value is exit 2 with the option named,
before any file is read or any packet sent) or, for values given several times, a function
raising :class:`~sendlanes.errors.UsageError` with one line per bad value.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
from collections.abc import Sequence
from pathlib import Path

from sendlanes.errors import UsageError

# No operation this tool runs needs longer; a larger number is a typo (and `inf` or 1e300
# overflow the C timeval under socket.settimeout).
MAX_SECONDS = 86_400.0
# A CA bundle is at most a few hundred kilobytes (Mozilla's is ~220 kB).
MAX_CA_BUNDLE_BYTES = 10 * 1024 * 1024
PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"
# Pulumi stack names: letters, digits, '-', '_' and '.'.
_STACK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
DEFAULT_DNS_PORT = 53


def seconds(text: str) -> float:
    """A finite number of seconds above 0 and at most a day (``--timeout``, ``--deadline``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if math.isnan(value) or math.isinf(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number of seconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be more than 0 seconds")
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at most {MAX_SECONDS:g} seconds")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1 (``--jobs``, ``--concurrency``)."""
    stripped = text.strip()
    if not stripped.isdigit() or not stripped.isascii() or int(stripped) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    if int(stripped) > 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at most 1000000")
    return int(stripped)


def port(text: str) -> int:
    """A TCP/UDP port, 1-65535."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or not 0 < int(stripped) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(stripped)


def stack_name(text: str) -> str:
    """A Pulumi stack name; never empty (an empty ``--stack`` must not silently mean prod)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the stack name is empty")
    if not _STACK_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text[:60]!r} is not a stack name (letters, digits, '-', '_' and '.')"
        )
    return text


def pem_bundle(text: str) -> Path:
    """An existing, readable file of PEM CA certificates (``--cafile``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    path = Path(text)
    try:
        if not path.exists():
            raise argparse.ArgumentTypeError(f"{text}: no such file")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{text}: not a regular file")
        if path.stat().st_size > MAX_CA_BUNDLE_BYTES:
            raise argparse.ArgumentTypeError(f"{text}: larger than 10 MB, not a CA bundle")
        content = path.read_bytes()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{text}: cannot read ({error.strerror})") from None
    if PEM_CERTIFICATE not in content:
        raise argparse.ArgumentTypeError(
            f"{text}: not a PEM certificate bundle (no {PEM_CERTIFICATE.decode()} line)"
        )
    # ssl costs ~10 ms: only paid when --cafile is given.
    import ssl

    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as error:
        reason = error.reason or type(error).__name__
        raise argparse.ArgumentTypeError(
            f"{text}: not a PEM certificate bundle ({reason})"
        ) from None
    return path


def parse_nameserver(spec: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT``, ``[IPV6]:PORT`` or a bare IPv6 address, as ``(address, port)``.

    Name servers are given by address (asking a resolver where the resolver is would hide
    what is asked). :raises ValueError: with a message naming *spec*.
    """
    shown = repr(spec[:80])
    text = spec.strip()
    if not text:
        raise ValueError("empty: give an IP address, IP:PORT or [IPV6]:PORT")
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{shown} is not [IPV6]:PORT")
        port_text = rest[1:] if rest else str(DEFAULT_DNS_PORT)
        if not _is_ip(host, version=6):
            raise ValueError(f"{shown}: {host[:60]!r} is not an IPv6 address")
    elif text.count(":") == 1:
        host, port_text = text.split(":")
        if not _is_ip(host, version=4):
            raise ValueError(
                f"{shown}: {host[:60]!r} is not an IPv4 address (write IPv6 as [IPV6]:PORT)"
            )
    elif ":" in text:
        host, port_text = text, str(DEFAULT_DNS_PORT)
        if not _is_ip(host, version=6):
            raise ValueError(f"{shown} is not IP, IP:PORT, [IPV6]:PORT or an IPv6 address")
    else:
        host, port_text = text, str(DEFAULT_DNS_PORT)
        if not _is_ip(host, version=4):
            raise ValueError(f"{shown} is not an IP address (name servers are given by address)")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise ValueError(f"{shown}: port must be 1-65535")
    return host, int(port_text)


def _is_ip(text: str, *, version: int) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.version == version


def parse_servers(specs: Sequence[str], option: str = "--nameserver") -> list[tuple[str, int]]:
    """Every ``--nameserver`` value as an address pair; every bad one is reported (exit 2)."""
    servers: list[tuple[str, int]] = []
    problems: list[str] = []
    for spec in specs:
        try:
            servers.append(parse_nameserver(spec))
        except ValueError as error:
            problems.append(f"{option}: {error}")
    if problems:
        raise UsageError(problems)
    return servers
