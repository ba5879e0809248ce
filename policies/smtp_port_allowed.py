"""``smtp-port-allowed`` (mandatory): Lanes submit on an allowed SMTP port, never 25 (default:
465, 587, 2465, 2525, 2587).

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.transport``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("smtp-port-allowed")
