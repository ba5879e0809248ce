"""``sendlanes lint``: the policy pack's rules on the planned stack, with no Pulumi CLI.

Exit codes: 0 no mandatory finding, 1 at least one mandatory finding, 2 bad stack or policy
config. Findings go to stdout (table, JSON or SARIF); nothing else does.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sendlanes.commands._options import (
    add_format_option,
    add_source_options,
    emit_json,
    output_format,
    stack_file,
)
from sendlanes.errors import EXIT_FINDINGS, EXIT_OK
from sendlanes.output.terminal import render_table

if TYPE_CHECKING:
    from sendlanes.output.sarif import FindingLocator
    from sendlanes.rules.model import Finding
    from sendlanes.rules.policy_config import PolicyConfig

FORMATS = ("table", "json", "sarif")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        help="check lane separation and authentication rules (the policy pack's rules)",
        description=(
            "Run the rules of the CrossGuard policy pack on the stack config, without the "
            "Pulumi CLI. Exit 1 when any mandatory rule fails. `sendlanes rules` lists them."
        ),
    )
    add_source_options(parser)
    add_format_option(parser, FORMATS)
    parser.add_argument(
        "--policy-config",
        metavar="FILE",
        type=Path,
        help="rule levels and options (YAML or JSON, the format of --policy-pack-config)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so other commands do not pay for the lane model and the rules.
    from sendlanes.collector import collector_paused
    from sendlanes.config.load import load_stack_document
    from sendlanes.output.sarif import FindingLocator
    from sendlanes.plan.build import build_plan
    from sendlanes.rules.facts import facts_from_plan
    from sendlanes.rules.model import Level
    from sendlanes.rules.policy_config import PolicyConfig, load_policy_config
    from sendlanes.rules.registry import RULES
    from sendlanes.rules.runner import evaluate

    policy = (
        load_policy_config(args.policy_config, RULES)
        if args.policy_config is not None
        else PolicyConfig()
    )
    # Everything built here lives until the command exits: the cyclic collector would only
    # re-scan it (a third of the run time for a 3,000-lane stack), and it is frozen before the
    # collector resumes.
    with collector_paused(settle=True):
        path = stack_file(args)
        config, document, positions = load_stack_document(path)
        findings = evaluate(facts_from_plan(build_plan(config)), policy)
        locator = FindingLocator.for_document(document, positions)
        chosen = output_format(args)
        if chosen == "sarif":
            emit_json(_sarif(findings, policy, path, locator))
        else:
            where = _locations(findings, path, locator)
            if chosen == "json":
                emit_json(findings_document(findings, where))
            else:
                print(findings_table(findings, where))
    blocking = any(f.level is Level.MANDATORY for f in findings)
    return EXIT_FINDINGS if blocking else EXIT_OK


def findings_document(
    findings: Sequence[Finding], where: Sequence[Location] | None = None
) -> dict[str, object]:
    """The ``--format json`` document (ARCHITECTURE.md §4); each finding with its
    ``file`` and ``line`` in the stack config when *where* is given."""
    from sendlanes.rules.model import Level

    mandatory = sum(1 for f in findings if f.level is Level.MANDATORY)
    documents = [f.to_json() for f in findings]
    if where is not None:
        for document, (file, line) in zip(documents, where, strict=True):
            document["file"] = file
            document["line"] = line
    return {
        "findings": documents,
        "summary": {"mandatory": mandatory, "advisory": len(findings) - mandatory},
    }


def findings_table(findings: Sequence[Finding], where: Sequence[Location] | None = None) -> str:
    from sendlanes.rules.model import Level

    if not findings:
        return "no findings"
    places = where if where is not None else [(None, None)] * len(findings)
    rows = [
        (_place(place), f.level, f.rule, f.lane_key or f.brand or "", f.message)
        for f, place in zip(findings, places, strict=True)
    ]
    mandatory = sum(1 for f in findings if f.level is Level.MANDATORY)
    summary = (
        f"{len(findings)} finding(s): {mandatory} mandatory, {len(findings) - mandatory} advisory"
    )
    return render_table(("where", "level", "rule", "lane", "message"), rows) + "\n\n" + summary


Location = tuple[str | None, int | None]
"""``(file, line)`` of a finding in the stack config; the line is None when unknown."""


def _locations(findings: Sequence[Finding], path: Path, locator: FindingLocator) -> list[Location]:
    """Where each finding is in the stack config (found as the SARIF output finds it)."""
    shown = _shown_path(path)
    return [(shown, locator.line_of(finding)) for finding in findings]


def _place(place: Location) -> str:
    file, line = place
    if file is None:
        return ""
    return file if line is None else f"{file}:{line}"


def _shown_path(path: Path) -> str:
    """*path* relative to the current directory when it is below it, else absolute."""
    relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    return str(path.resolve()) if relative.startswith("..") else relative


def _artifact_uri(path: Path) -> str:
    relative = os.path.relpath(path.resolve(), Path.cwd().resolve())
    if relative.startswith(".."):
        return path.resolve().as_uri()
    return Path(relative).as_posix()


def _sarif(
    findings: Sequence[Finding], policy: PolicyConfig, path: Path, locator: FindingLocator
) -> dict[str, object]:
    from sendlanes.output.sarif import sarif_log
    from sendlanes.rules.registry import RULES

    levels = {rule.id: policy.level_of(rule) for rule in RULES}
    return sarif_log(findings, RULES, levels, _artifact_uri(path), locator.line_of)
