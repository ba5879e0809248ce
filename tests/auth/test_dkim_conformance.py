"""DKIM key-record vectors from other projects' suites (../shared/conformance), per vector.

Verdicts compare directly (``valid``, ``invalid``, ``revoked``, ``weak``: RFC 8301 keys under
1024 bits). Where we disagree on purpose, :data:`DEVIATIONS` says what we answer and why
(docs/dmarc-dkim.md).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sendlanes.auth.dkim import DkimKeyRecord, analyze_dkim_record
from tests.support.conformance import Deviation, skip_unless_present, vector_cases, vectors_path

VECTORS = vectors_path("dkim_key_record_vectors.json")

pytestmark = skip_unless_present(VECTORS)


DEVIATIONS: dict[str, Deviation] = {
    "mail-auth-002": Deviation(
        "invalid",
        "h= 'sha 256' has a space inside the algorithm name; RFC 6376 §3.6.1 allows "
        "whitespace only around ':'. mail-auth strips it, but a verifier reading it literally "
        "finds no sha256 and, with sha1 banned by RFC 8301, accepts no signature",
    ),
}

EXPECTED_AGREEMENT = {
    "dkimpy": (16, 16),
    "go-msgauth": (3, 3),
    "mail-auth": (5, 6),
    "blaze-cache": (12, 12),
}


CASES = vector_cases(VECTORS)


# Record data the vectors assert; their other fields (selector, domain, key_format, g) say
# where a key came from, not what the record holds.
COMPARED_FIELDS = ("k", "s")


def _our_field(record: DkimKeyRecord, name: str) -> object:
    if name == "k":
        return record.algorithm.value
    return sorted(service.value for service in record.service_types or ())


def _their_field(name: str, value: Any) -> object:
    if name == "k":
        return str(value).removesuffix(" (implied)")
    return sorted([value] if isinstance(value, str) else value)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_dkim_vector(case: dict[str, Any]) -> None:
    analysis = analyze_dkim_record(case["record"])
    deviation = DEVIATIONS.get(case["id"])
    if deviation is not None:
        assert analysis.status == deviation.verdict != case["expect"], deviation.reason
        return
    assert analysis.status == case["expect"], analysis.reasons
    if analysis.record is not None:
        for name in COMPARED_FIELDS:
            if name in case["fields"]:
                expected = _their_field(name, case["fields"][name])
                assert _our_field(analysis.record, name) == expected, name


def test_deviations_name_existing_vectors_only() -> None:
    assert set(DEVIATIONS) <= {case["id"] for case in CASES}


def test_agreement_counts_per_source() -> None:
    totals: Counter[str] = Counter(case["source"] for case in CASES)
    agreed: Counter[str] = Counter(
        case["source"]
        for case in CASES
        if analyze_dkim_record(case["record"]).status == case["expect"]
    )
    counts = {source: (agreed[source], totals[source]) for source in totals}
    print(f"\nDKIM vectors agreeing: {sum(agreed.values())}/{len(CASES)} {counts}")
    assert counts == EXPECTED_AGREEMENT
    assert sum(agreed.values()) == len(CASES) - len(DEVIATIONS) == 36
