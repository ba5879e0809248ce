"""Per-brand Cloudflare providers: a brand with a ``cloudflare`` block gets its own provider.

The block names the account and the config key that holds the account's API token
(``namespace:key``, optionally ``.path`` into an object value, which is how a Pulumi ESC
environment's ``pulumiConfig`` usually hands tokens over). The token is read from the
engine's config and only ever held as a secret Output; errors name the key, never the value.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi.runtime

from components.planning import ArgumentError

DEFAULT_PROVIDER_PACKAGE = "cloudflare"
_DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers"


def _configured(key: str) -> Any:
    """The value at *key* (``ns:key[.path]``), or None when it is not set."""
    namespace, _, rest = key.partition(":")
    top, *path = rest.split(".")
    raw = pulumi.runtime.get_config(f"{namespace}:{top}")
    if raw is None:
        return None
    if not path:
        return raw
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return None
    for step in path:
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value


def token_problem(brand: str, key: str) -> str | None:
    """Why *brand*'s token key cannot be used, or None when it holds a token."""
    value = _configured(key)
    if value is None:
        return (
            f"brand {brand}: cloudflare.apiTokenKey {key} is not set; set it with "
            f"`pulumi config set --secret {key} ...` or in the stack's ESC environment"
        )
    if not isinstance(value, str) or not value.strip():
        return f"brand {brand}: cloudflare.apiTokenKey {key} does not hold a token (a string)"
    return None


def api_token(brand: str, key: str) -> pulumi.Output[str]:
    """*brand*'s Cloudflare API token as a secret Output; :class:`ArgumentError` if unset."""
    problem = token_problem(brand, key)
    if problem is not None:
        raise ArgumentError(problem)
    return pulumi.Output.secret(str(_configured(key)).strip())


def default_provider_disabled() -> bool:
    """Whether the stack sets ``pulumi:disable-default-providers`` for cloudflare (or ``*``)."""
    raw = pulumi.runtime.get_config(_DISABLE_DEFAULT_PROVIDERS)
    if raw is None:
        return False
    try:
        packages = json.loads(raw)
    except ValueError:
        packages = [raw]
    return isinstance(packages, list) and bool({DEFAULT_PROVIDER_PACKAGE, "*"} & set(packages))
