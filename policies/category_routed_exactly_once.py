"""``category-routed-exactly-once`` (mandatory): Within a brand, each category is routed by
exactly one lane.

Stack policy; the rule itself is in ``sendlanes.rules.routing``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("category-routed-exactly-once")
