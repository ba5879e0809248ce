"""``spf-lookup-budget-headroom`` (advisory): An SPF record needing more than 8 of the 10
lookups is close to the limit.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.spf``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("spf-lookup-budget-headroom")
