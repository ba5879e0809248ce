"""``dkim-key-strength-recommended`` (advisory): RSA DKIM keys have at least 2048 bits.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.dkim``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("dkim-key-strength-recommended")
