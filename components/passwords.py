"""SMTP passwords: per-lane secret Outputs from the ``sendlanes:smtpPasswords`` secret map.

The map is read only with ``Config.get_secret_object`` (an Output marked secret); each lane's
password is derived from it with ``apply``, which keeps it secret. Which lanes *have* a password
is read from the key names in the stack file (the values there are ciphertext and are never
read), the same way ``sendlanes plan`` learns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pulumi

from components import tokens
from sendlanes.config.inputfile import read_input
from sendlanes.config.yamlpos import YamlSyntaxError, load_with_positions
from sendlanes.customerio.handoff import set_password_command
from sendlanes.errors import UsageError
from sendlanes.plan.model import Plan

_CONFIG_KEY = f"{tokens.CONFIG_NAMESPACE}:{tokens.CONFIG_SMTP_PASSWORDS}"


def password_keys_in(stack_file: Path) -> frozenset[str] | None:
    """Lane keys listed under ``sendlanes:smtpPasswords`` in *stack_file*.

    None when the file cannot be read or has no such map (the values may then come from
    elsewhere, such as a Pulumi ESC environment, and which lanes have one is unknown).
    """
    try:
        # The bounded loader: an alias bomb in the file must not hang the program.
        document, _ = load_with_positions(read_input(stack_file, "stack config"))
    except (UsageError, YamlSyntaxError):
        return None
    config = document.get("config") if isinstance(document, dict) else None
    secrets = config.get(_CONFIG_KEY) if isinstance(config, dict) else None
    if not isinstance(secrets, dict):
        return None
    return frozenset(str(key) for key in secrets)


def _password_of(lane_key: str) -> Any:
    def pick(secret_map: Any) -> str | None:
        value = secret_map.get(lane_key) if isinstance(secret_map, dict) else None
        return None if value is None else str(value)

    return pick


def lane_passwords(
    secret_map: pulumi.Output[Any] | None, lane_keys: Iterable[str]
) -> dict[str, pulumi.Output[str | None]]:
    """Lane key → that lane's password, a secret Output (the map's secretness carries over)."""
    if secret_map is None:
        return {}
    return {key: pulumi.Output.secret(secret_map.apply(_password_of(key))) for key in lane_keys}


def missing_password_warning(lane_key: str) -> str:
    return (
        f"lane {lane_key} has no SMTP password in {_CONFIG_KEY}; Customer.io cannot log in "
        f"until you store it: {set_password_command(lane_key)}"
    )


def warn_missing_passwords(
    plan: Plan, listed: frozenset[str] | None, lanes: Mapping[str, pulumi.Resource]
) -> None:
    """One warning per lane without a password (never an error: DNS can go out first)."""
    if listed is None:
        return
    for lane in plan.lanes():
        if lane.key not in listed:
            pulumi.log.warn(missing_password_warning(lane.key), resource=lanes.get(lane.key))
