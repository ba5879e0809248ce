"""``dkim-key-strength`` (mandatory): Every published DKIM key is usable: RSA of at least 1024
bits, or Ed25519.

Resource policy, run on each DnsRecord; the rule itself is in ``sendlanes.rules.dkim``.
"""

from policies._policy import resource_policy

POLICY = resource_policy("dkim-key-strength")
