"""``smtp-tls-required`` (mandatory): Every lane uses TLS: STARTTLS or implicit TLS.

Resource policy, run on each SendingLane; the rule itself is in ``sendlanes.rules.transport``.
"""

from policies._policy import lane_policy

POLICY = lane_policy("smtp-tls-required")
