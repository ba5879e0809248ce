"""``spf-syntax`` (mandatory): Every SPF record parses under RFC 7208.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.spf``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("spf-syntax")
