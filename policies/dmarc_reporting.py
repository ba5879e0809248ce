"""``dmarc-reporting`` (advisory): Each lane's DMARC record asks for aggregate reports (rua),
and report destinations outside the brand are authorized.

Stack policy; the rule itself is in ``sendlanes.rules.dmarc``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("dmarc-reporting")
