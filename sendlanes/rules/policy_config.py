"""Policy config: per-rule levels and options, one schema for ``sendlanes lint
--policy-config FILE`` and ``pulumi preview --policy-pack-config FILE``.

The format is Pulumi's policy-pack config (YAML or JSON)::

    all: mandatory                  # optional: the level of every rule not named below
    dkim-key-strength-recommended: disabled
    smtp-port-allowed:
      enforcementLevel: mandatory   # optional
      allowedPorts: [587, 465]

Every problem is reported at once as ``FILE:LINE: key: what is wrong`` (exit code 2).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sendlanes.config.inputfile import first_unprintable, read_input
from sendlanes.config.yamlpos import Positions, YamlSyntaxError, load_with_positions
from sendlanes.errors import MAX_QUOTED_CHARS, UsageError, capped, quoted
from sendlanes.rules.model import Level, Rule

ALL_RULES_KEY = "all"
LEVEL_KEY = "enforcementLevel"
_LEVELS = ", ".join(level.value for level in Level)


class PolicyConfigError(UsageError):
    """The policy config is unusable; each line names the file, line and key."""


@dataclass(frozen=True)
class PolicyConfig:
    """Levels and options chosen by the user; rules not named keep their defaults."""

    levels: Mapping[str, Level] = field(default_factory=dict)
    all_rules: Level | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def level_of(self, rule: Rule) -> Level:
        """The rule's own setting, else ``all``, else the rule's default level."""
        return self.levels.get(rule.id) or self.all_rules or rule.level

    def options_of(self, rule: Rule) -> dict[str, Any]:
        return {**rule.default_options(), **self.options.get(rule.id, {})}


def parse_level(value: object) -> Level:
    """A level name; ``remediate`` is refused because no rule rewrites resources.

    :raises ValueError: naming the accepted levels.
    """
    if isinstance(value, str):
        try:
            return Level(value.strip().lower())
        except ValueError:
            pass
        if value.strip().lower() == "remediate":
            raise ValueError("'remediate' is not supported: no sendlanes rule rewrites resources")
    raise ValueError(f"{quoted(value)} is not a level (use one of: {_LEVELS})")


def parse_rule_options(rule: Rule, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Validate *values* (a rule's config object without ``enforcementLevel``).

    Returns the typed options (defaults filled in) and the problems as ``key: message``.
    """
    specs = {option.name: option for option in rule.options}
    options = rule.default_options()
    problems: list[str] = []
    for name, value in values.items():
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(specs) or "none"
            problems.append(f"{name}: {rule.id} has no option {quoted(name)} (options: {known})")
            continue
        try:
            options[name] = spec.parse(value)
        except ValueError as error:
            problems.append(f"{name}: {error}")
    return options, problems


def parse_policy_config(
    document: object,
    rules: Sequence[Rule],
    source: str = "<policy config>",
    positions: Positions | None = None,
) -> PolicyConfig:
    """Validate a policy config document against *rules*.

    :raises PolicyConfigError: listing every problem with its file, line and key.
    """
    where = positions or Positions()
    problems: list[str] = []

    def report(path: Sequence[str], message: str) -> None:
        line = where.line_of(tuple(path))
        location = f"{source}:{line}" if line is not None else source
        key = _cut(".".join(path))
        problems.append(f"{location}: {key}: {message}" if key else f"{location}: {message}")

    if document is None:
        return PolicyConfig()
    if not isinstance(document, Mapping):
        report([], "a policy config is a mapping of rule id to a level or an object")
        raise PolicyConfigError(problems)
    by_id = {rule.id: rule for rule in rules}
    levels: dict[str, Level] = {}
    options: dict[str, dict[str, Any]] = {}
    all_rules: Level | None = None
    for key, value in document.items():
        name = str(key)
        if name == ALL_RULES_KEY:
            try:
                all_rules = parse_level(value)
            except ValueError as error:
                report([name], str(error))
            continue
        rule = by_id.get(name)
        if rule is None:
            hint = difflib.get_close_matches(name, by_id, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            report([name], f"no such rule{suggestion}; `sendlanes rules` lists them")
            continue
        if not isinstance(value, Mapping):
            try:
                levels[name] = parse_level(value)
            except ValueError as error:
                report([name], str(error))
            continue
        settings = dict(value)
        if LEVEL_KEY in settings:
            try:
                levels[name] = parse_level(settings.pop(LEVEL_KEY))
            except ValueError as error:
                report([name, LEVEL_KEY], str(error))
        parsed, rule_problems = parse_rule_options(rule, settings)
        for problem in rule_problems:
            option, _, message = problem.partition(": ")
            report([name, option], message)
        options[name] = {k: v for k, v in parsed.items() if k in settings}
    if problems:
        raise PolicyConfigError(capped(problems))
    return PolicyConfig(levels, all_rules, options)


def load_policy_config(path: Path | str, rules: Sequence[Rule]) -> PolicyConfig:
    """Read a YAML or JSON policy config file.

    :raises PolicyConfigError: the file is missing, unreadable, not YAML/JSON, or invalid.
    """
    source = str(path)
    try:
        text = read_input(path, "policy config")
    except UsageError as error:
        raise PolicyConfigError(error.lines()) from None
    if Path(path).suffix.lower() == ".json":
        document, positions = _load_json(text, source)
    else:
        try:
            document, positions = load_with_positions(text)
        except YamlSyntaxError as error:
            raise PolicyConfigError(f"{error.where(source)}: {error.message}") from None
    return parse_policy_config(document, rules, source, positions)


def _load_json(text: str, source: str) -> tuple[object, Positions]:
    """A JSON policy config, with JSON's own errors; lines come from reading it as the YAML
    it also is (JSON is YAML's flow style), and are left out where that reading fails."""
    unprintable = first_unprintable(text)
    if unprintable is not None:
        line, column, problem = unprintable
        raise PolicyConfigError(f"{source}:{line}:{column}: {problem}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyConfigError(
            f"{source}:{error.lineno}:{error.colno}: JSON syntax error: {error.msg}"
        ) from None
    except RecursionError:
        raise PolicyConfigError(f"{source}: JSON nesting is too deep") from None
    except ValueError as error:  # an integer of thousands of digits
        raise PolicyConfigError(f"{source}: cannot read this JSON ({quoted(str(error))})") from None
    try:
        _, positions = load_with_positions(text, "JSON")
    except YamlSyntaxError:
        positions = Positions()
    return document, positions


def _cut(key: str) -> str:
    """A key as shown in a message: a 10 MB key is not echoed."""
    limit = 2 * MAX_QUOTED_CHARS
    return key if len(key) <= limit else f"{key[:limit]}… ({len(key):,} characters)"
