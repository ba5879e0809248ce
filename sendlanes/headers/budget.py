"""Bounds on the work one message can cause: signatures checked and a deadline for DNS.

A message comes from a stranger, who chooses how many ``DKIM-Signature`` fields it carries
and which domains their keys live under; with a silent name server, each costs a full DNS
timeout. Only the first :data:`MAX_SIGNATURES_CHECKED` signatures are verified, and once the
run's deadline has passed no further question is asked (each is a temporary error, so the
checks that needed it have no verdict).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, MxHost

# Mail sent through a lane carries one to three signatures (the provider's, the brand's, an
# ARC sealer's); ten leaves room for forwarders and mailing lists.
MAX_SIGNATURES_CHECKED = 10


class DeadlineLookup:
    """A :class:`DnsLookup` that asks nothing once *ends* (a :func:`time.monotonic` value)
    has passed. A question already asked keeps its own timeout."""

    def __init__(
        self,
        inner: DnsLookup,
        ends: float,
        reason: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._ends = ends
        self.reason = reason
        self._clock = clock

    @property
    def expired(self) -> bool:
        return self._clock() >= self._ends

    def _guard(self, name: str, rdtype: str) -> None:
        if self.expired:
            raise DnsTemporaryError(name, rdtype, self.reason)

    def txt(self, name: str) -> tuple[str, ...]:
        self._guard(name, "TXT")
        return self._inner.txt(name)

    def a(self, name: str) -> tuple[str, ...]:
        self._guard(name, "A")
        return self._inner.a(name)

    def aaaa(self, name: str) -> tuple[str, ...]:
        self._guard(name, "AAAA")
        return self._inner.aaaa(name)

    def mx(self, name: str) -> tuple[MxHost, ...]:
        self._guard(name, "MX")
        return self._inner.mx(name)

    def ptr(self, address: str) -> tuple[str, ...]:
        self._guard(address, "PTR")
        return self._inner.ptr(address)

    def cname(self, name: str) -> str | None:
        self._guard(name, "CNAME")
        return self._inner.cname(name)
