"""``lane-kinds-separate-dkim`` (mandatory): No DKIM key is shared between lanes: not a selector
name, not a provider key a CNAME points to, not the same public key.

Stack policy; the rule itself is in ``sendlanes.rules.separation``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("lane-kinds-separate-dkim")
