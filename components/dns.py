"""One ``cloudflare.DnsRecord`` per :class:`~sendlanes.lanes.records.RecordSpec`.

The arguments are exactly what Cloudflare stores and returns, so a re-run shows no diff:
TXT content in its quoted, ≤255-octet chunked form, MX priority as its own field, never
proxied (mail records must resolve to the provider, not to Cloudflare's proxy).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_cloudflare as cloudflare

from sendlanes.lanes.records import RecordType, wire_content
from sendlanes.plan.naming import NamedRecord


def dns_record_args(
    named: NamedRecord,
    zone_id: str,
    parent: pulumi.Resource,
    aliases: Sequence[pulumi.Alias] = (),
) -> tuple[str, cloudflare.DnsRecordArgs, pulumi.ResourceOptions]:
    """How to register *named* as a child of *parent* (aliases keep its URN across lane
    renames): ``cloudflare.DnsRecord(*dns_record_args(...))``.

    Arguments rather than the resource: the SDK records the Python stack of every
    registration, and a helper that constructed the record would add a frame to each.
    """
    record = named.record
    args = cloudflare.DnsRecordArgs(
        zone_id=zone_id,
        name=record.name,
        type=str(record.type),
        content=wire_content(record),
        ttl=record.ttl,
        proxied=False,
        comment=named.comment,
        priority=record.priority if record.type is RecordType.MX else None,
    )
    options = pulumi.ResourceOptions(parent=parent, aliases=list(aliases) or None)
    return named.resource_name, args, options
