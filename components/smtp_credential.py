"""``SmtpCredential``: how Customer.io (or ``sendlanes smtp-check``) logs in to a lane's server.

Host, port, TLS mode and user name are plain inputs and outputs. The password never is an
input: it is only a *secret output*, derived from the ``sendlanes:smtpPasswords`` secret
config, so it exists in state and stack outputs encrypted and nowhere in plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi

from components import tokens
from sendlanes.plan import SmtpSettings


@dataclass(frozen=True)
class SmtpCredentialArgs:
    smtp: SmtpSettings
    #: config path of the password secret, e.g. ``sendlanes:smtpPasswords.acme/receipts``
    password_secret: str
    #: the password as a secret Output, or None when the config holds none for this lane
    password: pulumi.Output[str | None] | None
    #: whether the stack's secret map lists this lane
    has_password: bool


class SmtpCredential(pulumi.ComponentResource):
    """SMTP connection settings of one lane, with its password as a secret output."""

    host: pulumi.Output[str]
    port: pulumi.Output[int]
    tls: pulumi.Output[str]
    username: pulumi.Output[str | None]
    password: pulumi.Output[str | None] | None

    def __init__(
        self, name: str, args: SmtpCredentialArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        properties = credential_properties(args)
        super().__init__(tokens.SMTP_CREDENTIAL, name, properties, opts)
        self.host = pulumi.Output.from_input(args.smtp.host)
        self.port = pulumi.Output.from_input(args.smtp.port)
        self.tls = pulumi.Output.from_input(str(args.smtp.tls))
        self.username = pulumi.Output.from_input(args.smtp.username)
        self.password = args.password
        outputs: dict[str, object] = dict(properties)
        if args.password is not None:
            # Secret again on purpose: whatever the caller passed, state keeps it encrypted.
            outputs[tokens.CREDENTIAL_PASSWORD] = pulumi.Output.secret(cast(Any, args.password))
        self.register_outputs(outputs)


def credential_properties(args: SmtpCredentialArgs) -> dict[str, object]:
    """The component's inputs: everything but the password."""
    return {
        tokens.CREDENTIAL_HOST: args.smtp.host,
        tokens.CREDENTIAL_PORT: args.smtp.port,
        tokens.CREDENTIAL_TLS: str(args.smtp.tls),
        tokens.CREDENTIAL_USERNAME: args.smtp.username,
        tokens.CREDENTIAL_PASSWORD_SECRET: args.password_secret,
        tokens.CREDENTIAL_HAS_PASSWORD: args.has_password,
    }
