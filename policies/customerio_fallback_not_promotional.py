"""``customerio-fallback-not-promotional`` (mandatory): The 'all_emails' lane is not
promotional.

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.customerio``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("customerio-fallback-not-promotional")
