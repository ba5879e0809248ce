"""``bulk-lanes-one-click-unsubscribe`` (mandatory): Promotional and lifecycle lanes declare RFC
8058 one-click unsubscribe.

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.bulk``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("bulk-lanes-one-click-unsubscribe")
