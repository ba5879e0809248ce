"""Pulumi adapters: the plan's brands, lanes and records as Pulumi resources.

Importing this package costs nothing: ``components.tokens`` (type tokens and property names,
which the policy pack reads) imports neither pulumi nor pulumi_cloudflare, and the components
themselves load on first use (``import pulumi_cloudflare`` takes seconds).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Brand": "components.brand",
    "BrandArgs": "components.brand",
    "SendingLane": "components.sending_lane",
    "SendingLaneArgs": "components.sending_lane",
    "SmtpCredential": "components.smtp_credential",
    "SmtpCredentialArgs": "components.smtp_credential",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
