"""Settings for the whole suite.

Hypothesis judges its own data generation too slow when the machine is busy (two cores shared
with Knot, Postfix and the policy pack's gRPC server during a run): that health check reports
the machine, not the code, so it is off. Deadlines are off for the same reason; the tests
assert behaviour, and speed is measured by ``bench/``.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("sendlanes", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sendlanes")
