"""Engine resources → :class:`~sendlanes.rules.facts.StackFacts`, the view the rules read.

Reads ``sendlanes:index:SendingLane`` and ``sendlanes:index:Brand`` properties (lane metadata
and which child record is for what) and ``cloudflare:index/dnsRecord:DnsRecord`` properties
(what is really published). Property names come from ``components/tokens.py``.

During ``pulumi preview`` some values are unknown. A value that cannot be read is left out and
remembered as an :class:`~sendlanes.rules.facts.Unknown`; a policy that reads that part of
the facts reports "can't be known during preview" (advisory) after judging everything else.
Secret values arrive already unwrapped; no rule prints a password, and none is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from components import tokens
from policies._wire import is_unknown, logical_txt, plain
from sendlanes.lanes.catalog import DEFAULT_CATALOG, Catalog, LaneKind
from sendlanes.lanes.records import Purpose
from sendlanes.providers import PROVIDERS
from sendlanes.rules.facts import (
    Fact,
    LaneFacts,
    RecordFacts,
    SmtpFacts,
    StackFacts,
    Unknown,
    WarmupFacts,
)

# Not (yet) in components/tokens.py: the intents of the lane's categories, so the pack knows
# the stack's own categories (sendlanes:categories) as lint does.
LANE_CATEGORY_INTENTS = getattr(tokens, "LANE_CATEGORY_INTENTS", "categoryIntents")


class EngineResource(Protocol):
    """What the analyzer gives a stack policy per resource (``pulumi_policy.PolicyResource``)."""

    @property
    def resource_type(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...

    @property
    def urn(self) -> str: ...

    @property
    def name(self) -> str: ...


def _name(value: object) -> str:
    return str(value).rstrip(".").lower()


@dataclass
class _Collector:
    unknowns: list[Unknown] = field(default_factory=list)

    def note(self, fact: Fact, path: str, urn: str | None) -> None:
        self.unknowns.append(Unknown(fact, path, urn))

    def text(
        self, props: Mapping[str, Any], key: str, fact: Fact, urn: str, prefix: str = ""
    ) -> str | None:
        value = props.get(key)
        if is_unknown(value):
            self.note(fact, f"{prefix}{key}", urn)
            return None
        return None if value is None else str(value)

    def strings(self, props: Mapping[str, Any], key: str, fact: Fact, urn: str) -> tuple[str, ...]:
        value = props.get(key)
        if is_unknown(value):
            self.note(fact, key, urn)
            return ()
        if not isinstance(value, list):
            return ()
        known = []
        for index, item in enumerate(value):
            if is_unknown(item):
                self.note(fact, f"{key}[{index}]", urn)
            elif item is not None:
                known.append(str(item))
        return tuple(known)


def record_from_props(
    props: Mapping[str, Any],
    urn: str,
    purpose: Purpose | None = None,
    brand: str | None = None,
    lane: str | None = None,
    managed: bool = False,
) -> RecordFacts:
    """One ``DnsRecord``'s facts from plain properties (no unknown values inside).

    :raises KeyError: when name, type or content is missing.
    """
    record_type = str(props[tokens.RECORD_TYPE]).upper()
    content = str(props[tokens.RECORD_CONTENT])
    if record_type == "TXT":
        content = logical_txt(content)
    priority = props.get(tokens.RECORD_PRIORITY)
    return RecordFacts(
        name=_name(props[tokens.RECORD_NAME]),
        type=record_type,
        content=content,
        purpose=purpose,
        proxied=props.get(tokens.RECORD_PROXIED) is True,
        brand=brand,
        lane=lane,
        urn=urn,
        priority=int(priority) if isinstance(priority, int | float) else None,
        managed=managed,
    )


def _purpose(value: object) -> Purpose | None:
    try:
        return Purpose(str(value))
    except ValueError:
        return None


def _record_refs(props: Mapping[str, Any], key: str) -> dict[str, Purpose | None]:
    refs: dict[str, Purpose | None] = {}
    value = props.get(key)
    for item in value if isinstance(value, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get(tokens.RECORD_REF_RESOURCE_NAME), str):
            refs[item[tokens.RECORD_REF_RESOURCE_NAME]] = _purpose(
                item.get(tokens.RECORD_REF_PURPOSE)
            )
    return refs


@dataclass
class _LaneDraft:
    urn: str
    facts: LaneFacts
    refs: dict[str, Purpose | None]
    records: list[RecordFacts] = field(default_factory=list)


def _lane_draft(
    resource: EngineResource, props: Mapping[str, Any], collector: _Collector
) -> _LaneDraft | None:
    urn = resource.urn
    identity = {}
    for key in (tokens.LANE_BRAND, tokens.LANE_NAME, tokens.LANE_KIND, tokens.LANE_FQDN):
        value = collector.text(props, key, Fact.LANE, urn)
        if value is None:
            return None  # noted as unknown, or not a lane we can judge
        identity[key] = value
    try:
        kind = LaneKind(identity[tokens.LANE_KIND])
    except ValueError:
        return None
    fqdn = _name(identity[tokens.LANE_FQDN])
    domain = collector.text(props, tokens.LANE_DOMAIN, Fact.LANE, urn) or fqdn.partition(".")[2]
    provider = collector.text(props, tokens.LANE_PROVIDER, Fact.PROVIDER, urn) or ""
    smtp_props = props.get(tokens.LANE_SMTP)
    if is_unknown(smtp_props):
        collector.note(Fact.SMTP, tokens.LANE_SMTP, urn)
        smtp_props = {}
    smtp = smtp_props if isinstance(smtp_props, Mapping) else {}
    prefix = f"{tokens.LANE_SMTP}."
    port_value = smtp.get(tokens.SMTP_PORT)
    if is_unknown(port_value):
        collector.note(Fact.SMTP, f"{prefix}{tokens.SMTP_PORT}", urn)
    username = collector.text(smtp, tokens.SMTP_USERNAME, Fact.SMTP, urn, prefix)
    preset = PROVIDERS.get(provider)
    fixed_username = preset.fixed_username if preset is not None else None
    warmup = None
    warmup_props = props.get(tokens.LANE_WARMUP)
    if is_unknown(warmup_props):
        collector.note(Fact.WARMUP, tokens.LANE_WARMUP, urn)
    elif isinstance(warmup_props, Mapping):
        limits = warmup_props.get(tokens.WARMUP_DAILY_LIMITS)
        warmup = WarmupFacts(
            start=None if is_unknown(start := warmup_props.get(tokens.WARMUP_START)) else start,
            daily_limits=tuple(_limit(v) for v in limits) if isinstance(limits, list) else (),
        )
        if is_unknown(start) or is_unknown(limits):
            collector.note(Fact.WARMUP, tokens.LANE_WARMUP, urn)
    one_click = props.get(tokens.LANE_ONE_CLICK_UNSUBSCRIBE)
    if is_unknown(one_click):
        collector.note(Fact.UNSUBSCRIBE, tokens.LANE_ONE_CLICK_UNSUBSCRIBE, urn)
    return_path = collector.text(props, tokens.LANE_RETURN_PATH, Fact.RETURN_PATH, urn)
    facts = LaneFacts(
        brand=identity[tokens.LANE_BRAND],
        name=identity[tokens.LANE_NAME],
        kind=kind,
        fqdn=fqdn,
        domain=_name(domain),
        provider=provider,
        smtp=SmtpFacts(
            host=collector.text(smtp, tokens.SMTP_HOST, Fact.SMTP, urn, prefix),
            port=port_value if isinstance(port_value, int) else _port(port_value),
            tls=collector.text(smtp, tokens.SMTP_TLS, Fact.SMTP, urn, prefix),
            username=username,
            username_is_fixed=fixed_username is not None and username == fixed_username,
        ),
        categories=collector.strings(props, tokens.LANE_CATEGORIES, Fact.ROUTING, urn),
        message_types=collector.strings(props, tokens.LANE_MESSAGE_TYPES, Fact.ROUTING, urn),
        return_path_host=_name(return_path) if return_path else None,
        tracking_hosts=tuple(
            _name(h)
            for h in collector.strings(props, tokens.LANE_TRACKING_HOSTS, Fact.TRACKING, urn)
        ),
        one_click_unsubscribe=one_click is True,
        warmup=warmup,
        urn=urn,
    )
    return _LaneDraft(urn, facts, _record_refs(props, tokens.LANE_RECORDS))


def _limit(value: object) -> object:
    # JSON numbers arrive as floats through protobuf Structs; 1000.0 is the day's 1000.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _port(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _category_intents(props: Mapping[str, Any]) -> dict[str, LaneKind]:
    value = props.get(LANE_CATEGORY_INTENTS)
    intents: dict[str, LaneKind] = {}
    if isinstance(value, Mapping):
        for category, intent in value.items():
            try:
                intents[str(category)] = LaneKind(str(intent))
            except ValueError:
                continue
    return intents


def _parent_urn(resource: EngineResource) -> str | None:
    parent = getattr(resource, "parent", None)
    if parent is None:
        return None
    if isinstance(parent, str):
        return parent
    urn = getattr(parent, "urn", None)
    return urn if isinstance(urn, str) else None


def stack_facts(resources: Iterable[EngineResource], records: bool = True) -> StackFacts:
    """The facts of every lane, brand and DNS record among *resources*.

    With *records* False, DNS records are skipped (lanes then have none): most stack rules
    read only lane metadata, and records are most of a stack's resources.
    """
    collector = _Collector()
    lanes: dict[str, _LaneDraft] = {}
    lane_of_record: dict[str, _LaneDraft] = {}
    brand_names: dict[str, str] = {}
    brand_refs: dict[str, tuple[str, Purpose | None]] = {}
    intents: dict[str, LaneKind] = {}
    dns_records: list[EngineResource] = []
    for resource in resources:
        kind = resource.resource_type
        if kind == tokens.SENDING_LANE:
            props = plain(resource.props)
            draft = _lane_draft(resource, props, collector)
            if draft is not None:
                lanes[draft.urn] = draft
                for resource_name in draft.refs:
                    lane_of_record[resource_name] = draft
            intents.update(_category_intents(props))
        elif kind == tokens.BRAND:
            props = plain(resource.props)
            name = props.get(tokens.BRAND_NAME)
            if isinstance(name, str):
                brand_names[resource.urn] = name
                for resource_name, purpose in _record_refs(props, tokens.BRAND_RECORDS).items():
                    brand_refs[resource_name] = (name, purpose)
        elif kind == tokens.DNS_RECORD and records:
            dns_records.append(resource)
    published: list[RecordFacts] = []
    for resource in dns_records:
        parent = _parent_urn(resource)
        draft = lanes.get(parent) if parent is not None else None
        draft = draft or lane_of_record.get(resource.name)
        props = plain(resource.props)
        missing = [
            key
            for key in (tokens.RECORD_NAME, tokens.RECORD_TYPE, tokens.RECORD_CONTENT)
            if is_unknown(props.get(key)) or props.get(key) is None
        ]
        if missing:
            if any(is_unknown(props.get(key)) for key in missing):
                collector.note(Fact.RECORDS, missing[0], resource.urn)
            continue
        if draft is not None:
            record = record_from_props(
                props,
                resource.urn,
                draft.refs.get(resource.name),
                draft.facts.brand,
                draft.facts.key,
                managed=True,
            )
            draft.records.append(record)
        else:
            brand, purpose = brand_refs.get(resource.name, (None, None))
            if brand is None and parent is not None:
                brand = brand_names.get(parent)
            record = record_from_props(
                props, resource.urn, purpose, brand, managed=brand is not None
            )
        published.append(record)
    catalog = Catalog.with_user_categories(intents) if intents else DEFAULT_CATALOG
    lane_facts = tuple(
        replace(draft.facts, records=tuple(draft.records), catalog=catalog)
        for draft in lanes.values()
    )
    return StackFacts(
        lane_facts,
        tuple(published),
        catalog,
        tuple(collector.unknowns),
        brand_urns={name: urn for urn, name in brand_names.items()},
    )


def lane_facts_of(resource: EngineResource) -> tuple[LaneFacts | None, tuple[Unknown, ...]]:
    """One ``SendingLane`` resource's facts (without records), for lane resource policies,
    and the values it could not read. None when its identity is unknown or not a lane's."""
    collector = _Collector()
    props = plain(resource.props)
    draft = _lane_draft(resource, props, collector)
    if draft is None:
        return None, tuple(collector.unknowns)
    intents = _category_intents(props)
    catalog = Catalog.with_user_categories(intents) if intents else DEFAULT_CATALOG
    return replace(draft.facts, catalog=catalog), tuple(collector.unknowns)
