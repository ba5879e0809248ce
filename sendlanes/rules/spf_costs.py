"""DNS lookups that well-known ESP ``include:`` targets cost, for a static SPF budget.

RFC 7208 §4.6.4 limits an SPF evaluation to 10 DNS-querying terms, counting the terms of every
record reached through ``include:`` and ``redirect=``. Lint has no DNS, so the nested cost of
the includes the provider presets publish is kept here: the include itself plus every
lookup its record (and the records it includes) makes.

This is a snapshot: providers change their records without notice. Compiled 2026-11-23 from
the records as published in public DNS, read through wirewiki.com's SPF analyses (pages
that expand each include: e.g. wirewiki.com/domains/sps-ocs.com/spf for mailgun.org,
/domains/wwwizer.com/spf for amazonses.com, /domains/namecheap.net/spf for
spf.mandrillapp.com). Entries marked ``verified=False`` follow the providers' setup
documentation (an address-only record) without an expanded record at hand. ``sendlanes spf
DOMAIN`` counts the live records when a lane is deployed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IncludeCost:
    """``lookups``: the include term itself plus everything nested under it."""

    lookups: int
    published: str
    verified: bool = True


KNOWN_INCLUDE_COSTS: Mapping[str, IncludeCost] = {
    # "v=spf1 ip4:… (12 ranges) -all"
    "amazonses.com": IncludeCost(1, "ip4 ranges only"),
    # mailgun.org → _spf.mailgun.org (→ _spf1, _spf2) and _spf.eu.mailgun.org
    "mailgun.org": IncludeCost(
        5, "include:_spf.mailgun.org include:_spf.eu.mailgun.org; _spf nests _spf1 and _spf2"
    ),
    "spf.mandrillapp.com": IncludeCost(1, "ip4 ranges only"),
    # sendgrid.net publishes its ranges and include:ab.sendgrid.net
    "sendgrid.net": IncludeCost(2, "ip4 ranges and include:ab.sendgrid.net"),
    "spf.mailjet.com": IncludeCost(1, "ip4 ranges only", verified=False),
    "spf.mtasv.net": IncludeCost(1, "ip4 ranges only (Postmark)", verified=False),
    "_spf.sparkpostmail.com": IncludeCost(1, "ip4 ranges only", verified=False),
    "sparkpostmail.com": IncludeCost(1, "ip4 ranges only", verified=False),
    "spf.brevo.com": IncludeCost(1, "ip4 ranges only", verified=False),
    "spf.sendinblue.com": IncludeCost(1, "ip4 ranges only (Brevo's former name)", verified=False),
    # Often found beside a lane's include on a shared record.
    "_spf.google.com": IncludeCost(1, "ip4 and ip6 ranges only"),
    "servers.mcsv.net": IncludeCost(1, "ip4 ranges only (Mailchimp)"),
    "_spf.hostedemail.com": IncludeCost(1, "ip4 ranges only"),
}


def include_cost(domain: str) -> IncludeCost | None:
    """The known cost of ``include:<domain>``, or None when it is not in the table."""
    return KNOWN_INCLUDE_COSTS.get(domain.rstrip(".").lower())
