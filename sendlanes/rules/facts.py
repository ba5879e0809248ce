"""The typed view every rule reads: :class:`StackFacts` → :class:`LaneFacts` →
:class:`RecordFacts`.

Two adapters build it: :func:`facts_from_plan` here (``sendlanes lint``) and
``policies/_graph.py`` (the CrossGuard pack, from engine resources). Rules never see a
``Plan`` or a Pulumi resource, so both paths judge exactly the same thing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sendlanes.auth.dkim import DkimAnalysis, analyze_dkim_record
from sendlanes.auth.dmarc_parse import DmarcAnalysis, analyze_dmarc_record
from sendlanes.auth.spf_record import SpfRecord, SpfSyntaxError, parse_spf_record
from sendlanes.lanes.catalog import DEFAULT_CATALOG, Catalog, LaneKind
from sendlanes.lanes.records import Purpose, RecordSpec
from sendlanes.providers import PROVIDERS

if TYPE_CHECKING:
    from sendlanes.plan.model import LanePlan, Plan

_SPF_PREFIX = "v=spf1"
_DKIM_LABEL = "_domainkey"
_DMARC_LABEL = "_dmarc"


class Fact(enum.StrEnum):
    """Parts of the facts a rule reads. During ``pulumi preview`` some engine values are not
    known yet; a rule that reads an unknown part cannot give a verdict for it."""

    LANE = "lane"  # identity: brand, name, kind, fqdn
    PROVIDER = "provider"
    SMTP = "smtp"
    ROUTING = "routing"  # categories and Customer.io message types
    RECORDS = "records"
    RETURN_PATH = "return-path"
    TRACKING = "tracking"
    UNSUBSCRIBE = "unsubscribe"
    WARMUP = "warmup"


@dataclass
class ParseMemo:
    """Parses by record text, shared by the records of one stack: brands publish the same
    provider SPF and DMARC text over and over, and each text needs parsing once."""

    spf: dict[str, SpfRecord | SpfSyntaxError] = field(default_factory=dict)
    dmarc: dict[str, DmarcAnalysis] = field(default_factory=dict)
    dkim: dict[str, DkimAnalysis] = field(default_factory=dict)


def _parse_spf(text: str) -> SpfRecord | SpfSyntaxError:
    try:
        return parse_spf_record(text)
    except SpfSyntaxError as error:
        return error


@dataclass(frozen=True)
class RecordFacts:
    """One DNS record as published. ``name`` is an FQDN without the trailing dot, lower case;
    ``content`` is the logical value (TXT unquoted and joined)."""

    name: str
    type: str
    content: str
    purpose: Purpose | None = None
    proxied: bool = False
    brand: str | None = None
    #: the lane (``brand/lane``) that publishes it, if any
    lane: str | None = None
    urn: str | None = None
    priority: int | None = None
    #: published by a sendlanes component (the pack knows it from the resource's parent)
    managed: bool = False
    memo: ParseMemo | None = field(default=None, compare=False, repr=False)

    @property
    def is_spf(self) -> bool:
        """A TXT record starting ``v=spf1`` then a space or the end (RFC 7208 §4.5)."""
        text = self.content
        return (
            self.type == "TXT"
            and text[:6].lower() == _SPF_PREFIX
            and (len(text) == 6 or text[6] == " ")
        )

    # Parsed views, computed once per record: several rules read the same parse.

    @cached_property
    def spf(self) -> SpfRecord | SpfSyntaxError | None:
        """The parsed SPF record, the syntax error, or None when this is not SPF."""
        if not self.is_spf:
            return None
        if self.memo is None:
            return _parse_spf(self.content)
        found = self.memo.spf.get(self.content)
        if found is None:
            found = self.memo.spf[self.content] = _parse_spf(self.content)
        return found

    @cached_property
    def dmarc(self) -> DmarcAnalysis:
        """The DMARC verdict on this record's text (RFC 9989)."""
        if self.memo is None:
            return analyze_dmarc_record(self.content)
        found = self.memo.dmarc.get(self.content)
        if found is None:
            found = self.memo.dmarc[self.content] = analyze_dmarc_record(self.content)
        return found

    @cached_property
    def dkim(self) -> DkimAnalysis:
        """The DKIM key-record verdict on this record's text (RFC 6376, RFC 8301)."""
        if self.memo is None:
            return analyze_dkim_record(self.content)
        found = self.memo.dkim.get(self.content)
        if found is None:
            found = self.memo.dkim[self.content] = analyze_dkim_record(self.content)
        return found

    @property
    def is_dkim_name(self) -> bool:
        return f".{_DKIM_LABEL}." in f".{self.name}."

    @property
    def is_mail_record(self) -> bool:
        """Whether mail depends on it: every record a lane or brand publishes, and any other
        record shaped like SPF, DKIM, DMARC or MX."""
        if self.purpose is not None or self.lane is not None or self.managed:
            return True
        if self.type == "MX" or self.is_spf:
            return True
        labels = self.name.split(".")
        return _DKIM_LABEL in labels or _DMARC_LABEL in labels

    @property
    def where(self) -> str:
        """How messages name it: the record's type and FQDN."""
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class SmtpFacts:
    host: str | None
    port: int | None
    #: "starttls" | "implicit" | "none" (None: not declared)
    tls: str | None
    username: str | None
    #: the provider uses one user name for every account (SendGrid's "apikey"): the password,
    #: which is never read, is what tells credentials apart
    username_is_fixed: bool = False


