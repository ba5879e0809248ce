"""``postmark-promotional-uses-broadcast-stream`` (mandatory): Promotional Postmark lanes send
through the broadcast stream (smtp-broadcasts.postmarkapp.com).

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.routing``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("postmark-promotional-uses-broadcast-stream")
