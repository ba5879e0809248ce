"""``SmtpCredential``: how Customer.io (or ``sendlanes smtp-check``) logs in to a lane's server.

Host, port, TLS mode and user name are plain inputs and outputs. The password never is an
input property: it is only a *secret output*, derived from the ``sendlanes:smtpPasswords``
secret config, so it exists in state and stack outputs encrypted and nowhere in plain text.

No ``from __future__ import annotations``: the component package infers its schema from these
annotations at run time.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi

from components import tokens


class SmtpCredentialArgs(TypedDict):
    """A lane's SMTP connection settings and its password."""

    host: pulumi.Input[str]
    port: pulumi.Input[int]
    tls: pulumi.Input[str]
    """starttls, implicit or none."""
    username: NotRequired[pulumi.Input[str]]
    password_secret: pulumi.Input[str]
    """Where the password is configured, e.g. ``sendlanes:smtpPasswords.acme/receipts``."""
    password: NotRequired[pulumi.Input[str]]
    """The password; kept secret whatever the caller passes."""


def _is_set(password: object) -> bool:
    return password is not None


class SmtpCredential(pulumi.ComponentResource):
    """SMTP connection settings of one lane, with its password as a secret output."""

    host: str
    port: int
    tls: str
    username: str | None
    password_secret: str
    has_password: pulumi.Output[bool]
    """Whether a password is configured (not secret: only the password itself is)."""
    password: pulumi.Output[str] | None
    """The password, a secret; absent when none is configured."""

    def __init__(
        self,
        name: str,
        args: SmtpCredentialArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        password = args.get("password")
        # Which lanes have a password is read from the secret value itself, so it is known
        # only as an Output; that a password exists is no secret, the password is.
        has_password = pulumi.Output.unsecret(pulumi.Output.from_input(password).apply(_is_set))
        properties: dict[str, Any] = {
            tokens.CREDENTIAL_HOST: args["host"],
            tokens.CREDENTIAL_PORT: args["port"],
            tokens.CREDENTIAL_TLS: args["tls"],
            tokens.CREDENTIAL_USERNAME: args.get("username"),
            tokens.CREDENTIAL_PASSWORD_SECRET: args["password_secret"],
            tokens.CREDENTIAL_HAS_PASSWORD: has_password,
        }
        super().__init__(tokens.SMTP_CREDENTIAL, name, properties, opts)
        # Known when the lane is built: plain values, not Outputs.
        self.host = str(args["host"])
        self.port = int(cast(int, args["port"]))
        self.tls = str(args["tls"])
        username = args.get("username")
        self.username = None if username is None else str(username)
        self.password_secret = str(args["password_secret"])
        self.has_password = has_password
        self.password = None if password is None else pulumi.Output.secret(password)
        outputs = dict(properties)
        if self.password is not None:
            outputs[tokens.CREDENTIAL_PASSWORD] = self.password
        self.register_outputs(outputs)
