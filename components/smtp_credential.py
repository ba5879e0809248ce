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
from sendlanes.plan.model import SmtpSettings


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

    password: pulumi.Output[str | None] | None

    def __init__(
        self, name: str, args: SmtpCredentialArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        properties = credential_properties(args)
        super().__init__(tokens.SMTP_CREDENTIAL, name, properties, opts)
        self._smtp = args.smtp
        self.password = args.password
        outputs: dict[str, object] = dict(properties)
        if args.password is not None:
            # Secret again on purpose: whatever the caller passed, state keeps it encrypted.
            outputs[tokens.CREDENTIAL_PASSWORD] = pulumi.Output.secret(cast(Any, args.password))
        self.register_outputs(outputs)

    # Built when read, not in the constructor: most programs never read them, and every
    # Output costs the SDK a few futures on every one of a large stack's lanes.
    @property
    def host(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(self._smtp.host)

    @property
    def port(self) -> pulumi.Output[int]:
        return pulumi.Output.from_input(self._smtp.port)

    @property
    def tls(self) -> pulumi.Output[str]:
        return pulumi.Output.from_input(str(self._smtp.tls))

    @property
    def username(self) -> pulumi.Output[str | None]:
        return pulumi.Output.from_input(self._smtp.username)


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
