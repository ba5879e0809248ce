"""``spf-lookup-budget`` (mandatory): An SPF record needs at most 10 DNS lookups, counting known
provider includes' nested lookups.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.spf``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("spf-lookup-budget")
