"""``lane-kinds-separate-smtp-credentials`` (mandatory): A transactional lane never shares an
SMTP account (host and user name) with a lifecycle or promotional lane.

Stack policy; the rule itself is in ``sendlanes.rules.separation``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("lane-kinds-separate-smtp-credentials")
