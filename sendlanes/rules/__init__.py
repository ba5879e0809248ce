"""Lint rules over :class:`~sendlanes.rules.facts.LaneFacts`: the one place business rules live.

``sendlanes lint`` builds the facts from a plan, the CrossGuard pack (``policies/``) from engine
resources; both run the rules of :data:`~sendlanes.rules.registry.RULES` through
:func:`~sendlanes.rules.runner.evaluate` (or rule by rule).
"""
