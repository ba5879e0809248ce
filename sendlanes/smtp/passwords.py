"""Where ``smtp-check`` finds a lane's SMTP password, without ever showing it.

Two sources, in this order:

1. the environment variable ``SENDLANES_SMTP_PASSWORD_<BRAND>_<LANE>`` (brand and lane
   upper-cased, every character other than A-Z and 0-9 replaced by ``_``): one lane at a
   time, handy in CI where secrets arrive as variables;
2. ``pulumi stack output --json --show-secrets`` piped on stdin: its ``smtpPasswords`` output
   maps ``"brand/lane"`` to the password.

Error messages here name keys and positions, never values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

ENV_PREFIX = "SENDLANES_SMTP_PASSWORD_"
STACK_OUTPUT_KEY = "smtpPasswords"
# What `pulumi stack output --json` prints in place of a secret without --show-secrets.
PULUMI_SECRET_PLACEHOLDER = "[secret]"
_SHOW_SECRETS_HINT = "run `pulumi stack output --json --show-secrets`"


class StackOutputError(ValueError):
    """The stack output on stdin cannot be used; one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class LanePassword:
    """A password and where it came from; ``repr`` leaves the value out."""

    value: str = field(repr=False)
    source: str


def password_env_var(brand: str, lane: str) -> str:
    """``SENDLANES_SMTP_PASSWORD_<BRAND>_<LANE>``; acme-eu/receipts → ``…_ACME_EU_RECEIPTS``."""
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", f"{brand}_{lane}".upper())


def parse_stack_output_passwords(text: str, *, source: str = "stdin") -> dict[str, str]:
    """Read ``smtpPasswords`` from ``pulumi stack output --json --show-secrets`` output.

    :raises StackOutputError: not JSON, no ``smtpPasswords``, values hidden as
        ``[secret]`` (``--show-secrets`` missing), or values that are not strings.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        # error.msg is the parser's complaint only; the document (secrets) is not quoted.
        raise StackOutputError(
            [
                f"{source}: line {error.lineno} column {error.colno}: not JSON ({error.msg}); "
                f"expected the output of {_SHOW_SECRETS_HINT}"
            ]
        ) from None
    if not isinstance(document, dict):
        raise StackOutputError([f"{source}: expected a JSON object of stack outputs"])
    passwords = document.get(STACK_OUTPUT_KEY)
    if passwords is None:
        raise StackOutputError(
            [f"{source}: no {STACK_OUTPUT_KEY} among the stack outputs ({_SHOW_SECRETS_HINT})"]
        )
    if passwords == PULUMI_SECRET_PLACEHOLDER:
        raise StackOutputError(
            [f"{source}: {STACK_OUTPUT_KEY} is hidden as [secret]; {_SHOW_SECRETS_HINT}"]
        )
    if not isinstance(passwords, dict):
        raise StackOutputError(
            [f'{source}: {STACK_OUTPUT_KEY} must map "brand/lane" to a password']
        )
    problems: list[str] = []
    found: dict[str, str] = {}
    for key, value in passwords.items():
        if value == PULUMI_SECRET_PLACEHOLDER:
            problems.append(
                f"{source}: {STACK_OUTPUT_KEY}[{key!r}] is hidden as [secret]; {_SHOW_SECRETS_HINT}"
            )
        elif not isinstance(value, str):
            problems.append(
                f"{source}: {STACK_OUTPUT_KEY}[{key!r}] is a {type(value).__name__}, not a string"
            )
        else:
            found[str(key)] = value
    if problems:
        raise StackOutputError(problems)
    return found


def find_password(
    brand: str,
    lane: str,
    *,
    environ: Mapping[str, str],
    stack_passwords: Mapping[str, str],
) -> LanePassword | None:
    """The lane's password: its environment variable first, then the stack output.

    An empty variable counts as unset, so ``VAR= sendlanes smtp-check`` falls back.
    """
    variable = password_env_var(brand, lane)
    value = environ.get(variable)
    if value:
        return LanePassword(value=value, source=f"environment variable {variable}")
    key = f"{brand}/{lane}"
    value = stack_passwords.get(key)
    if value:
        return LanePassword(value=value, source=f"stack output {STACK_OUTPUT_KEY}[{key!r}]")
    return None
