"""What a rule is, what it reports, and what it reads.

A :class:`Rule` is pure: it looks at :class:`~sendlanes.rules.facts.StackFacts` (or one
:class:`~sendlanes.rules.facts.RecordFacts`) and yields :class:`Violation` objects. The runner
turns violations into :class:`Finding` objects with the level the policy config gives the
rule. The same rule objects back ``sendlanes lint`` and the CrossGuard pack in ``policies/``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sendlanes.rules.facts import Fact, LaneFacts, RecordFacts, StackFacts


class Level(enum.StrEnum):
    """Enforcement level; the names and meanings are CrossGuard's."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    DISABLED = "disabled"


class Scope(enum.StrEnum):
    """What a rule needs to see: one DNS record, one lane, or the whole stack's graph.

    Record and lane rules become CrossGuard resource policies (run on each ``DnsRecord`` or
    ``SendingLane`` as the engine registers it); stack rules become stack policies.
    """

    RECORD = "record"
    LANE = "lane"
    STACK = "stack"


@dataclass(frozen=True)
class Violation:
    """One thing a rule found wrong, attached to the lane and/or record it is about."""

    message: str
    lane: LaneFacts | None = None
    record: RecordFacts | None = None
    brand: str | None = None
    #: the lane's config field the finding is about (``smtp.port``), for file:line locations
    field: str | None = None


@dataclass(frozen=True)
class Finding:
    """A violation with its rule id and effective level: what ``lint`` prints and the pack
    reports."""

    rule: str
    level: Level
    message: str
    brand: str | None = None
    lane: str | None = None
    record: str | None = None
    #: where the engine knows it: the URN of the resource (pack); None for lint
    urn: str | None = None
    field: str | None = None

    @property
    def lane_key(self) -> str | None:
        if self.brand is None or self.lane is None:
            return None
        return f"{self.brand}/{self.lane}"

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "rule": self.rule,
            "level": str(self.level),
            "brand": self.brand,
            "lane": self.lane,
            "message": self.message,
        }
        if self.record is not None:
            document["record"] = self.record
        return document


@dataclass(frozen=True)
class OptionSpec:
    """A rule option settable in the policy config (camelCase, as Pulumi config keys are).

    ``schema`` is the JSON schema the pack announces to the Pulumi CLI; ``parse`` validates a
    value (raising ``ValueError`` with a message) and returns the typed value.
    """

    name: str
    description: str
    schema: Mapping[str, Any]
    default: Any
    parse: Callable[[Any], Any]


RuleOptions = Mapping[str, Any]
StackCheck = Callable[["StackFacts", RuleOptions], Iterator[Violation]]
RecordCheck = Callable[["RecordFacts", RuleOptions], Iterator[Violation]]
LaneCheck = Callable[["LaneFacts", RuleOptions], Iterator[Violation]]


@dataclass(frozen=True)
class Rule:
    """One rule: stable kebab-case id (a contract), default level and the words a person needs.

    Exactly one of ``check_stack`` / ``check_lane`` / ``check_record`` is set, matching
    ``scope``.
    """

    id: str
    level: Level
    family: str
    description: str
    rationale: str
    remediation: str
    scope: Scope
    reads: frozenset[Fact]
    check_stack: StackCheck | None = None
    check_lane: LaneCheck | None = None
    check_record: RecordCheck | None = None
    options: tuple[OptionSpec, ...] = field(default=())

    def __post_init__(self) -> None:
        checks = {
            Scope.STACK: self.check_stack,
            Scope.LANE: self.check_lane,
            Scope.RECORD: self.check_record,
        }
        given = [scope for scope, check in checks.items() if check is not None]
        if given != [self.scope]:
            raise ValueError(
                f"rule {self.id}: a {self.scope} rule needs exactly check_{self.scope}"
            )

    def default_options(self) -> dict[str, Any]:
        return {option.name: option.default for option in self.options}

    def run(self, stack: StackFacts, options: RuleOptions) -> Iterator[Violation]:
        """Every violation of this rule in *stack* (over every lane or DNS record for lane and
        record rules)."""
        if self.check_stack is not None:
            yield from self.check_stack(stack, options)
        elif self.check_lane is not None:
            for lane in stack.lanes:
                yield from self.check_lane(lane, options)
        elif self.check_record is not None:
            for record in stack.records:
                yield from self.check_record(record, options)
