"""``customerio-single-fallback-server`` (mandatory): Exactly one lane per brand has Customer.io
message type 'all_emails'.

Stack policy; the rule itself is in ``sendlanes.rules.customerio``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("customerio-single-fallback-server")
