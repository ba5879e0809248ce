"""``lane-kinds-separate-return-path-and-tracking`` (mandatory): Return-path (bounce) and link-
tracking hosts are never shared between lanes of different kinds.

Stack policy; the rule itself is in ``sendlanes.rules.separation``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("lane-kinds-separate-return-path-and-tracking")
