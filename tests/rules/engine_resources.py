"""Engine resources for a plan, shaped as the policy pack receives them, without running the
Pulumi program: for calling the pack's validators and ``_graph`` directly.

The protocol tests (tests/test_policy_pack.py) use the resources the real program registers
under the mock runtime; these are for fast unit tests of single validators.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from components import tokens
from sendlanes.naming import brand_names, lane_names
from sendlanes.plan import BrandPlan, LanePlan, Plan
from sendlanes.records import RecordType, wire_content

STACK_URN = "urn:pulumi:test::sendlanes::pulumi:pulumi:Stack::sendlanes-test"


@dataclass
class FakeResource:
    """The attributes of ``pulumi_policy.PolicyResource`` the pack reads."""

    resource_type: str
    props: dict[str, Any]
    urn: str
    name: str
    parent: FakeResource | None = None
    children: list[FakeResource] = field(default_factory=list)


def _urn(types: list[str], name: str) -> str:
    return f"urn:pulumi:test::sendlanes::{'$'.join(types)}::{name}"


def _record_props(record: Any, zone_id: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        tokens.RECORD_ZONE_ID: zone_id,
        tokens.RECORD_NAME: record.name,
        tokens.RECORD_TYPE: str(record.type),
        tokens.RECORD_CONTENT: wire_content(record),
        tokens.RECORD_TTL: record.ttl,
        tokens.RECORD_PROXIED: False,
    }
    if record.type is RecordType.MX:
        props[tokens.RECORD_PRIORITY] = record.priority
    return props


def lane_props(lane: LanePlan, domain: str) -> dict[str, Any]:
    names = lane_names(lane)
    props: dict[str, Any] = {
        tokens.LANE_BRAND: lane.brand,
        tokens.LANE_NAME: lane.name,
        tokens.LANE_KIND: str(lane.kind),
        tokens.LANE_FQDN: lane.fqdn,
        tokens.LANE_DOMAIN: domain,
        tokens.LANE_PROVIDER: lane.provider,
        tokens.LANE_CATEGORIES: list(lane.categories),
        tokens.LANE_MESSAGE_TYPES: [str(m) for m in lane.message_types],
        tokens.LANE_SMTP: {
            tokens.SMTP_HOST: lane.smtp.host,
            tokens.SMTP_PORT: lane.smtp.port,
            tokens.SMTP_TLS: str(lane.smtp.tls),
            tokens.SMTP_USERNAME: lane.smtp.username,
        },
        tokens.LANE_ONE_CLICK_UNSUBSCRIBE: lane.one_click_unsubscribe,
        tokens.LANE_RETURN_PATH: lane.return_path_host,
        tokens.LANE_TRACKING_HOSTS: list(lane.tracking_hosts),
        tokens.LANE_DKIM_SELECTORS: list(lane.dkim_selectors),
        tokens.LANE_RECORDS: [
            {
                tokens.RECORD_REF_RESOURCE_NAME: n.resource_name,
                tokens.RECORD_REF_NAME: n.record.name,
                tokens.RECORD_REF_TYPE: str(n.record.type),
                tokens.RECORD_REF_PURPOSE: str(n.record.purpose),
            }
            for n in names.records
        ],
    }
    if lane.warmup is not None:
        props[tokens.LANE_WARMUP] = {
            tokens.WARMUP_START: lane.warmup.start.isoformat(),
            tokens.WARMUP_DAILY_LIMITS: list(lane.warmup.daily_limits),
        }
    return props


def _brand(brand: BrandPlan) -> list[FakeResource]:
    names = brand_names(brand)
    brand_types = [tokens.BRAND]
    component = FakeResource(
        tokens.BRAND,
        {
            tokens.BRAND_NAME: brand.name,
            tokens.BRAND_DOMAIN: brand.domain,
            tokens.BRAND_ZONE_ID: brand.zone_id,
            tokens.BRAND_RECORDS: [
                {
                    tokens.RECORD_REF_RESOURCE_NAME: n.resource_name,
                    tokens.RECORD_REF_NAME: n.record.name,
                    tokens.RECORD_REF_TYPE: str(n.record.type),
                    tokens.RECORD_REF_PURPOSE: str(n.record.purpose),
                }
                for n in names.records
            ],
        },
        _urn(brand_types, names.component),
        names.component,
    )
    found = [component]
    record_types = [*brand_types, tokens.DNS_RECORD]
    for named in names.records:
        found.append(
            FakeResource(
                tokens.DNS_RECORD,
                _record_props(named.record, brand.zone_id),
                _urn(record_types, named.resource_name),
                named.resource_name,
                component,
            )
        )
    for lane in brand.lanes:
        lane_types = [*brand_types, tokens.SENDING_LANE]
        lnames = lane_names(lane)
        lane_resource = FakeResource(
            tokens.SENDING_LANE,
            lane_props(lane, brand.domain),
            _urn(lane_types, lnames.component),
            lnames.component,
            component,
        )
        found.append(lane_resource)
        for named in lnames.records:
            found.append(
                FakeResource(
                    tokens.DNS_RECORD,
                    _record_props(named.record, brand.zone_id),
                    _urn([*lane_types, tokens.DNS_RECORD], named.resource_name),
                    named.resource_name,
                    lane_resource,
                )
            )
    return found


def engine_resources(plan: Plan) -> list[FakeResource]:
    """Brand, SendingLane and DnsRecord resources for every brand of *plan*."""
    return [resource for brand in plan.brands for resource in _brand(brand)]


def with_props(resource: FakeResource, **changes: Any) -> FakeResource:
    return dataclasses.replace(resource, props={**resource.props, **changes})
