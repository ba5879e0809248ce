"""``spf-single-record`` (mandatory): At most one SPF record per name, across every DNS record
of the stack.

Stack policy; the rule itself is in ``sendlanes.rules.spf``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("spf-single-record")
