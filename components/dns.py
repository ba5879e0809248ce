"""One ``cloudflare.DnsRecord`` per :class:`~sendlanes.records.RecordSpec`.

The arguments are exactly what Cloudflare stores and returns, so a re-run shows no diff:
TXT content in its quoted, ≤255-octet chunked form, MX priority as its own field, never
proxied (mail records must resolve to the provider, not to Cloudflare's proxy).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_cloudflare as cloudflare

from sendlanes.naming import NamedRecord
from sendlanes.records import RecordType, wire_content


def dns_record(
    named: NamedRecord,
    zone_id: str,
    parent: pulumi.Resource,
    aliases: Sequence[pulumi.Alias] = (),
) -> cloudflare.DnsRecord:
    """Register *named* as a child of *parent* (aliases keep its URN across lane renames)."""
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
    return cloudflare.DnsRecord(named.resource_name, args, opts=options)
