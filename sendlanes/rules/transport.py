"""SMTP transport: submission ports Customer.io can reach, and TLS always."""

from __future__ import annotations

from collections.abc import Iterator

from sendlanes.errors import quoted
from sendlanes.rules.facts import Fact, LaneFacts
from sendlanes.rules.model import Level, OptionSpec, Rule, RuleOptions, Scope, Violation

FAMILY = "transport"
RELAY_PORT = 25
DEFAULT_ALLOWED_PORTS = (465, 587, 2465, 2525, 2587)
TLS_MODES = ("starttls", "implicit")


def parse_ports(value: object) -> tuple[int, ...]:
    """A non-empty list of TCP ports, never 25.

    :raises ValueError: naming the bad entry.
    """
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"must be a non-empty list of ports, got {quoted(value)}")
    ports: list[int] = []
    for raw in value:
        # The engine hands config over as a protobuf Struct, where every number is a double:
        # 587.0 is port 587. bool is an int in Python, but `true` is never a port.
        item = int(raw) if isinstance(raw, float) and raw.is_integer() else raw
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 65535:
            raise ValueError(f"{quoted(raw)} is not a TCP port (1-65535)")
        if item == RELAY_PORT:
            raise ValueError("port 25 cannot be allowed: Customer.io does not connect to it")
        ports.append(item)
    return tuple(sorted(set(ports)))


ALLOWED_PORTS = OptionSpec(
    name="allowedPorts",
    description="SMTP ports lanes may use (25 is never allowed).",
    schema={
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 65535, "not": {"const": 25}},
        "minItems": 1,
        "uniqueItems": True,
        "default": list(DEFAULT_ALLOWED_PORTS),
    },
    default=DEFAULT_ALLOWED_PORTS,
    parse=parse_ports,
)


def check_port_allowed(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    allowed: tuple[int, ...] = options["allowedPorts"]
    port = lane.smtp.port
    if port is None or port in allowed:
        return
    if port == RELAY_PORT:
        why = (
            "port 25 is for relaying between mail servers; Customer.io cannot submit "
            "to it and many networks block it"
        )
    else:
        why = f"allowed ports are {', '.join(map(str, allowed))}"
    yield Violation(
        f"lane {lane.label} submits to {lane.smtp.host}:{port}: {why}",
        lane=lane,
        field="smtp.port",
    )


def check_tls_required(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    tls = lane.smtp.tls
    if tls in TLS_MODES:
        return
    shown = "no TLS mode" if tls is None else f"TLS mode {tls!r}"
    yield Violation(
        f"lane {lane.label} connects to {lane.smtp.host}:{lane.smtp.port} with {shown}: "
        "the password and every message would cross the network in clear text "
        "(use starttls, RFC 3207, or implicit TLS, RFC 8314)",
        lane=lane,
        field="smtp.tls",
    )


RULES = (
    Rule(
        id="smtp-port-allowed",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Lanes submit on an allowed SMTP port, never 25 (default: 465, 587, 2465, "
        "2525, 2587).",
        rationale=(
            "Customer.io cannot use port 25, and port 25 is for server-to-server relay "
            "(RFC 6409 §1 puts submission on 587; RFC 8314 §3.3 implicit TLS on 465)."
        ),
        remediation="Use 587 (STARTTLS) or 465 (implicit TLS), or the provider's alternate "
        "port; widen the set with the rule's allowedPorts option.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.SMTP}),
        check_lane=check_port_allowed,
        options=(ALLOWED_PORTS,),
    ),
    Rule(
        id="smtp-tls-required",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Every lane uses TLS: STARTTLS or implicit TLS.",
        rationale="SMTP AUTH over a clear connection gives the password to anyone on the "
        "path (RFC 4954 §4 requires a protected channel for plain-text mechanisms).",
        remediation="Set smtp.tls to starttls (587) or implicit (465), or leave it unset.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.SMTP}),
        check_lane=check_tls_required,
    ),
)
