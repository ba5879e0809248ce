"""The OpenSPF RFC 7208 test suite (203 tests), served by a real DNS server on 127.0.0.1.

Two checks per test, each against what the suite says:

* check_host() gives the suite's result (one of them, where it lists several) and, where the
  suite names one, the same explanation. All 203 agree.
* ``sendlanes spf DOMAIN --ip … --sender … --helo …`` gives the same result for all 203:
  a malformed domain is ``none``, not a usage error.
* analyze_spf() on the MAIL FROM domain (the HELO name when MAIL FROM is empty) gives the
  suite's result projected onto the record verdict: none, temperror, permerror, or valid for
  pass/fail/softfail/neutral. One deliberate difference, named below with its reason.

The suite lives in ../shared/conformance (beside the repository); without it these tests skip.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from sendlanes.auth.spf import SpfAnalysis, SpfResult, analyze_spf, check_host
from sendlanes.cli import main
from sendlanes.errors import EXIT_USAGE
from tests.auth.conftest import RESOLVER_LIFETIME, RESOLVER_TIMEOUT
from tests.support.conformance import vectors_path
from tests.support.dictdns import DictDnsServer

SUITE = vectors_path("rfc7208-tests.yml")

# Our answer where analyze_spf() deliberately differs from the suite's projected result.
ANALYSIS_DEVIATIONS: dict[str, tuple[str, str]] = {
    "include-at-limit": (
        "permerror",
        "the record has 11 DNS-querying terms; check_host() passes 1.2.3.4 because ip4: "
        "matches before the 11th, but any address that matches nothing hits the limit, so "
        "the static verdict is permerror (docs/spf.md, 'Counting lookups')",
    ),
}
EXPECTED_CHECK_HOST_AGREEMENT = 203
EXPECTED_ANALYSIS_AGREEMENT = 202

VALIDITY = {
    "pass": "valid",
    "fail": "valid",
    "softfail": "valid",
    "neutral": "valid",
    "none": "none",
    "permerror": "permerror",
    "temperror": "temperror",
}


@dataclass(frozen=True)
class Case:
    id: str
    scenario: int
    host: str
    mailfrom: str
    helo: str
    results: tuple[str, ...]
    explanation: str | None  # None: the suite does not check it; "DEFAULT": no exp= text

    @property
    def domain(self) -> str:
        return self.mailfrom.rpartition("@")[2] if self.mailfrom else self.helo

    @property
    def sender(self) -> str:
        return self.mailfrom or f"postmaster@{self.helo}"


def _octets(value: Any) -> Any:
    # The suite writes raw octets as "\xEF\xBB\xBF" in YAML strings: send them as those octets.
    if isinstance(value, list):
        return [_octets(v) for v in value]
    if isinstance(value, str) and value not in ("NONE", "TIMEOUT"):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8")
    return value


def _zone(zonedata: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        name: [
            {t: _octets(v) if t in ("TXT", "SPF") else v for t, v in entry.items()}
            if isinstance(entry, dict)
            else entry
            for entry in entries
        ]
        for name, entries in zonedata.items()
    }


def _load() -> tuple[list[dict[str, list[Any]]], list[Case]]:
    if not SUITE.is_file():
        return [], []
    zones, cases = [], []
    with SUITE.open("rb") as stream:
        for index, scenario in enumerate(yaml.safe_load_all(stream)):
            zones.append(_zone(scenario["zonedata"]))
            for test_id, test in scenario["tests"].items():
                result = test["result"]
                cases.append(
                    Case(
                        test_id,
                        index,
                        str(test["host"]),
                        str(test["mailfrom"]),
                        str(test["helo"]),
                        tuple(result) if isinstance(result, list) else (result,),
                        test.get("explanation"),
                    )
                )
    return zones, cases


ZONES, CASES = _load()
if not CASES:
    pytest.skip(
        f"OpenSPF suite not found at {SUITE.resolve()} (../shared/conformance is not beside "
        "this clone)",
        allow_module_level=True,
    )


@dataclass(frozen=True)
class Outcome:
    result: SpfResult
    analysis: SpfAnalysis


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every case evaluated once, scenario by scenario."""
    found: dict[str, Outcome] = {}
    with DictDnsServer.start() as server:
        for index, zone in enumerate(ZONES):
            server.set_zone(zone)
            for case in (c for c in CASES if c.scenario == index):
                # One cache per case, shared by both checks: a timeout is waited for once.
                resolver = server.resolver(timeout=RESOLVER_TIMEOUT, lifetime=RESOLVER_LIFETIME)
                result = check_host(case.host, case.domain, case.sender, case.helo, resolver)
                found[case.id] = Outcome(result, analyze_spf(case.domain, resolver))
    return found


