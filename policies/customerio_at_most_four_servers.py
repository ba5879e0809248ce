"""``customerio-at-most-four-servers`` (mandatory): Customer.io uses at most 4 custom SMTP
servers per workspace (brand).

Stack policy; the rule itself is in ``sendlanes.rules.customerio``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("customerio-at-most-four-servers")
