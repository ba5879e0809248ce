"""``bulk-lanes-separate-smtp-credentials`` (advisory): Lifecycle and promotional lanes use
different SMTP accounts.

Stack policy; the rule itself is in ``sendlanes.rules.separation``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("bulk-lanes-separate-smtp-credentials")
