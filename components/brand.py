"""``Brand``: one brand (one Cloudflare zone), parent of its lanes and brand-wide records.

Brand-wide records are the Customer.io link-tracking CNAME and the RFC 7489 §7.1 report
authorizations other brands' lanes need; they belong to no lane, so they hang here, named
``<brand>-<purpose>[-<distinguisher>]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components import tokens
from components.dns import dns_record_args
from components.sending_lane import SendingLane, SendingLaneArgs
from sendlanes.plan.model import BrandPlan
from sendlanes.plan.naming import BrandNames, brand_names, lane_resource_name


@dataclass(frozen=True)
class BrandArgs:
    brand: BrandPlan
    #: lane key ("brand/lane") -> that lane's password as a secret Output
    passwords: Mapping[str, pulumi.Output[str | None]] = field(default_factory=dict)
    #: lane keys the stack's secret map lists
    password_keys: frozenset[str] = frozenset()
    #: category -> intent (lane kind), built-in and the stack's own
    category_intents: Mapping[str, str] = field(default_factory=dict)


class Brand(pulumi.ComponentResource):
    """A brand's lanes (``SendingLane`` children) and its brand-wide DNS records."""

    lanes: dict[str, SendingLane]
    dns_records: dict[str, cloudflare.DnsRecord]

    def __init__(
        self, name: str, args: BrandArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        brand = args.brand
        names = brand_names(brand)
        if name != names.component:
            raise ValueError(f"brand {brand.name} must be registered as {names.component!r}")
        properties = brand_properties(brand, names)
        super().__init__(tokens.BRAND, name, properties, opts)
        # Plain loops, not comprehensions: the SDK records the Python stack of every
        # registration, so each extra frame costs a little on every resource.
        self.dns_records = {}
        for named in names.records:
            self.dns_records[named.resource_name] = cloudflare.DnsRecord(
                *dns_record_args(named, brand.zone_id, self)
            )
        self.lanes = {}
        for lane in brand.lanes:
            aliases = [
                pulumi.Alias(name=lane_resource_name(brand.name, old))
                for old in lane.previous_names
            ]
            self.lanes[lane.key] = SendingLane(
                lane_resource_name(brand.name, lane.name),
                SendingLaneArgs(
                    lane,
                    brand.zone_id,
                    brand.domain,
                    args.passwords.get(lane.key),
                    lane.key in args.password_keys,
                    args.category_intents,
                ),
                pulumi.ResourceOptions(parent=self, aliases=aliases or None),
            )
        self.register_outputs(properties)


def brand_properties(brand: BrandPlan, names: BrandNames) -> dict[str, object]:
    """The brand metadata the component registers (engine property names from ``tokens``)."""
    return {
        tokens.BRAND_NAME: brand.name,
        tokens.BRAND_DOMAIN: brand.domain,
        tokens.BRAND_ZONE_ID: brand.zone_id,
        tokens.BRAND_CUSTOMERIO_REGION: brand.region,
        tokens.BRAND_RECORDS: [
            {
                tokens.RECORD_REF_RESOURCE_NAME: named.resource_name,
                tokens.RECORD_REF_NAME: named.record.name,
                tokens.RECORD_REF_TYPE: str(named.record.type),
                tokens.RECORD_REF_PURPOSE: str(named.record.purpose),
            }
            for named in names.records
        ],
    }
