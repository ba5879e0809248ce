"""``dmarc-present-and-valid`` (mandatory): Every lane is covered by exactly one valid DMARC
record, its own or a parent's.

Stack policy; the rule itself is in ``sendlanes.rules.dmarc``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("dmarc-present-and-valid")
