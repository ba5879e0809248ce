"""``Brand``: one brand (one Cloudflare zone), parent of its lanes and brand-wide records.

Brand-wide records are the Customer.io link-tracking CNAME and the RFC 7489 §7.1 report
authorizations other lanes need; they belong to no lane, so they hang here, named
``<brand>-<purpose>[-<distinguisher>]``. A brand with a ``cloudflare`` block gets a
``cloudflare.Provider`` of its own (``<brand>-cloudflare``) for all of its records.

No ``from __future__ import annotations``: the component package infers its schema from these
annotations at run time.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components import tokens
from components.args import (
    CloudflareArgs,
    CustomerioBrandArgs,
    DmarcArgs,
    LaneArgs,
    RecordOutput,
)
from components.cloudflare_provider import api_token
from components.dns import child_name, dns_record, record_output
from components.passwords import lane_password
from components.planning import brand_plan, known
from components.sending_lane import SendingLane, SendingLaneArgs
from sendlanes.plan.model import BrandPlan
from sendlanes.plan.naming import BrandNames, brand_names, lane_resource_name


class BrandArgs(TypedDict):
    """One brand, as an entry of ``sendlanes:brands`` in the stack config."""

    name: pulumi.Input[str]
    """Lower-case letters, digits, inner hyphens; used in resource names."""
    domain: pulumi.Input[str]
    """The organizational domain, which is the Cloudflare zone."""
    zone_id: pulumi.Input[str]
    cloudflare: NotRequired[pulumi.Input[CloudflareArgs]]
    """The zone's own Cloudflare account and token; without it, the default provider."""
    customerio: NotRequired[pulumi.Input[CustomerioBrandArgs]]
    dmarc: NotRequired[pulumi.Input[DmarcArgs]]
    ttl: NotRequired[pulumi.Input[int]]
    lanes: pulumi.Input[list[LaneArgs]]
    categories: NotRequired[pulumi.Input[dict[str, str]]]
    """The stack's own message categories (``sendlanes:categories``): name → lane kind."""
    smtp_passwords: NotRequired[pulumi.Input[dict[str, str]]]
    """``brand/lane`` → SMTP password (``sendlanes:smtpPasswords``); kept secret."""
    report_authorizations: NotRequired[pulumi.Input[list[str]]]
    """``<lane fqdn>._report._dmarc.<domain>`` records this brand publishes for lanes of
    other brands that send DMARC reports to it (RFC 7489 §7.1)."""


_BRAND_KEYS = ("name", "domain", "zone_id", "cloudflare", "customerio", "dmarc", "ttl", "lanes")


class Brand(pulumi.ComponentResource):
    """A brand's lanes (``SendingLane`` children) and its brand-wide DNS records."""

    domain: str
    zone_id: str
    published_records: list[RecordOutput]
    """The brand-wide records (the lanes' own are on each lane)."""
    lane_fqdns: dict[str, str]
    """Lane name → the lane's FQDN."""

    def __init__(
        self,
        name: str,
        args: BrandArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        who = f"Brand {name}"
        values: dict[str, Any] = {k: v for k, v in args.items() if k in _BRAND_KEYS}
        plan = brand_plan(
            who,
            values,
            args.get("categories"),
            known(args.get("report_authorizations") or [], f"{who} reportAuthorizations"),
        )
        cloudflare_block = known(args.get("cloudflare"), f"{who} cloudflare")
        token = (
            api_token(plan.name, str(cloudflare_block["api_token_key"]))
            if cloudflare_block is not None
            else None
        )
        names = brand_names(plan)
        properties = brand_properties(plan, names, name)
        if cloudflare_block is not None:
            properties[tokens.BRAND_CLOUDFLARE_ACCOUNT_ID] = cloudflare_block["account_id"]
        super().__init__(tokens.BRAND, name, properties, opts)

        self.cloudflare_provider: cloudflare.Provider | None = None
        if token is not None:
            self.cloudflare_provider = cloudflare.Provider(
                child_name(name, names.component, f"{names.component}-cloudflare"),
                cloudflare.ProviderArgs(api_token=token),
                pulumi.ResourceOptions(parent=self),
            )
        child_opts = pulumi.ResourceOptions(
            parent=self,
            providers=[self.cloudflare_provider] if self.cloudflare_provider else None,
        )
        self.dns_records: dict[str, cloudflare.DnsRecord] = {}
        records: list[dict[str, object]] = []
        for named in names.records:
            resource_name = child_name(name, names.component, named.resource_name)
            self.dns_records[resource_name] = dns_record(
                resource_name, named, plan.zone_id, self, provider=self.cloudflare_provider
            )
            records.append(record_output(resource_name, named))

        passwords = args.get("smtp_passwords")
        self.lanes: dict[str, SendingLane] = {}
        for lane_args, lane in zip(values["lanes"], plan.lanes, strict=True):
            aliases = [
                pulumi.Alias(
                    name=child_name(name, names.component, lane_resource_name(plan.name, old))
                )
                for old in lane.previous_names
            ]
            lane_inputs = _lane_inputs(plan, values, lane_args, args.get("categories"))
            if passwords is not None:
                lane_inputs["smtp_password"] = lane_password(passwords, lane.key)
            self.lanes[lane.key] = SendingLane(
                child_name(name, names.component, lane_resource_name(plan.name, lane.name)),
                lane_inputs,
                pulumi.ResourceOptions.merge(
                    child_opts, pulumi.ResourceOptions(aliases=aliases or None)
                ),
            )

        # Known when the brand is built: plain values, not Outputs.
        self.domain = plan.domain
        self.zone_id = plan.zone_id
        self.published_records = cast(list[RecordOutput], records)
        self.lane_fqdns = {lane.name: lane.fqdn for lane in plan.lanes}
        self.register_outputs(properties)


def _lane_inputs(
    plan: BrandPlan, values: dict[str, Any], lane: LaneArgs, categories: Any
) -> SendingLaneArgs:
    inputs = SendingLaneArgs(
        brand=plan.name, domain=plan.domain, zone_id=plan.zone_id, ttl=plan.ttl, lane=lane
    )
    if values.get("dmarc") is not None:
        inputs["brand_dmarc"] = values["dmarc"]
    if categories is not None:
        inputs["categories"] = categories
    return inputs


def brand_properties(plan: BrandPlan, names: BrandNames, name: str) -> dict[str, object]:
    """The brand metadata the component registers (engine property names from ``tokens``)."""
    return {
        tokens.BRAND_NAME: plan.name,
        tokens.BRAND_DOMAIN: plan.domain,
        tokens.BRAND_ZONE_ID: plan.zone_id,
        tokens.BRAND_CUSTOMERIO_REGION: plan.region,
        tokens.BRAND_RECORDS: [
            {
                tokens.RECORD_REF_RESOURCE_NAME: child_name(
                    name, names.component, named.resource_name
                ),
                tokens.RECORD_REF_NAME: named.record.name,
                tokens.RECORD_REF_TYPE: str(named.record.type),
                tokens.RECORD_REF_PURPOSE: str(named.record.purpose),
            }
            for named in names.records
        ],
    }
