"""Engine resources for a plan, shaped as the policy pack receives them, without running the
Pulumi program: for calling the pack's validators and ``_graph`` directly.

The protocol tests (tests/test_policy_pack.py) use the resources the real program registers
under the mock runtime; these are for fast unit tests of single validators.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components import tokens
from components.sending_lane import lane_properties
from sendlanes.lanes.records import RecordType, wire_content
from sendlanes.plan.model import BrandPlan, Plan
from sendlanes.plan.naming import brand_names, lane_names

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


def _brand(brand: BrandPlan, intents: Mapping[str, str]) -> list[FakeResource]:
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
            # The component's own property builder, so these fakes cannot drift from it.
            lane_properties(
                lane, brand.domain, lnames, [n.resource_name for n in lnames.records], intents
            ),
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
    intents = {name: str(kind) for name, kind in plan.catalog.intents.items()}
    return [resource for brand in plan.brands for resource in _brand(brand, intents)]


def with_props(resource: FakeResource, **changes: Any) -> FakeResource:
    return dataclasses.replace(resource, props={**resource.props, **changes})
