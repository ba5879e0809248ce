"""Bulk-sender hygiene: one-click unsubscribe on bulk lanes, and warm-up for new lanes."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

from sendlanes.errors import quoted
from sendlanes.lanes.catalog import LaneKind
from sendlanes.rules.facts import Fact, LaneFacts
from sendlanes.rules.model import Level, OptionSpec, Rule, RuleOptions, Scope, Violation

FAMILY = "bulk"
BULK_KINDS = frozenset({LaneKind.LIFECYCLE, LaneKind.PROMOTIONAL})


def check_one_click(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    if lane.kind in BULK_KINDS and not lane.one_click_unsubscribe:
        yield Violation(
            f"{lane.kind} lane {lane.label} does not declare one-click unsubscribe: Gmail "
            "and Yahoo require List-Unsubscribe-Post (RFC 8058) on bulk mail",
            lane=lane,
            field="unsubscribe.oneClick",
        )


def schedule_problems(lane: LaneFacts) -> list[str]:
    """Everything wrong with the lane's warm-up schedule (empty when valid or absent)."""
    warmup = lane.warmup
    if warmup is None:
        return []
    problems = []
    try:
        datetime.date.fromisoformat(str(warmup.start))
    except ValueError:
        problems.append(f"start {warmup.start!r} is not a date (YYYY-MM-DD)")
    limits = warmup.daily_limits
    if not limits:
        problems.append("dailyLimits is empty: a schedule needs at least one day")
    bad = [
        f"day {day} ({limit!r})"
        for day, limit in enumerate(limits, 1)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0
    ]
    if bad:
        problems.append(f"daily limits must be positive whole numbers: {', '.join(bad)}")
    else:
        for day, (before, after) in enumerate(itertools.pairwise(limits), 2):
            assert isinstance(before, int) and isinstance(after, int)
            if after < before:
                problems.append(
                    f"dailyLimits decrease on day {day} ({after} after {before}): a warm-up "
                    "only ever raises volume"
                )
    return problems


def check_warmup_valid(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    for problem in schedule_problems(lane):
        yield Violation(f"lane {lane.label} warm-up: {problem}", lane=lane, field="warmup")


def parse_lane_keys(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"must be a list of 'brand/lane' names, got {quoted(value)}")
    keys = []
    for item in value:
        if not isinstance(item, str) or item.count("/") != 1 or not all(item.split("/")):
            raise ValueError(f"{quoted(item)} is not a lane name of the form 'brand/lane'")
        keys.append(item)
    return tuple(keys)


ESTABLISHED_LANES = OptionSpec(
    name="establishedLanes",
    description="Lanes ('brand/lane') whose domain and IPs already have a sending history.",
    schema={"type": "array", "items": {"type": "string", "pattern": "^[^/]+/[^/]+$"}},
    default=(),
    parse=parse_lane_keys,
)


def check_new_lane_warmup(lane: LaneFacts, options: RuleOptions) -> Iterator[Violation]:
    established: tuple[str, ...] = options["establishedLanes"]
    if lane.warmup is None and lane.key not in established:
        yield Violation(
            f"lane {lane.label} has no warm-up schedule: a new domain or IP that starts at "
            "full volume is throttled or junked; declare warmup, or list the lane in "
            "establishedLanes if it already has a sending history",
            lane=lane,
            field="warmup",
        )


RULES = (
    Rule(
        id="bulk-lanes-one-click-unsubscribe",
        level=Level.MANDATORY,
        family=FAMILY,
        description="Promotional and lifecycle lanes declare RFC 8058 one-click unsubscribe.",
        rationale="Since 2024 Gmail and Yahoo require bulk senders to support one-click "
        "unsubscribe (List-Unsubscribe with List-Unsubscribe-Post, RFC 8058) and to honor "
        "it within two days.",
        remediation="Enable one-click unsubscribe in the orchestrator and set "
        "unsubscribe: {oneClick: true} on the lane.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.UNSUBSCRIBE}),
        check_lane=check_one_click,
    ),
    Rule(
        id="warmup-schedule-valid",
        level=Level.MANDATORY,
        family=FAMILY,
        description="A warm-up schedule has a start date and at least one day of positive, "
        "never decreasing daily limits.",
        rationale="The daily limit is what the orchestrator is told to send; a missing, zero "
        "or falling limit stops a lane or undoes its warm-up.",
        remediation="Fix warmup.start and warmup.dailyLimits.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.WARMUP}),
        check_lane=check_warmup_valid,
    ),
    Rule(
        id="new-lane-has-warmup",
        level=Level.ADVISORY,
        family=FAMILY,
        description="A lane without sending history has a warm-up schedule.",
        rationale="Mailbox providers distrust volume from domains and IPs they have not seen; "
        "ramping up over days builds the reputation the lane needs.",
        remediation="Add warmup: {start, dailyLimits}, or list the lane in this rule's "
        "establishedLanes option.",
        scope=Scope.LANE,
        reads=frozenset({Fact.LANE, Fact.WARMUP}),
        check_lane=check_new_lane_warmup,
        options=(ESTABLISHED_LANES,),
    ),
)
