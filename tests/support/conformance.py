"""Other projects' test data in ../shared/conformance (beside the repository, not in it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"


class Deviation(NamedTuple):
    """Where we disagree with a vector on purpose: our verdict and why."""

    verdict: str
    reason: str


def vectors_path(filename: str) -> Path:
    return CONFORMANCE / filename


def skip_unless_present(path: Path) -> pytest.MarkDecorator:
    """A module mark that skips, saying where the file was expected, when it is absent."""
    return pytest.mark.skipif(
        not path.exists(),
        reason=f"{path} is absent: the conformance vectors live beside the repository "
        "(../shared/conformance), not in it",
    )


def vector_cases(path: Path) -> list[dict[str, Any]]:
    """The ``cases`` of a JSON vector file, or none when it is absent."""
    if not path.exists():
        return []
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases
