"""What a received message says about how it was sent: From, Return-Path, DKIM signatures.

:func:`read_message` parses the header once into :class:`MessageFacts`;
:func:`verify_signatures` checks each ``DKIM-Signature`` with dkimpy, fetching keys through a
:class:`~sendlanes.dns.resolver.DnsLookup` so it works against any name server (RFC 6376 §6).
"""

from __future__ import annotations

import email.parser
import email.policy
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses

import dkim

from sendlanes.dns.resolver import DnsLookup, DnsTemporaryError, NxDomain


class DkimResult(enum.StrEnum):
    """RFC 8601 §2.7.1 result words for one signature."""

    PASS = "pass"
    FAIL = "fail"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"
    NOT_CHECKED = "not checked"  # past the cap on signatures verified (no verdict sought)


@dataclass(frozen=True)
class DkimSignature:
    """One ``DKIM-Signature`` header field (RFC 6376 §3.5), in message order."""

    index: int
    domain: str  # d=, lower-case
    selector: str  # s=
    algorithm: str  # a=
    signed_headers: tuple[str, ...]  # h=, lower-case

    @property
    def key_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def signs(self, header: str) -> bool:
        return header.lower() in self.signed_headers


@dataclass(frozen=True)
class DkimVerdict:
    signature: DkimSignature
    result: DkimResult
    detail: str

    @property
    def verified(self) -> bool:
        return self.result is DkimResult.PASS


@dataclass(frozen=True)
class MessageFacts:
    """The header fields that say which lane sent a message."""

    raw: bytes = field(repr=False)
    from_addresses: tuple[str, ...]
    return_path: str | None
    subject: str | None
    message_id: str | None
    category: str | None
    list_unsubscribe: str | None
    list_unsubscribe_post: str | None
    signatures: tuple[DkimSignature, ...]
    problems: tuple[str, ...] = ()

    @property
    def from_domain(self) -> str | None:
        """RFC5322.From domain, when there is exactly one address (RFC 9989 §4.4.1)."""
        if len(self.from_addresses) != 1:
            return None
        return _domain_of(self.from_addresses[0])

    @property
    def spf_domain(self) -> str | None:
        """RFC5321.MailFrom domain, read from Return-Path (RFC 5321 §4.4)."""
        return _domain_of(self.return_path) if self.return_path else None


def _domain_of(address: str) -> str | None:
    _, at, domain = address.rpartition("@")
    domain = domain.strip().rstrip(".").lower()
    return domain if at and domain else None


def _one(message: Message, name: str, problems: list[str]) -> str | None:
    values = message.get_all(name) or []
    if len(values) > 1:
        problems.append(f"{name} appears {len(values)} times; the first is used")
    if not values:
        return None
    # Unfold (RFC 5322 §2.2.3): line breaks followed by whitespace are not content.
    return " ".join(str(values[0]).split())


def _tags(value: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in value.split(";"):
        name, equals, content = part.partition("=")
        if equals:
            tags.setdefault(name.strip().lower(), "".join(content.split()))
    return tags


def read_message(raw: bytes, category_header: str = "X-Sendlanes-Category") -> MessageFacts:
    """Parse the header of *raw* (an RFC 5322 message) into :class:`MessageFacts`.

    Never raises on a malformed message: what cannot be read is listed in ``problems``.
    """
    # compat32 keeps header text as sent; the modern policy would re-fold and may raise.
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        raw, headersonly=True
    )
    problems: list[str] = []
    from_values = [str(v) for v in message.get_all("From") or []]
    if len(from_values) > 1:
        problems.append(f"From appears {len(from_values)} times (RFC 5322 §3.6 allows one)")
    from_addresses = tuple(address for _, address in getaddresses(from_values) if address)
    return_path = _one(message, "Return-Path", problems)
    if return_path is not None:
        parsed = getaddresses([return_path])
        return_path = parsed[0][1] if parsed and parsed[0][1] else None
    signatures = []
    for index, value in enumerate(message.get_all("DKIM-Signature") or []):
        tags = _tags(str(value))
        signatures.append(
            DkimSignature(
                index=index,
                domain=tags.get("d", "").rstrip(".").lower(),
                selector=tags.get("s", ""),
                algorithm=tags.get("a", ""),
                signed_headers=tuple(h.lower() for h in tags.get("h", "").split(":") if h),
            )
        )
    category = _one(message, category_header, problems)
    return MessageFacts(
        raw=raw,
        from_addresses=from_addresses,
        return_path=return_path,
        subject=_one(message, "Subject", problems),
        message_id=_one(message, "Message-ID", problems),
        category=category.strip() if category else None,
        list_unsubscribe=_one(message, "List-Unsubscribe", problems),
        list_unsubscribe_post=_one(message, "List-Unsubscribe-Post", problems),
        signatures=tuple(signatures),
        problems=tuple(problems),
    )