@dataclass(frozen=True)
class WarmupFacts:
    """A warm-up schedule as declared; values are kept raw so a rule can judge bad ones."""

    start: str | None
    daily_limits: tuple[object, ...]


@dataclass(frozen=True)
class LaneFacts:
    brand: str
    name: str
    kind: LaneKind
    fqdn: str
    #: the brand's domain (its zone and Organizational Domain)
    domain: str
    provider: str
    smtp: SmtpFacts
    categories: tuple[str, ...] = ()
    message_types: tuple[str, ...] = ()
    return_path_host: str | None = None
    tracking_hosts: tuple[str, ...] = ()
    one_click_unsubscribe: bool = False
    warmup: WarmupFacts | None = None
    records: tuple[RecordFacts, ...] = ()
    urn: str | None = None
    #: the intents of message categories (built-in plus the stack's own)
    catalog: Catalog = field(default=DEFAULT_CATALOG, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.brand}/{self.name}"

    def records_with(self, purpose: Purpose) -> tuple[RecordFacts, ...]:
        return tuple(r for r in self.records if r.purpose is purpose)

    @property
    def label(self) -> str:
        """How messages name a lane: ``acme/receipts (transactional, receipts.acme.example)``."""
        return f"{self.key} ({self.kind}, {self.fqdn})"


@dataclass(frozen=True)
class Unknown:
    """A value the engine does not know yet (``pulumi preview``)."""

    fact: Fact
    path: str
    urn: str | None = None


@dataclass(frozen=True)
class StackFacts:
    lanes: tuple[LaneFacts, ...]
    #: every DNS record of the stack: the lanes', brand-level ones and any others
    records: tuple[RecordFacts, ...]
    catalog: Catalog = DEFAULT_CATALOG
    unknowns: tuple[Unknown, ...] = field(default=())
    #: brand name → URN of its Brand component (pack only), for brand-wide findings
    brand_urns: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def brands(self) -> Mapping[str, tuple[LaneFacts, ...]]:
        """Lanes by brand, in declaration order."""
        grouped: dict[str, list[LaneFacts]] = {}
        for lane in self.lanes:
            grouped.setdefault(lane.brand, []).append(lane)
        return {brand: tuple(lanes) for brand, lanes in grouped.items()}

    @cached_property
    def records_by_name(self) -> Mapping[str, tuple[RecordFacts, ...]]:
        grouped: dict[str, list[RecordFacts]] = {}
        for record in self.records:
            grouped.setdefault(record.name, []).append(record)
        return {name: tuple(records) for name, records in grouped.items()}

    @cached_property
    def brand_domains(self) -> Mapping[str, str]:
        """Brand name → domain."""
        return {lane.brand: lane.domain for lane in self.lanes}

    def txt_at(self, name: str) -> Iterator[RecordFacts]:
        for record in self.records_by_name.get(name, ()):
            if record.type == "TXT":
                yield record


# -- from a Plan (sendlanes lint) -----------------------------------------------------------


def record_facts(
    record: RecordSpec,
    brand: str | None = None,
    lane: str | None = None,
    memo: ParseMemo | None = None,
) -> RecordFacts:
    """A planned record as the rules see it (plan records are never proxied)."""
    return RecordFacts(
        name=record.name,
        type=str(record.type),
        content=record.content,
        purpose=record.purpose,
        brand=brand,
        lane=lane,
        priority=record.priority,
        memo=memo,
    )


def lane_facts(
    lane: LanePlan,
    domain: str,
    memo: ParseMemo | None = None,
    catalog: Catalog = DEFAULT_CATALOG,
) -> LaneFacts:
    preset = PROVIDERS.get(lane.provider)
    fixed_username = preset.fixed_username if preset is not None else None
    warmup = None
    if lane.warmup is not None:
        warmup = WarmupFacts(lane.warmup.start.isoformat(), tuple(lane.warmup.daily_limits))
    return LaneFacts(
        brand=lane.brand,
        name=lane.name,
        kind=lane.kind,
        fqdn=lane.fqdn,
        domain=domain,
        provider=lane.provider,
        smtp=SmtpFacts(
            host=lane.smtp.host,
            port=lane.smtp.port,
            tls=str(lane.smtp.tls),
            username=lane.smtp.username,
            username_is_fixed=fixed_username is not None and lane.smtp.username == fixed_username,
        ),
        categories=lane.categories,
        message_types=tuple(str(m) for m in lane.message_types),
        return_path_host=lane.return_path_host,
        tracking_hosts=lane.tracking_hosts,
        one_click_unsubscribe=lane.one_click_unsubscribe,
        warmup=warmup,
        records=tuple(record_facts(r, lane.brand, lane.key, memo) for r in lane.records),
        catalog=catalog,
    )


def facts_from_plan(plan: Plan) -> StackFacts:
    """The facts of a planned stack: what ``pulumi up`` would publish."""
    lanes: list[LaneFacts] = []
    records: list[RecordFacts] = []
    memo = ParseMemo()
    for brand in plan.brands:
        records.extend(record_facts(r, brand.name, None, memo) for r in brand.records)
        for lane in brand.lanes:
            facts = lane_facts(lane, brand.domain, memo, plan.catalog)
            lanes.append(facts)
            records.extend(facts.records)
    return StackFacts(tuple(lanes), tuple(records), plan.catalog)
