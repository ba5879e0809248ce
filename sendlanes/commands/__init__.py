"""Sub-commands of ``sendlanes``; each module exposes ``register(subparsers)``.

A handler is set with ``parser.set_defaults(handler=run)`` where ``run(args) -> int``
returns the exit code.
"""

# Order is the order of `sendlanes --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "plan",
    "lint",
    "rules",
    "allowlist",
    "spf",
    "verify",
    "smtp_check",
    "headers",
    "reports",
)
