"""``spf-no-permissive-all`` (mandatory): No SPF record ends in +all or ?all.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.spf``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("spf-no-permissive-all")
