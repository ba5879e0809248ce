"""``category-intent-matches-lane-kind`` (mandatory): Every message category goes only to a lane
of its intent (transactional, lifecycle or promotional).

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.routing``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("category-intent-matches-lane-kind")
