"""SMTP passwords: secret Outputs derived from the ``sendlanes:smtpPasswords`` secret map.

The map is read only with ``Config.get_secret_object`` (an Output marked secret), wherever its
values come from: the stack file, ``stackConfigDir``, or a Pulumi ESC environment's
``pulumiConfig``. Which lanes *have* a password is derived from that Output too (its keys are
no secret, so they are unsecreted); the stack file is never read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, cast

import pulumi

from components import tokens
from sendlanes.customerio.handoff import set_password_command
from sendlanes.plan.model import Plan

CONFIG_KEY = f"{tokens.CONFIG_NAMESPACE}:{tokens.CONFIG_SMTP_PASSWORDS}"


def _entries(secret_map: Any) -> dict[str, Any]:
    return secret_map if isinstance(secret_map, dict) else {}


def lane_password(secret_map: pulumi.Input[Any], lane_key: str) -> pulumi.Output[str]:
    """*lane_key*'s password from the map (None when it has none); as secret as the map is,
    and ``SmtpCredential`` makes it secret in any case."""

    def pick(entries: Any) -> str | None:
        value = _entries(entries).get(lane_key)
        return None if value is None else str(value)

    # Output.from_input on an Output walks its whole value again (to lift nested Outputs):
    # once per lane, that made the program quadratic in the number of lanes.
    source = (
        secret_map
        if isinstance(secret_map, pulumi.Output)
        else pulumi.Output.from_input(secret_map)
    )
    return cast("pulumi.Output[str]", source.apply(pick))


def password_keys(secret_map: pulumi.Output[Any] | None) -> pulumi.Output[frozenset[str]]:
    """The lane keys the secret map holds a password for (not secret: keys only)."""
    if secret_map is None:
        return pulumi.Output.from_input(frozenset())
    keys = secret_map.apply(
        lambda entries: frozenset(k for k, v in _entries(entries).items() if v is not None)
    )
    return pulumi.Output.unsecret(keys)


def passwords_output(
    secret_map: pulumi.Output[Any] | None, lane_keys: Iterable[str]
) -> pulumi.Output[dict[str, str]]:
    """``brand/lane`` → password for the lanes that have one, as one secret Output."""
    wanted = tuple(lane_keys)
    if secret_map is None:
        return pulumi.Output.from_input({})

    def pick(entries: Any) -> dict[str, str]:
        found = _entries(entries)
        return {key: str(found[key]) for key in wanted if found.get(key) is not None}

    return pulumi.Output.secret(secret_map.apply(pick))


def missing_password_warning(lane_key: str) -> str:
    return (
        f"lane {lane_key} has no SMTP password in {CONFIG_KEY}; Customer.io cannot log in "
        f"until you store it: {set_password_command(lane_key)}"
    )


def warn_if_missing(
    lane_key: str, password: pulumi.Input[str] | None, resource: pulumi.Resource
) -> None:
    """One warning when the lane has no password (never an error: DNS can go out first)."""

    def warn(value: object) -> None:
        if value is None:
            pulumi.log.warn(missing_password_warning(lane_key), resource=resource)

    if password is None:
        warn(None)
    else:
        pulumi.Output.from_input(cast(Any, password)).apply(warn)


def warn_unknown_keys(keys: pulumi.Output[frozenset[str]], lane_keys: Iterable[str]) -> None:
    """A warning per secret-map key that names no lane (a typo, or a removed lane)."""
    known = frozenset(lane_keys)

    def warn(found: frozenset[str]) -> None:
        for key in sorted(found - known):
            pulumi.log.warn(f"{CONFIG_KEY} has a password for {key!r}, which is no lane")

    keys.apply(warn)


def with_passwords(plan: Plan, keys: frozenset[str]) -> Plan:
    """*plan* with each lane's ``has_password`` taken from *keys*."""
    brands = tuple(
        dataclasses.replace(
            brand,
            lanes=tuple(
                dataclasses.replace(lane, has_password=lane.key in keys) for lane in brand.lanes
            ),
        )
        for brand in plan.brands
    )
    return dataclasses.replace(plan, brands=brands)
