"""The sendlanes CrossGuard policy pack: one module per policy, listed in ``_pack.py`` and
served by ``__main__.py``.

Every policy adapts one rule of :mod:`sendlanes.rules`; ``_graph.py`` turns engine resources
into the facts the rules read, ``_policy.py`` wraps a rule as a resource or stack policy, and
``_servicer.py`` has AnalyzeStack read the stack once for all stack policies.
"""