def _check_host_agrees(case: Case, outcome: Outcome) -> bool:
    if outcome.result.result.value not in case.results:
        return False
    if case.explanation is None:
        return True
    wanted = None if case.explanation == "DEFAULT" else case.explanation
    return outcome.result.explanation == wanted


def _analysis_agrees(case: Case, outcome: Outcome) -> bool:
    return outcome.analysis.status.value in {VALIDITY[r] for r in case.results}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_host_gives_the_suites_result(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    assert _check_host_agrees(case, outcome), (case, outcome.result)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_analysis_gives_the_suites_record_verdict(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.id]
    if case.id in ANALYSIS_DEVIATIONS:
        ours, _reason = ANALYSIS_DEVIATIONS[case.id]
        assert outcome.analysis.status.value == ours, outcome.analysis
        assert not _analysis_agrees(case, outcome)
    else:
        assert _analysis_agrees(case, outcome), (case, outcome.analysis)


def test_suite_agreement_counts(
    outcomes: dict[str, Outcome], record_property: Callable[[str, object], None]
) -> None:
    check_host_agreement = sum(_check_host_agrees(c, outcomes[c.id]) for c in CASES)
    analysis_agreement = sum(_analysis_agrees(c, outcomes[c.id]) for c in CASES)
    record_property("check_host_agreement", check_host_agreement)
    record_property("analysis_agreement", analysis_agreement)
    print(
        f"RFC 7208 suite: check_host {check_host_agreement}/{len(CASES)}, "
        f"analyze_spf {analysis_agreement}/{len(CASES)} "
        f"(+{len(ANALYSIS_DEVIATIONS)} documented deviation)"
    )
    assert len(CASES) == 203
    assert check_host_agreement == EXPECTED_CHECK_HOST_AGREEMENT
    assert analysis_agreement == EXPECTED_ANALYSIS_AGREEMENT
    assert analysis_agreement + len(ANALYSIS_DEVIATIONS) == len(CASES)


# -- the same suite through `sendlanes spf` -------------------------------------------------


@pytest.fixture(scope="module")
def cli_results() -> dict[str, str | None]:
    """Every case through ``sendlanes spf DOMAIN --ip --sender --helo`` (in-process): its
    ``result``, or None when the command gave none (a usage error)."""
    found: dict[str, str | None] = {}
    with DictDnsServer.start() as server:
        for index, zone in enumerate(ZONES):
            server.set_zone(zone)
            for case in (c for c in CASES if c.scenario == index):
                argv = ["spf", case.domain, "--ip", case.host, "--sender", case.sender]
                argv += ["--helo", case.helo, "--nameserver", server.nameserver]
                argv += ["--timeout", str(RESOLVER_LIFETIME), "--format", "json"]
                out = io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                    code = main(argv)
                found[case.id] = (
                    json.loads(out.getvalue())["result"] if code != EXIT_USAGE else None
                )
    return found


def test_the_command_gives_the_suites_result_for_every_case(
    cli_results: dict[str, str | None],
) -> None:
    """Malformed sender domains (an empty label, a 64-octet label, a HELO that is one label,
    an address literal) are result ``none`` (RFC 7208 §4.3), never a usage error."""
    wrong = {c.id: cli_results[c.id] for c in CASES if cli_results[c.id] not in c.results}
    assert wrong == {}
    for case_id in ("emptylabel", "toolonglabel", "helo-not-fqdn", "domain-literal"):
        assert cli_results[case_id] == "none"
    assert sum(cli_results[c.id] in c.results for c in CASES) == 203
