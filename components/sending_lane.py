"""``SendingLane``: one lane's DNS records and SMTP credential, with its metadata.

The lane's metadata (kind, FQDN, provider, categories, SMTP settings, Customer.io message
types, ...) is registered as the component's inputs *and* outputs, so stack policies read the
same facts ``sendlanes lint`` reads from the config. The component decides nothing: every
record, name and value comes from the plan of its arguments.

No ``from __future__ import annotations``: the component package infers its schema from these
annotations at run time.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

import pulumi
import pulumi_cloudflare as cloudflare

from components import tokens
from components.args import DmarcArgs, LaneArgs, RecordOutput, SmtpArgs
from components.dns import child_name, dns_record, record_output
from components.passwords import warn_if_missing
from components.planning import known, lane_plan
from components.smtp_credential import SmtpCredential, SmtpCredentialArgs
from sendlanes.customerio.handoff import password_config_path
from sendlanes.plan.model import LanePlan
from sendlanes.plan.naming import LaneNames, lane_names


class SendingLaneArgs(TypedDict):
    """One lane (a ``lanes`` entry of the stack config) and the brand it belongs to."""

    brand: pulumi.Input[str]
    """The brand's name (lower-case letters, digits, inner hyphens)."""
    domain: pulumi.Input[str]
    """The brand's domain: the lane's FQDN is ``<subdomain>.<domain>``."""
    zone_id: pulumi.Input[str]
    """The Cloudflare zone ID of the domain."""
    ttl: NotRequired[pulumi.Input[int]]
    """TTL of every record (default 3600)."""
    brand_dmarc: NotRequired[pulumi.Input[DmarcArgs]]
    """The brand's DMARC defaults; the lane's own ``dmarc`` overrides them field by field."""
    lane: pulumi.Input[LaneArgs]
    categories: NotRequired[pulumi.Input[dict[str, str]]]
    """The stack's own message categories (``sendlanes:categories``): name → lane kind."""
    smtp_password: NotRequired[pulumi.Input[str]]
    """The lane's SMTP password; kept secret."""


class SendingLane(pulumi.ComponentResource):
    """A sending lane: its records (``<brand>-<lane>-<purpose>…``) and SMTP credential."""

    kind: str
    fqdn: str
    provider: str
    categories: list[str]
    message_types: list[str]
    """Customer.io message types routed through the lane."""
    published_records: list[RecordOutput]
    smtp_settings: SmtpArgs
    """Host, port, TLS mode and user name Customer.io connects with."""
    smtp_password: pulumi.Output[str] | None
    """The SMTP password, a secret; absent when none is configured."""

    def __init__(
        self,
        name: str,
        args: SendingLaneArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        brand = {
            "name": args["brand"],
            "domain": args["domain"],
            "zone_id": args["zone_id"],
            "ttl": args.get("ttl"),
            "dmarc": args.get("brand_dmarc"),
        }
        lane, intents = lane_plan(
            f"SendingLane {name}",
            {key: value for key, value in brand.items() if value is not None},
            known(args["lane"], f"SendingLane {name} lane"),
            args.get("categories"),
        )
        names = lane_names(lane)
        resource_names = [
            child_name(name, names.component, named.resource_name) for named in names.records
        ]
        properties = lane_properties(lane, str(args["domain"]), names, resource_names, intents)
        super().__init__(tokens.SENDING_LANE, name, properties, opts)

        parent = opts.parent if opts is not None else None
        previous_urns = [
            pulumi.create_urn(old, tokens.SENDING_LANE, parent=parent)
            for old in names.previous_components
        ]
        self.dns_records: dict[str, cloudflare.DnsRecord] = {}
        records: list[dict[str, object]] = []
        for resource_name, named in zip(resource_names, names.records, strict=True):
            aliases = [
                pulumi.Alias(name=old_name, parent=urn)
                for urn, (_, old_name) in zip(previous_urns, named.previous, strict=True)
            ]
            self.dns_records[resource_name] = dns_record(
                resource_name, named, str(args["zone_id"]), self, aliases
            )
            records.append(record_output(resource_name, named))

        password = args.get("smtp_password")
        smtp = lane.smtp
        credential_args = SmtpCredentialArgs(
            host=smtp.host,
            port=smtp.port,
            tls=str(smtp.tls),
            password_secret=password_config_path(lane.key),
        )
        if smtp.username is not None:
            credential_args["username"] = smtp.username
        if password is not None:
            credential_args["password"] = password
        self.credential = SmtpCredential(
            child_name(name, names.component, names.credential),
            credential_args,
            pulumi.ResourceOptions(
                parent=self,
                aliases=[
                    pulumi.Alias(name=old, parent=urn)
                    for old, urn in zip(names.previous_credentials, previous_urns, strict=True)
                ]
                or None,
            ),
        )
        warn_if_missing(lane.key, password, self)

        # Known when the lane is built: plain values, not Outputs.
        self.kind = str(lane.kind)
        self.fqdn = lane.fqdn
        self.provider = lane.provider
        self.categories = list(lane.categories)
        self.message_types = [str(m) for m in lane.message_types]
        self.published_records = cast(list[RecordOutput], records)
        self.smtp_settings = cast(SmtpArgs, smtp.to_json())
        self.smtp_password = self.credential.password
        self.register_outputs(properties)


def lane_properties(
    lane: LanePlan,
    domain: str,
    names: LaneNames,
    resource_names: Sequence[str],
    intents: Mapping[str, str],
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
                tokens.RECORD_REF_RESOURCE_NAME: resource_name,
                tokens.RECORD_REF_NAME: named.record.name,
                tokens.RECORD_REF_TYPE: str(named.record.type),
                tokens.RECORD_REF_PURPOSE: str(named.record.purpose),
            }
            for resource_name, named in zip(resource_names, names.records, strict=True)
        ],
    }
    if lane.warmup is not None:
        properties[tokens.LANE_WARMUP] = {
            tokens.WARMUP_START: lane.warmup.start.isoformat(),
            tokens.WARMUP_DAILY_LIMITS: list(lane.warmup.daily_limits),
        }
    return properties
