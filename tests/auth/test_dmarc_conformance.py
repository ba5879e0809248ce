"""DMARC record vectors from other projects' suites (../shared/conformance), per vector.

Each vector is judged by the specification its source implements (see docs/dmarc-dkim.md):
sources whose ``semantics`` say RFC 7489 are compared with ``DmarcSpec.RFC7489``, the others
(RFC 9989 / DMARCbis) with the default ``DmarcSpec.RFC9989``. Verdicts project as:

* ``valid`` — no errors;
* ``invalid`` — errors (whether or not receivers fall back to ``p=none``);
* ``valid_with_downgrade`` — errors, and receivers fall back to ``p=none``.

Where we disagree with a source on purpose, :data:`DEVIATIONS` says what we answer and why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sendlanes.auth.dmarc import (
    DmarcAnalysis,
    DmarcRecord,
    DmarcSpec,
    DmarcStatus,
    analyze_dmarc_record,
)
from tests.support.conformance import Deviation, skip_unless_present, vector_cases, vectors_path

VECTORS = vectors_path("dmarc_record_vectors.json")

pytestmark = skip_unless_present(VECTORS)


_BARE_MAILTO = (
    "'mailto://abuse.com' holds no address (RFC 6068 §2 needs local@domain), so no report "
    "can be delivered; the source checks only generic URI syntax"
)
DEVIATIONS: dict[str, Deviation] = {
    "opendmarc-005": Deviation(
        "invalid",
        "p=n: libopendmarc accepts any prefix of a keyword; the ABNF of RFC 7489 §6.4 and "
        "RFC 9989 §4.8 requires the whole word, and other receivers ignore such a policy",
    ),
    "opendmarc-017": Deviation("invalid", _BARE_MAILTO),
    "opendmarc-018": Deviation("invalid", _BARE_MAILTO),
    "abnf-dmarc-parser-038": Deviation("invalid", _BARE_MAILTO),
    "abnf-dmarc-parser-039": Deviation("invalid", _BARE_MAILTO),
    "checkdmarc-032": Deviation(
        "invalid",
        "fo=0:1: RFC 9989 §4.7 makes 0 and 1 mutually exclusive (and its §4.8 ABNF cannot "
        "produce 0:1); checkdmarc only warns",
    ),
    "mail-auth-005": Deviation(
        "invalid",
        "'!10 K' and 'mailto:user%20@example.com ! 2G' put spaces inside URIs and size "
        "suffixes, and %20 in a local part; RFC 9989 §4.8 allows whitespace only around the "
        "commas. mail-auth trims it; receivers that do not lose the reports",
    ),
}

# Agreement per source, asserted so that a regression (or an unnoticed fix) fails.
EXPECTED_AGREEMENT = {
    "opendmarc": (16, 19),
    "abnf-dmarc-parser": (57, 59),
    "checkdmarc": (37, 38),
    "mail-auth": (5, 6),
}


CASES = vector_cases(VECTORS)


def _spec(case: dict[str, Any]) -> DmarcSpec:
    return DmarcSpec.RFC7489 if case["semantics"].startswith("RFC 7489") else DmarcSpec.RFC9989


def _verdict(analysis: DmarcAnalysis, expected: str) -> str:
    if analysis.status is DmarcStatus.VALID:
        return "valid"
    if analysis.downgraded and expected == "valid_with_downgrade":
        return "valid_with_downgrade"
    return "invalid"


def _our_field(record: DmarcRecord, name: str) -> object:
    uris = {"rua": record.rua, "ruf": record.ruf}
    if name in uris:
        return [[uri.address, uri.size_limit or 0] for uri in uris[name]]
    return {
        "v": "DMARC1",
        "p": record.p.value,
        "sp": record.subdomain_policy.value,
        "np": record.nonexistent_policy.value,
        "adkim": record.dkim_alignment.value,
        "aspf": record.spf_alignment.value,
        "t": record.testing,
        "psd": record.psd_flag.value,
        "fo": ":".join(record.failure_options),
    }[name]


def _their_field(name: str, value: object) -> object:
    # Sources spell a few values their own way: mail-auth's t is a bool and its psd default
    # is "default"; checkdmarc's t is y/n; mail-auth's fo carries its enum name after a space.
    if name == "t" and isinstance(value, str):
        return value == "y"
    if name == "psd" and value == "default":
        return "u"
    if name == "fo" and isinstance(value, str):
        return value.split(" ")[0]
    return value


def _judge(case: dict[str, Any]) -> tuple[str, DmarcAnalysis]:
    analysis = analyze_dmarc_record(case["record"], _spec(case))
    return _verdict(analysis, case["expect"]), analysis


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_dmarc_vector(case: dict[str, Any]) -> None:
    verdict, analysis = _judge(case)
    deviation = DEVIATIONS.get(case["id"])
    if deviation is not None:
        assert verdict == deviation.verdict != case["expect"], deviation.reason
        return
    assert verdict == case["expect"], (analysis.errors, analysis.warnings)
    if analysis.record is not None:
        ours = {name: _our_field(analysis.record, name) for name in case["fields"]}
        theirs = {name: _their_field(name, value) for name, value in case["fields"].items()}
        assert ours == theirs


def test_deviations_name_existing_vectors_only() -> None:
    assert set(DEVIATIONS) <= {case["id"] for case in CASES}


def test_agreement_counts_per_source() -> None:
    totals: Counter[str] = Counter(case["source"] for case in CASES)
    agreed: Counter[str] = Counter(
        case["source"] for case in CASES if _judge(case)[0] == case["expect"]
    )
    counts = {source: (agreed[source], totals[source]) for source in totals}
    print(f"\nDMARC vectors agreeing: {sum(agreed.values())}/{len(CASES)} {counts}")
    assert counts == EXPECTED_AGREEMENT
    assert sum(agreed.values()) == len(CASES) - len(DEVIATIONS) == 115
