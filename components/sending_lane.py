"""``SendingLane``: one lane's DNS records and SMTP credential, with its metadata.

The lane's metadata (kind, FQDN, provider, categories, SMTP settings, Customer.io message
types, ...) is registered as the component's inputs *and* outputs, so stack policies read the
same facts ``sendlanes lint`` reads from the config. The component decides nothing: every
record, name and value comes from the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components import tokens
from components.dns import dns_record_args
from components.smtp_credential import SmtpCredential, SmtpCredentialArgs
from sendlanes.customerio.handoff import password_config_path
from sendlanes.plan.model import LanePlan
from sendlanes.plan.naming import LaneNames, lane_names


@dataclass(frozen=True)
class SendingLaneArgs:
    lane: LanePlan
    zone_id: str
    domain: str
    #: the lane's password as a secret Output, or None when the config holds none for it
    password: pulumi.Output[str | None] | None
    has_password: bool
    #: category -> intent (lane kind) from the plan's catalog
    category_intents: Mapping[str, str] = field(default_factory=dict)


class SendingLane(pulumi.ComponentResource):
    """A sending lane: its records (``<brand>-<lane>-<purpose>…``) and SMTP credential."""

    dns_records: dict[str, cloudflare.DnsRecord]
    credential: SmtpCredential

    def __init__(
        self, name: str, args: SendingLaneArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        lane = args.lane
        names = lane_names(lane)
        if name != names.component:
            raise ValueError(f"lane {lane.key} must be registered as {names.component!r}")
        properties = lane_properties(lane, args.domain, names, args.category_intents)
        super().__init__(tokens.SENDING_LANE, name, properties, opts)
        parent = opts.parent if opts is not None else None
        previous_urns = [
            pulumi.create_urn(old, tokens.SENDING_LANE, parent=parent)
            for old in names.previous_components
        ]
        self.dns_records = {}
        for named in names.records:  # a loop, not a comprehension: one stack frame less
            aliases = [
                pulumi.Alias(name=old_name, parent=urn)
                for urn, (_, old_name) in zip(previous_urns, named.previous, strict=True)
            ]
            self.dns_records[named.resource_name] = cloudflare.DnsRecord(
                *dns_record_args(named, args.zone_id, self, aliases)
            )
        self.credential = SmtpCredential(
            names.credential,
            SmtpCredentialArgs(
                lane.smtp, password_config_path(lane.key), args.password, args.has_password
            ),
            pulumi.ResourceOptions(
                parent=self,
                aliases=[
                    pulumi.Alias(name=old, parent=urn)
                    for old, urn in zip(names.previous_credentials, previous_urns, strict=True)
                ]
                or None,
            ),
        )
        self._lane = lane
        self.register_outputs(properties)

    # Built when read (see SmtpCredential): the plan already holds the values.
    @property
    def kind(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(str(self._lane.kind))

    @property
    def fqdn(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self._lane.fqdn)

    @property
    def provider(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self._lane.provider)


def lane_properties(
    lane: LanePlan, domain: str, names: LaneNames, intents: Mapping[str, str]
) -> dict[str, object]:
    """The lane metadata the component registers (engine property names from ``tokens``)."""
    smtp = lane.smtp
    properties: dict[str, object] = {
        tokens.LANE_BRAND: lane.brand,
        tokens.LANE_NAME: lane.name,
        tokens.LANE_KIND: str(lane.kind),
        tokens.LANE_FQDN: lane.fqdn,
        tokens.LANE_DOMAIN: domain,
        tokens.LANE_PROVIDER: lane.provider,
        tokens.LANE_CATEGORIES: list(lane.categories),
        tokens.LANE_CATEGORY_INTENTS: {c: intents[c] for c in lane.categories if c in intents},
        tokens.LANE_MESSAGE_TYPES: [str(m) for m in lane.message_types],
        tokens.LANE_SMTP: {
            tokens.SMTP_HOST: smtp.host,
            tokens.SMTP_PORT: smtp.port,
            tokens.SMTP_TLS: str(smtp.tls),
            tokens.SMTP_USERNAME: smtp.username,
        },
        tokens.LANE_ONE_CLICK_UNSUBSCRIBE: lane.one_click_unsubscribe,
        tokens.LANE_RETURN_PATH: lane.return_path_host,
        tokens.LANE_TRACKING_HOSTS: list(lane.tracking_hosts),
        tokens.LANE_DKIM_SELECTORS: list(lane.dkim_selectors),
        tokens.LANE_PASSWORD_SECRET: password_config_path(lane.key),
        tokens.LANE_RECORDS: [
            {
                tokens.RECORD_REF_RESOURCE_NAME: named.resource_name,
                tokens.RECORD_REF_NAME: named.record.name,
                tokens.RECORD_REF_TYPE: str(named.record.type),
                tokens.RECORD_REF_PURPOSE: str(named.record.purpose),
            }
            for named in names.records
        ],
    }
    if lane.warmup is not None:
        properties[tokens.LANE_WARMUP] = {
            tokens.WARMUP_START: lane.warmup.start.isoformat(),
            tokens.WARMUP_DAILY_LIMITS: list(lane.warmup.daily_limits),
        }
    return properties
