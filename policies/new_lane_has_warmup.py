"""``new-lane-has-warmup`` (advisory): A lane without sending history has a warm-up schedule.

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.bulk``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("new-lane-has-warmup")
