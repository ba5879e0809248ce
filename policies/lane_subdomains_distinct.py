"""``lane-subdomains-distinct`` (mandatory): Every lane has its own sending subdomain, and none
sits under another's.

Stack policy; the rule itself is in ``sendlanes.rules.separation``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("lane-subdomains-distinct")
