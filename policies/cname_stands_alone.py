"""``cname-stands-alone`` (mandatory): A name with a CNAME has no other record: no second
CNAME, no MX or TXT beside it, across lanes, brand-wide records and brands sharing a zone.

Stack policy; the rule itself is in ``sendlanes.rules.zone``.
"""

from policies._policy import stack_policy

POLICY = stack_policy("cname-stands-alone")