# -- DKIM verification -----------------------------------------------------------------------


class _KeyUnavailable(Exception):
    """Raised through dkimpy (which does not catch it) when the key look-up had no verdict."""

    def __init__(self, error: DnsTemporaryError) -> None:
        self.error = error
        super().__init__(str(error))


@dataclass
class _KeyFetcher:
    """dkimpy's ``dnsfunc``: ``(name: bytes, timeout=...) -> bytes | None`` over a DnsLookup."""

    lookup: DnsLookup
    missing: dict[str, str] = field(default_factory=dict)

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", errors="replace").rstrip(".")
        try:
            records = self.lookup.txt(text)
        except NxDomain:
            self.missing[text] = "NXDOMAIN"
            return None
        except DnsTemporaryError as error:
            raise _KeyUnavailable(error) from error
        if not records:
            self.missing[text] = "no TXT record"
            return None
        # Several records at one name: RFC 6376 §3.6.2.2 leaves it undefined; take the key.
        chosen = next((r for r in records if r.lstrip().startswith("v=DKIM1")), records[0])
        return chosen.encode("utf-8")


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())


def _logger() -> tuple[logging.Logger, _Collector]:
    # A logger outside logging's registry: nothing global is touched or kept.
    logger = logging.Logger("sendlanes.dkim", logging.DEBUG)
    collector = _Collector()
    logger.addHandler(collector)
    return logger, collector


def verify_signature(
    facts: MessageFacts, signature: DkimSignature, lookup: DnsLookup
) -> DkimVerdict:
    """Verify one signature (RFC 6376 §6.1); never raises."""
    if signature.algorithm.lower() == "rsa-sha1":
        return DkimVerdict(
            signature,
            DkimResult.FAIL,
            "a=rsa-sha1: verifiers must not accept SHA-1 signatures (RFC 8301 §3.1)",
        )
    logger, collector = _logger()
    fetcher = _KeyFetcher(lookup)
    try:
        verifier = dkim.DKIM(facts.raw, logger=logger, minkey=1024)
        ok = bool(verifier.verify(idx=signature.index, dnsfunc=fetcher))
    except _KeyUnavailable as error:
        return DkimVerdict(
            signature, DkimResult.TEMPERROR, f"key {signature.key_name}: {error.error.reason}"
        )
    except dkim.NaClNotFoundError:
        # A limit of this installation, not of the message: no verdict.
        return DkimVerdict(
            signature,
            DkimResult.TEMPERROR,
            "ed25519-sha256 (RFC 8463) needs PyNaCl, which is not installed: not verified",
        )
    except dkim.ValidationError as error:
        if str(error).startswith("body hash mismatch"):
            return DkimVerdict(
                signature,
                DkimResult.FAIL,
                "body hash mismatch: the body changed after signing (bh=, RFC 6376 §6.1.3)",
            )
        return DkimVerdict(signature, DkimResult.PERMERROR, f"{error} (RFC 6376 §6.1.1)")
    except dkim.DKIMException as error:
        return DkimVerdict(signature, DkimResult.PERMERROR, f"{error} (RFC 6376 §6.1.1)")
    if ok:
        return DkimVerdict(signature, DkimResult.PASS, f"verified with {signature.key_name}")
    if signature.key_name in fetcher.missing:
        reason = fetcher.missing[signature.key_name]
        return DkimVerdict(
            signature,
            DkimResult.PERMERROR,
            f"no key at {signature.key_name} ({reason}; RFC 6376 §6.1.2)",
        )
    if collector.errors:
        return DkimVerdict(signature, DkimResult.PERMERROR, "; ".join(collector.errors))
    return DkimVerdict(
        signature,
        DkimResult.FAIL,
        "b= does not verify: a signed header field changed after signing, or the key at "
        f"{signature.key_name} is not the signing key (RFC 6376 §6.1.3)",
    )


def verify_signatures(
    facts: MessageFacts,
    lookup: DnsLookup,
    *,
    limit: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[DkimVerdict, ...]:
    """Verify the message's ``DKIM-Signature`` fields in order: the first *limit* (all when
    None); the rest are :attr:`DkimResult.NOT_CHECKED`. *on_progress* hears
    ``(done, total)`` after each signature."""
    verdicts: list[DkimVerdict] = []
    total = len(facts.signatures)
    for done, signature in enumerate(facts.signatures, start=1):
        if limit is not None and done > limit:
            detail = f"not checked: only the first {limit} signatures are verified"
            verdicts.append(DkimVerdict(signature, DkimResult.NOT_CHECKED, detail))
        else:
            verdicts.append(verify_signature(facts, signature, lookup))
        if on_progress is not None:
            on_progress(done, total)
    return tuple(verdicts)
