"""``mail-records-not-proxied`` (mandatory): No mail record (SPF, DKIM, DMARC, MX, return-path,
tracking) is proxied by Cloudflare.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.proxying``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("mail-records-not-proxied")
