"""SMTP transport rules: allowed ports (configurable) and TLS."""

from __future__ import annotations

import pytest

from sendlanes.rules.policy_config import PolicyConfigError, parse_policy_config
from sendlanes.rules.registry import RULES
from tests.rules.helpers import bundled_facts, findings, lane, mutated


def test_bundled_stack_uses_allowed_ports_with_tls() -> None:
    facts = bundled_facts()
    assert findings(facts, "smtp-port-allowed") == []
    assert findings(facts, "smtp-tls-required") == []


def test_port_25_is_rejected_because_customerio_cannot_use_it() -> None:
    facts = mutated(lambda d: lane(d, "receipts")["smtp"].update(port=25))
    [finding] = findings(facts, "smtp-port-allowed")
    assert finding.field == "smtp.port"
    assert "port 25" in finding.message and "Customer.io cannot submit" in finding.message


def test_port_outside_the_default_set_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "receipts")["smtp"].update(port=8025))
    [finding] = findings(facts, "smtp-port-allowed")
    assert "allowed ports are 465, 587, 2465, 2525, 2587" in finding.message


def test_allowed_ports_option_narrows_the_set() -> None:
    facts = bundled_facts()  # every lane on 587
    [first, *rest] = findings(facts, "smtp-port-allowed", allowedPorts=(465,))
    assert len(rest) == 2
    assert "allowed ports are 465" in first.message


def test_port_25_cannot_be_allowed_in_the_policy_config() -> None:
    with pytest.raises(PolicyConfigError, match="port 25 cannot be allowed"):
        parse_policy_config({"smtp-port-allowed": {"allowedPorts": [587, 25]}}, RULES)


def test_lane_without_tls_is_rejected() -> None:
    facts = mutated(lambda d: lane(d, "revenue")["smtp"].update(tls="none"))
    [finding] = findings(facts, "smtp-tls-required")
    assert finding.lane == "revenue" and finding.field == "smtp.tls"
    assert "clear text" in finding.message


def test_implicit_tls_passes() -> None:
    facts = mutated(lambda d: lane(d, "revenue")["smtp"].update(port=465))
    assert findings(facts, "smtp-tls-required") == []
