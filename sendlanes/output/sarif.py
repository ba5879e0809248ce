"""SARIF 2.1.0 output for ``sendlanes lint``, so code scanning shows findings inline in a pull
request (OASIS SARIF 2.1.0; GitHub reads ``ruleId``, ``level``, ``message`` and the first
physical location)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sendlanes import __version__
from sendlanes.config.yamlpos import Positions
from sendlanes.rules.model import Finding, Level, Rule

BRANDS_KEY = "sendlanes:brands"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
_SARIF_LEVELS = {Level.MANDATORY: "error", Level.ADVISORY: "warning", Level.DISABLED: "none"}


def sarif_level(level: Level) -> str:
    """``error`` blocks (mandatory), ``warning`` informs (advisory)."""
    return _SARIF_LEVELS[level]


def _rule_descriptor(rule: Rule, level: Level) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": rule.remediation,
            "markdown": f"**Why:** {rule.rationale}\n\n**Fix:** {rule.remediation}",
        },
        "defaultConfiguration": {"level": sarif_level(level)},
        "properties": {"tags": ["email", rule.family], "sendlanes-level": str(level)},
    }


def sarif_log(
    findings: Sequence[Finding],
    rules: Sequence[Rule],
    levels: Mapping[str, Level],
    artifact_uri: str,
    line_of: Callable[[Finding], int | None],
) -> dict[str, object]:
    """A SARIF log with one run: every rule as a descriptor and every finding as a result.

    *artifact_uri* is the stack file relative to the repository root (forward slashes);
    *line_of* gives the 1-based line a finding is about, if known.
    """
    index = {rule.id: position for position, rule in enumerate(rules)}
    results = []
    for finding in findings:
        region = {"startLine": line_of(finding) or 1}
        location: dict[str, object] = {
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri, "uriBaseId": "%SRCROOT%"},
                "region": region,
            }
        }
        subject = finding.lane_key or finding.brand
        if subject is not None:
            location["logicalLocations"] = [
                {"fullyQualifiedName": subject, "kind": "module" if finding.lane else "namespace"}
            ]
        result: dict[str, object] = {
            "ruleId": finding.rule,
            "level": sarif_level(finding.level),
            "message": {"text": finding.message},
            "locations": [location],
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sendlanes",
                        "version": __version__,
                        "rules": [_rule_descriptor(rule, levels[rule.id]) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
                "results": results,
            }
        ],
    }


class FindingLocator:
    """Lines of a stack file that findings point at: the lane's field, else the lane, else the
    brand. Built from the stack file as the command loaded it (no second read)."""

    def __init__(self, positions: Positions, brands: Sequence[Mapping[str, Any]]) -> None:
        self._positions = positions
        self._brand_index: dict[str, int] = {}
        self._lane_index: dict[tuple[str, str], int] = {}
        for b, brand in enumerate(brands):
            if not isinstance(brand, Mapping):
                continue
            name = str(brand.get("name"))
            self._brand_index.setdefault(name, b)
            lanes = brand.get("lanes")
            for n, lane in enumerate(lanes if isinstance(lanes, list) else ()):
                if isinstance(lane, Mapping):
                    self._lane_index.setdefault((name, str(lane.get("name"))), n)

    @classmethod
    def for_document(cls, document: Any, positions: Positions) -> FindingLocator:
        """From a stack file already loaded (no second read)."""
        brands: Any = ()
        if isinstance(document, Mapping) and isinstance(document.get("config"), Mapping):
            brands = document["config"].get(BRANDS_KEY, ())
        return cls(positions, brands if isinstance(brands, list) else ())

    def line_of(self, finding: Finding) -> int | None:
        if finding.brand is None or finding.brand not in self._brand_index:
            return self._positions.line_of(("config", BRANDS_KEY))
        base: tuple[str | int, ...] = ("config", BRANDS_KEY, self._brand_index[finding.brand])
        lane = self._lane_index.get((finding.brand, finding.lane or ""))
        if lane is None:
            return self._positions.line_of(base)
        base = (*base, "lanes", lane)
        if finding.field:
            return self._positions.line_of((*base, *finding.field.split(".")))
        return self._positions.line_of(base)
