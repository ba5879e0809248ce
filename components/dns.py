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


def dns_record(
    resource_name: str,
    named: NamedRecord,
    zone_id: pulumi.Input[str],
    parent: pulumi.Resource,
    aliases: Sequence[pulumi.Alias] = (),
    provider: cloudflare.Provider | None = None,
) -> cloudflare.DnsRecord:
    """*named*'s record as a child of *parent* (aliases keep its URN across lane renames);
    through *provider*, else the one *parent* passes down, else the default provider."""
    record = named.record
    return cloudflare.DnsRecord(
        resource_name,
        cloudflare.DnsRecordArgs(
            zone_id=zone_id,
            name=record.name,
            type=str(record.type),
            content=wire_content(record),
            ttl=record.ttl,
            proxied=False,
            comment=named.comment,
            priority=record.priority if record.type is RecordType.MX else None,
        ),
        pulumi.ResourceOptions(parent=parent, aliases=list(aliases) or None, provider=provider),
    )


def child_name(name: str, default_parent: str, default_child: str) -> str:
    """A child's name under a parent named *name*: the parent's default name swapped for it.

    With the default parent name (what the bundled program uses) this is the child's
    default name, so existing stacks keep their URNs.
    """
    return name + default_child.removeprefix(default_parent)


def record_output(resource_name: str, named: NamedRecord) -> dict[str, object]:
    """One entry of a component's ``records`` output (``RecordOutput``, with its wire keys:
    the component provider passes lists through as they are)."""
    record = named.record
    entry: dict[str, object] = {
        "resourceName": resource_name,
        "name": record.name,
        "type": str(record.type),
        "content": record.content,
        "ttl": record.ttl,
        "purpose": str(record.purpose),
    }
    if record.priority is not None:
        entry["priority"] = record.priority
    return entry
