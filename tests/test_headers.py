"""`sendlanes headers` analysis: messages signed here with dkimpy, keys served by Knot DNS.

The stack has three lanes of acme.example, each with its own DKIM key whose public half the
plan publishes (TXT); the Knot fixture serves exactly the plan's records plus the brand's
`_dmarc` record, so DKIM verification and the RFC 9989 Tree Walk run against a real server.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from sendlanes.config.load import load_stack_config
from sendlanes.dns.resolver import Resolver
from sendlanes.headers.analysis import CheckStatus, HeadersReport, analyze_message, lane_for_domain
from sendlanes.headers.message import read_message
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from tests.support.knot import KnotServer, zone_text
from tests.support.stacks import write_stack

BRAND = "acme.example"
ONE_CLICK_HEADERS = [b"list-unsubscribe", b"list-unsubscribe-post"]
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", *ONE_CLICK_HEADERS]


@dataclass(frozen=True)
class SigningKey:
    selector: str
    domain: str
    private_pem: bytes
    public_b64: str


@cache
def signing_key(selector: str, domain: str) -> SigningKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return SigningKey(selector, domain, pem, base64.b64encode(der).decode())


RECEIPTS = signing_key("pm1", "receipts.acme.example")
REVENUE = signing_key("rv1", "notify.acme.example")
PROMOS = signing_key("pr1", "mail.acme.example")
UNPUBLISHED = signing_key("gone", "mail.acme.example")


@dataclass(frozen=True)
class Ed25519Key:
    selector: str
    domain: str
    seed_b64: bytes  # what dkimpy signs with
    public_b64: str


@cache
def ed25519_key(selector: str, domain: str) -> Ed25519Key:
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return Ed25519Key(selector, domain, base64.b64encode(seed), base64.b64encode(public).decode())


# A second key of the promotional lane, published beside the plan's (RFC 8463 dual signing).
PROMOS_ED25519 = ed25519_key("ed1", "mail.acme.example")


def stack_document() -> dict[str, Any]:
    def mta(key: SigningKey) -> dict[str, Any]:
        return {
            "ip4": ["192.0.2.10"],
            "dkimSelector": key.selector,
            "dkimPublicKey": key.public_b64,
        }

    return {
        "config": {
            "sendlanes:brands": [
                {
                    "name": "acme",
                    "domain": BRAND,
                    "zoneId": "0123456789abcdef0123456789abcdef",
                    "customerio": {"region": "us"},
                    "dmarc": {"policy": "quarantine"},
                    "lanes": [
                        {
                            "name": "receipts",
                            "kind": "transactional",
                            "subdomain": "receipts",
                            "provider": "postmark",
                            "postmark": {
                                "dkimSelector": RECEIPTS.selector,
                                "dkimPublicKey": RECEIPTS.public_b64,
                            },
                            "categories": ["order_confirmation", "password_reset"],
                            "customerio": {"messageTypes": ["transactional"]},
                            "dmarc": {"policy": "reject", "adkim": "strict"},
                        },
                        {
                            "name": "revenue",
                            "kind": "lifecycle",
                            "subdomain": "notify",
                            "provider": "smtp",
                            "mta": mta(REVENUE),
                            "smtp": {"host": "mta.acme.example"},
                            "categories": ["cart_abandon", "winback"],
                            "customerio": {"messageTypes": ["event_triggered"]},
                            "unsubscribe": {"oneClick": True},
                        },
                        {
                            "name": "promos",
                            "kind": "promotional",
                            "subdomain": "mail",
                            "provider": "smtp",
                            "mta": mta(PROMOS),
                            "smtp": {"host": "mta.acme.example"},
                            "categories": ["newsletter", "promotion"],
                            "customerio": {"messageTypes": ["newsletters"]},
                            "unsubscribe": {"oneClick": True},
                        },
                    ],
                }
            ]
        }
    }


def plan_zone(plan: Plan) -> str:
    """The brand's zone as the plan publishes it, plus the brand's own DMARC record."""
    records = [
        (r.name, str(r.type), r.content, r.ttl, r.priority) for r in plan.brands[0].all_records()
    ]
    records.append((f"_dmarc.{BRAND}", "TXT", "v=DMARC1; p=none", 300, None))
    ed = PROMOS_ED25519
    records.append(
        (
            f"{ed.selector}._domainkey.{ed.domain}",
            "TXT",
            f"v=DKIM1; k=ed25519; p={ed.public_b64}",
            300,
            None,
        )
    )
    return zone_text(BRAND, records)


@dataclass(frozen=True)
class Stack:
    plan: Plan
    knot: KnotServer
    config_path: Path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    directory = tmp_path_factory.mktemp("headers")
    config_path = write_stack(directory, stack_document())
    plan = build_plan(load_stack_config(config_path), today=datetime.date(2026, 11, 23))
    # The RFC 9989 Tree Walk climbs to the TLD: serve the TLDs so they answer NXDOMAIN
    # (as the DNS would) instead of REFUSED (a server not authoritative for them).
    zones = {tld: zone_text(tld) for tld in ("example", "net", "org")}
    zones[BRAND] = plan_zone(plan)
    with KnotServer.start(directory, zones) as knot:
        yield Stack(plan, knot, config_path)


# -- building messages ---------------------------------------------------------------------


def message(
    *,
    sender: str = "Acme <news@acme.example>",
    return_path: str | None = "<bounce-42@mail.acme.example>",
    category: str | None = "newsletter",
    one_click: bool = True,
    category_header: str = "X-Sendlanes-Category",
    body: str = "Hello,\r\nthis week's offers.\r\n",
) -> bytes:
    lines = []
    if return_path is not None:
        lines.append(f"Return-Path: {return_path}")
    lines += [
        f"From: {sender}",
        "To: reader@example.net",
        "Subject: This week at Acme",
        "Date: Mon, 23 Nov 2026 09:00:00 +0000",
        "Message-ID: <20261123090000.42@mail.acme.example>",
    ]
    if category is not None:
        lines.append(f"{category_header}: {category}")
    if one_click:
        lines.append(
            "List-Unsubscribe: <https://links.acme.example/u/42>, <mailto:u-42@acme.example>"
        )
        lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def sign(raw: bytes, key: SigningKey, headers: Sequence[bytes] = SIGNED) -> bytes:
    present = [h for h in headers if raw.lower().find(b"\n" + h + b":") >= 0]
    signature: bytes = dkim.sign(
        raw,
        key.selector.encode(),
        key.domain.encode(),
        key.private_pem,
        include_headers=present,
    )
    return signature + raw


def analyze(stack: Stack, raw: bytes, **options: Any) -> HeadersReport:
    resolver = Resolver(nameservers=[stack.knot.address], timeout=0.5, lifetime=2)
    return analyze_message(
        raw, lookup=resolver, lanes=stack.plan.lanes(), catalog=stack.plan.catalog, **options
    )


def status(report: HeadersReport, check: str) -> CheckStatus:
    return next(c.status for c in report.checks if c.check == check)


def detail(report: HeadersReport, check: str) -> str:
    return next(c.detail for c in report.checks if c.check == check)


# -- aligned mail passes ---------------------------------------------------------------------


def test_aligned_newsletter_from_the_promotional_lane_passes_every_check(stack: Stack) -> None:
    report = analyze(stack, sign(message(), PROMOS))
    assert report.lane is not None and report.lane.key == "acme/promos"
    assert {c.check: c.status for c in report.checks} == {
        "from": CheckStatus.PASS,
        "lane": CheckStatus.PASS,
        "dkim": CheckStatus.PASS,
        "dkim-alignment": CheckStatus.PASS,
        "spf-alignment": CheckStatus.PASS,
        "dmarc": CheckStatus.PASS,
        "one-click-unsubscribe": CheckStatus.PASS,
        "category": CheckStatus.PASS,
    }
    assert "DKIM d=mail.acme.example (verified)" in detail(report, "lane")
    assert "Return-Path bounce-42@mail.acme.example" in detail(report, "lane")
    assert not report.failed


def test_receipt_on_the_transactional_lane_needs_no_one_click(stack: Stack) -> None:
    raw = message(
        sender="Acme Orders <orders@receipts.acme.example>",
        return_path="<pm_bounces@pm-bounces.receipts.acme.example>",
        category="order_confirmation",
        one_click=False,
    )
    report = analyze(stack, sign(raw, RECEIPTS))
    assert report.lane is not None and report.lane.key == "acme/receipts"
    assert status(report, "one-click-unsubscribe") is CheckStatus.SKIP
    assert status(report, "dmarc") is CheckStatus.PASS
    # The lane publishes aspf relaxed: the bounce host aligns with the From domain.
    assert status(report, "spf-alignment") is CheckStatus.PASS
    assert not report.failed


def test_json_names_the_lane_and_each_signature(stack: Stack) -> None:
    document = analyze(stack, sign(message(), PROMOS)).to_json()
    assert document["lane"] == {"brand": "acme", "lane": "promos", "kind": "promotional"}
    assert document["message"]["from_domain"] == "acme.example"
    assert document["message"]["spf_domain"] == "mail.acme.example"
    assert document["message"]["category"] == {
        "header": "X-Sendlanes-Category",
        "value": "newsletter",
    }
    [signature] = document["message"]["dkim"]
    assert (signature["domain"], signature["selector"], signature["result"]) == (
        "mail.acme.example",
        "pr1",
        "pass",
    )
    assert set(document["checks"][0]) == {"check", "status", "detail"}


# -- alignment -------------------------------------------------------------------------------


def test_strict_adkim_lane_signing_for_the_brand_domain_does_not_align(stack: Stack) -> None:
    # receipts publishes adkim=s: d=receipts.acme.example is not From acme.example.
    raw = message(
        sender="Acme Orders <orders@acme.example>",
        return_path="<pm_bounces@pm-bounces.receipts.acme.example>",
        category="password_reset",
        one_click=False,
    )
    report = analyze(stack, sign(raw, RECEIPTS))
    assert status(report, "dkim") is CheckStatus.PASS
    assert status(report, "dkim-alignment") is CheckStatus.WARN
    assert "adkim=s, strict; lane acme/receipts" in detail(report, "dkim-alignment")
    # Relaxed SPF alignment still holds, so DMARC can pass, but only through SPF.
    assert status(report, "spf-alignment") is CheckStatus.PASS
    assert status(report, "dmarc") is CheckStatus.WARN


def test_from_domain_of_another_organization_fails_dmarc(stack: Stack) -> None:
    raw = message(sender="Partner <news@example.net>")
    report = analyze(stack, sign(raw, PROMOS))
    assert status(report, "dkim") is CheckStatus.PASS
    assert status(report, "dkim-alignment") is CheckStatus.WARN
    assert status(report, "spf-alignment") is CheckStatus.WARN
    assert status(report, "dmarc") is CheckStatus.FAIL
    assert "From example.net" in detail(report, "dmarc")
    assert report.failed


def test_two_author_addresses_fail_the_from_check_and_dmarc(stack: Stack) -> None:
    raw = message(sender="news@acme.example, other@example.net")
    report = analyze(stack, sign(raw, PROMOS))
    assert status(report, "from") is CheckStatus.FAIL
    assert status(report, "dmarc") is CheckStatus.FAIL


# -- DKIM ------------------------------------------------------------------------------------


def test_tampered_body_fails_dkim_and_dmarc_falls_back_to_spf(stack: Stack) -> None:
    signed = sign(message(), PROMOS)
    tampered = signed.replace(b"this week's offers", b"this week's 0ffers")
    report = analyze(stack, tampered)
    assert status(report, "dkim") is CheckStatus.FAIL
    assert "body hash mismatch" in detail(report, "dkim")
    assert status(report, "dkim-alignment") is CheckStatus.WARN
    assert status(report, "dmarc") is CheckStatus.WARN
    # The lane is still known from the (unverified) d= and the Return-Path.
    assert report.lane is not None and report.lane.key == "acme/promos"
    # One-click fields are no longer covered by a *verified* signature (RFC 8058 §4).
    assert status(report, "one-click-unsubscribe") is CheckStatus.FAIL
    assert report.failed


def test_changed_signed_header_fails_dkim(stack: Stack) -> None:
    signed = sign(message(), PROMOS)
    report = analyze(stack, signed.replace(b"This week at Acme", b"This week at Acme!!"))
    assert status(report, "dkim") is CheckStatus.FAIL
    assert "b= does not verify" in detail(report, "dkim")


def test_signature_with_an_unpublished_selector_is_a_permanent_failure(stack: Stack) -> None:
    report = analyze(stack, sign(message(), UNPUBLISHED))
    assert status(report, "dkim") is CheckStatus.FAIL
    assert "no key at gone._domainkey.mail.acme.example (NXDOMAIN" in detail(report, "dkim")


def test_unsigned_message_fails_dkim(stack: Stack) -> None:
    report = analyze(stack, message(return_path=None))
    assert status(report, "dkim") is CheckStatus.FAIL
    assert detail(report, "dkim") == "no DKIM-Signature header field"
    assert status(report, "spf-alignment") is CheckStatus.SKIP
    assert status(report, "dmarc") is CheckStatus.FAIL


def test_unreachable_name_server_gives_no_verdict_instead_of_a_failure(stack: Stack) -> None:
    raw = sign(message(), PROMOS)
    silent = Resolver(nameservers=[("127.0.0.1", 9)], timeout=0.05, lifetime=0.2)
    report = analyze_message(
        raw, lookup=silent, lanes=stack.plan.lanes(), catalog=stack.plan.catalog
    )
    assert status(report, "dkim") is CheckStatus.ERROR
    assert not report.failed and report.errored


def test_rsa_sha1_signature_is_refused(stack: Stack) -> None:
    raw = message()
    present = [h for h in SIGNED if raw.lower().find(b"\n" + h + b":") >= 0]
    signature = dkim.sign(
        raw,
        PROMOS.selector.encode(),
        PROMOS.domain.encode(),
        PROMOS.private_pem,
        include_headers=present,
        signature_algorithm=b"rsa-sha1",
    )
    report = analyze(stack, signature + raw)
    assert status(report, "dkim") is CheckStatus.FAIL
    assert "RFC 8301" in detail(report, "dkim")


def test_ed25519_and_rsa_signatures_are_both_verified(stack: Stack) -> None:
    pytest.importorskip("nacl", reason="dkimpy verifies ed25519 (RFC 8463) with PyNaCl")
    rsa_signed = sign(message(), PROMOS)
    ed = PROMOS_ED25519
    present = [h for h in SIGNED if rsa_signed.lower().find(b"\n" + h + b":") >= 0]
    ed_signature = dkim.sign(
        rsa_signed,
        ed.selector.encode(),
        ed.domain.encode(),
        ed.seed_b64,
        include_headers=present,
        signature_algorithm=b"ed25519-sha256",
    )
    report = analyze(stack, ed_signature + rsa_signed)
    assert [v.signature.algorithm for v in report.verdicts] == ["ed25519-sha256", "rsa-sha256"]
    assert [c.status for c in report.checks if c.check == "dkim"] == [CheckStatus.PASS] * 2
    tampered = analyze(stack, (ed_signature + rsa_signed).replace(b"offers", b"offerz"))
    assert [c.status for c in tampered.checks if c.check == "dkim"] == [CheckStatus.FAIL] * 2


# -- one-click unsubscribe -------------------------------------------------------------------


def test_promotional_message_without_one_click_headers_fails(stack: Stack) -> None:
    report = analyze(stack, sign(message(one_click=False), PROMOS))
    assert status(report, "one-click-unsubscribe") is CheckStatus.FAIL
    text = detail(report, "one-click-unsubscribe")
    assert "no List-Unsubscribe header field" in text
    assert "no List-Unsubscribe-Post: List-Unsubscribe=One-Click" in text
    assert report.failed


def test_lifecycle_message_needs_one_click_too(stack: Stack) -> None:
    raw = message(
        sender="Acme <hello@notify.acme.example>",
        return_path="<b@notify.acme.example>",
        category="cart_abandon",
        one_click=False,
    )
    report = analyze(stack, sign(raw, REVENUE))
    assert report.lane is not None and report.lane.key == "acme/revenue"
    assert status(report, "one-click-unsubscribe") is CheckStatus.FAIL


def test_one_click_headers_outside_the_signature_fail(stack: Stack) -> None:
    unsigned_fields = [h for h in SIGNED if h not in ONE_CLICK_HEADERS]
    report = analyze(stack, sign(message(), PROMOS, headers=unsigned_fields))
    assert status(report, "dkim") is CheckStatus.PASS
    assert status(report, "one-click-unsubscribe") is CheckStatus.FAIL
    assert "RFC 8058 §4" in detail(report, "one-click-unsubscribe")


def test_mailto_only_list_unsubscribe_is_not_one_click(stack: Stack) -> None:
    raw = message().replace(
        b"<https://links.acme.example/u/42>, <mailto:u-42@acme.example>",
        b"<mailto:u-42@acme.example>",
    )
    report = analyze(stack, sign(raw, PROMOS))
    assert status(report, "one-click-unsubscribe") is CheckStatus.FAIL
    assert "https" in detail(report, "one-click-unsubscribe")


# -- lane and category -----------------------------------------------------------------------


def test_password_reset_through_the_promotional_lane_is_a_mismatch(stack: Stack) -> None:
    report = analyze(stack, sign(message(category="password_reset"), PROMOS))
    assert status(report, "category") is CheckStatus.FAIL
    assert detail(report, "category").startswith(
        "a transactional message (X-Sendlanes-Category: password_reset) left through "
        "acme/promos, a promotional lane"
    )
    assert report.failed


def test_category_header_name_is_configurable(stack: Stack) -> None:
    raw = sign(message(category="sale", category_header="X-Cio-Category"), PROMOS)
    default = analyze(stack, raw)
    assert status(default, "category") is CheckStatus.WARN
    assert "no X-Sendlanes-Category header field" in detail(default, "category")
    custom = analyze(stack, raw, category_header="X-Cio-Category")
    # "sale" is promotional, but this lane does not list it among its categories.
    assert status(custom, "category") is CheckStatus.WARN
    assert "not among its categories" in detail(custom, "category")


def test_unknown_category_is_a_warning(stack: Stack) -> None:
    report = analyze(stack, sign(message(category="weekly_digest"), PROMOS))
    assert status(report, "category") is CheckStatus.WARN
    assert "not a known category" in detail(report, "category")


def test_identifiers_of_two_lanes_fail_the_lane_check(stack: Stack) -> None:
    # Signed by the promotional lane but bounced through the transactional one.
    raw = message(return_path="<pm_bounces@pm-bounces.receipts.acme.example>")
    report = analyze(stack, sign(raw, PROMOS))
    assert report.lane is not None and report.lane.key == "acme/promos"
    assert status(report, "lane") is CheckStatus.FAIL
    assert "belongs to acme/receipts" in detail(report, "lane")


def test_message_from_no_lane_fails_the_lane_check(stack: Stack) -> None:
    outsider = signing_key("x1", "example.org")
    raw = message(sender="someone@example.org", return_path="<b@example.org>")
    report = analyze(stack, sign(raw, outsider))
    assert report.lane is None
    assert status(report, "lane") is CheckStatus.FAIL
    assert "none of the stack's 3 lanes" in detail(report, "lane")
    assert status(report, "category") is CheckStatus.SKIP


def test_without_a_stack_lane_checks_are_skipped(stack: Stack) -> None:
    resolver = Resolver(nameservers=[stack.knot.address], timeout=0.5, lifetime=2)
    report = analyze_message(sign(message(), PROMOS), lookup=resolver)
    assert report.lane is None
    assert status(report, "lane") is CheckStatus.SKIP
    assert status(report, "dmarc") is CheckStatus.PASS
    assert "no lane identified, default" in detail(report, "dkim-alignment")


def test_lane_for_domain_prefers_the_most_specific_lane(stack: Stack) -> None:
    lanes = stack.plan.lanes()
    lane = lane_for_domain("em1.mail.acme.example", lanes)
    assert lane is not None and lane.key == "acme/promos"
    assert lane_for_domain("acme.example", lanes) is None
    envelope = lane_for_domain("pm-bounces.receipts.acme.example", lanes, envelope=True)
    assert envelope is not None and envelope.key == "acme/receipts"


def test_reading_a_message_never_raises_on_odd_headers() -> None:
    facts = read_message(b"From: \r\nDKIM-Signature: garbage\r\nReturn-Path: <>\r\n\r\n")
    assert facts.from_domain is None
    assert facts.spf_domain is None
    assert facts.signatures[0].domain == ""
