"""``warmup-schedule-valid`` (mandatory): A warm-up schedule has a start date and at least one
day of positive, never decreasing daily limits.

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.bulk``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("warmup-schedule-valid")
