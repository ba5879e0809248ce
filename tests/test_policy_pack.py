"""The policy pack over its real analyzer gRPC protocol, fed with the resources the Pulumi
program registers under the mock runtime, and held to agree with `sendlanes lint`.

The pack is started the way the engine starts it (a Python process that prints its port) from
a directory that is not the project, and spoken to with the engine's own protobuf messages.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import StackValidationPolicy

from components import tokens
from policies import _pack, _policy, _servicer
from sendlanes.cli import main as sendlanes_main
from sendlanes.rules.model import Scope
from sendlanes.rules.registry import RULES
from tests.rules.helpers import weak_rsa_public_key
from tests.rules.pack_client import (
    PACK_DIR,
    RunningPack,
    configure_request,
    pack_results,
    stack_request,
    start_pack,
)
from tests.support.pulumi_mocks import (
    UNKNOWN,
    ProgramConfig,
    ProgramRequest,
    ProgramRun,
    run_programs,
)
from tests.support.stacks import bundled_config, lane, rsa_public_key

Document = dict[str, Any]
Expected = list[tuple[str, str, str | None, str | None, str | None]]

WARMUP_ADVICE = ("new-lane-has-warmup", "advisory", "acme", "receipts", None)


# -- the cases: a config mutation and exactly what both tools must report -------------------


def _nested(d: Document) -> None:
    lane(d, "promos")["subdomain"] = "mail.receipts"


def _shared_login(d: Document) -> None:
    lane(d, "revenue")["smtp"] = {"host": "smtp.postmarkapp.com", "port": 587, "username": "tok-1"}
    lane(d, "receipts")["smtp"]["username"] = "tok-1"


def _shared_dkim_key(d: Document) -> None:
    promos = lane(d, "promos")
    promos.pop("sendgrid")
    promos["provider"] = "mailjet"
    promos["mailjet"] = {"dkimPublicKey": lane(d, "receipts")["postmark"]["dkimPublicKey"]}


def _promo_on_receipts(d: Document) -> None:
    lane(d, "receipts")["categories"].append("newsletter")


def _no_fallback(d: Document) -> None:
    lane(d, "receipts")["customerio"]["messageTypes"] = ["transactional"]


def _promotional_fallback(d: Document) -> None:
    _no_fallback(d)
    lane(d, "promos")["customerio"]["messageTypes"].append("all_emails")


def _five_lanes(d: Document) -> None:
    lanes = d["config"]["sendlanes:brands"][0]["lanes"]
    for name, provider in (("alerts", "mandrill"), ("digest", "brevo")):
        lanes.append(
            {
                "name": name,
                "kind": "lifecycle",
                "subdomain": name,
                "provider": provider,
                "unsubscribe": {"oneClick": True},
            }
        )


def _port_25(d: Document) -> None:
    lane(d, "receipts")["smtp"]["port"] = 25


def _no_tls(d: Document) -> None:
    lane(d, "revenue")["smtp"]["tls"] = "none"


def _receipts_key(bits: int) -> Callable[[Document], None]:
    def change(d: Document) -> None:
        key = weak_rsa_public_key(bits) if bits < 1024 else rsa_public_key(bits)
        lane(d, "receipts")["postmark"]["dkimPublicKey"] = key

    return change


def _no_dmarc(d: Document) -> None:
    d["config"]["sendlanes:brands"][0].pop("dmarc")
    lane(d, "receipts").pop("dmarc")


def _external_rua(d: Document) -> None:
    d["config"]["sendlanes:brands"][0]["dmarc"]["rua"] = ["mailto:agg@reports.example.net"]


def _no_one_click(d: Document) -> None:
    lane(d, "promos").pop("unsubscribe")


def _postmark_promos_on_transactional_host(d: Document) -> None:
    promos = lane(d, "promos")
    promos.pop("sendgrid")
    promos["provider"] = "postmark"
    promos["postmark"] = {"dkimSelector": "pm2", "dkimPublicKey": rsa_public_key(2048)}
    promos["smtp"] = {"host": "smtp.postmarkapp.com", "port": 587, "username": "tok-2"}


def _tracking_on_return_path(d: Document) -> None:
    d["config"]["sendlanes:brands"][0]["customerio"]["trackingHost"] = "em5945.mail"


DKIM_RECORD = "20261101pm._domainkey.receipts.acme.example"

CASES: dict[str, tuple[Callable[[Document], None] | None, Any, Expected]] = {
    "bundled": (None, None, [WARMUP_ADVICE]),
    "nested-lane": (
        _nested,
        None,
        [("lane-subdomains-distinct", "mandatory", "acme", "promos", None)],
    ),
    "shared-login": (
        _shared_login,
        None,
        [("lane-kinds-separate-smtp-credentials", "mandatory", "acme", "revenue", None)],
    ),
    "shared-dkim-key": (
        _shared_dkim_key,
        None,
        [
            (
                "lane-kinds-separate-dkim",
                "mandatory",
                "acme",
                "promos",
                "mailjet._domainkey.mail.acme.example",
            )
        ],
    ),
    "promo-on-receipts": (
        _promo_on_receipts,
        None,
        [
            ("category-intent-matches-lane-kind", "mandatory", "acme", "receipts", None),
            ("category-routed-exactly-once", "mandatory", "acme", "promos", None),
        ],
    ),
    "no-fallback": (
        _no_fallback,
        None,
        [("customerio-single-fallback-server", "mandatory", "acme", None, None)],
    ),
    "promotional-fallback": (
        _promotional_fallback,
        None,
        [("customerio-fallback-not-promotional", "mandatory", "acme", "promos", None)],
    ),
    "five-lanes": (
        _five_lanes,
        None,
        [
            ("customerio-at-most-four-servers", "mandatory", "acme", None, None),
            ("new-lane-has-warmup", "advisory", "acme", "alerts", None),
            ("new-lane-has-warmup", "advisory", "acme", "digest", None),
        ],
    ),
    "tracking-on-return-path": (
        _tracking_on_return_path,
        None,
        [("cname-stands-alone", "mandatory", "acme", None, "em5945.mail.acme.example")],
    ),
    "port-25": (_port_25, None, [("smtp-port-allowed", "mandatory", "acme", "receipts", None)]),
    "no-tls": (_no_tls, None, [("smtp-tls-required", "mandatory", "acme", "revenue", None)]),
    "768-bit-dkim": (
        _receipts_key(768),
        None,
        [("dkim-key-strength", "mandatory", "acme", "receipts", DKIM_RECORD)],
    ),
    "1024-bit-dkim": (
        _receipts_key(1024),
        None,
        [("dkim-key-strength-recommended", "advisory", "acme", "receipts", DKIM_RECORD)],
    ),
    "no-dmarc": (
        _no_dmarc,
        None,
        [
            ("dmarc-present-and-valid", "mandatory", "acme", name, None)
            for name in ("receipts", "revenue", "promos")
        ],
    ),
    "external-rua": (
        _external_rua,
        None,
        [
            ("dmarc-reporting", "advisory", "acme", name, f"_dmarc.{fqdn}")
            for name, fqdn in (
                ("receipts", "receipts.acme.example"),
                ("revenue", "notify.acme.example"),
                ("promos", "mail.acme.example"),
            )
        ],
    ),
    "no-one-click": (
        _no_one_click,
        None,
        [("bulk-lanes-one-click-unsubscribe", "mandatory", "acme", "promos", None)],
    ),
    "postmark-transactional-host": (
        _postmark_promos_on_transactional_host,
        None,
        [("postmark-promotional-uses-broadcast-stream", "mandatory", "acme", "promos", None)],
    ),
    "policy-config": (
        None,
        {
            "smtp-port-allowed": {"enforcementLevel": "advisory", "allowedPorts": [465]},
            "new-lane-has-warmup": "disabled",
        },
        [
            ("smtp-port-allowed", "advisory", "acme", name, None)
            for name in ("receipts", "revenue", "promos")
        ],
    ),
}


def case_document(name: str) -> Document:
    change = CASES[name][0]
    document = bundled_config()
    if change is not None:
        change(document)
    return document


def expected(name: str) -> Expected:
    found = list(CASES[name][2])
    if name not in ("bundled", "policy-config") and WARMUP_ADVICE not in found:
        found.append(WARMUP_ADVICE)  # the bundled receipts lane has no warm-up
    return sorted(found)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs() -> dict[str, ProgramRun]:
    """Every case's program run (one interpreter for all), plus a 100-brand stack."""
    requests = []
    for name in CASES:
        brands = case_document(name)["config"]["sendlanes:brands"]
        requests.append(ProgramRequest(ProgramConfig.from_values(brands=brands)))
    done = run_programs(requests)
    for name, run in zip(CASES, done, strict=True):
        assert run.error is None, f"{name}: {run.error}\n{run.traceback}"
    return dict(zip(CASES, done, strict=True))


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPack]:
    running = start_pack(tmp_path_factory.mktemp("pack"))
    try:
        yield running
    finally:
        running.stop()
    assert "Traceback" not in running.stderr(), running.stderr()


@pytest.fixture(autouse=True)
def fresh_config(pack: RunningPack) -> Iterator[None]:
    # Configure() state lives in the server process: start every test from defaults.
    pack.configure({})
    yield
    pack.configure({})


# -- GetAnalyzerInfo --------------------------------------------------------------------------


def test_pack_starts_fast_and_lists_every_rule_with_its_level(pack: RunningPack) -> None:
    assert pack.started_in < 5
    info = pack.info()
    assert info.name == "sendlanes" and info.supportsConfig
    by_name = {p.name: p for p in info.policies}
    assert list(by_name) == [rule.id for rule in RULES]
    for rule in RULES:
        policy = by_name[rule.id]
        assert policy.description == rule.description
        assert policy.remediation_steps == rule.remediation
        expected_level = (
            analyzer_pb2.MANDATORY if rule.level == "mandatory" else analyzer_pb2.ADVISORY
        )
        assert policy.enforcementLevel == expected_level, rule.id
        kind = (
            analyzer_pb2.POLICY_TYPE_STACK
            if rule.scope is Scope.STACK
            else analyzer_pb2.POLICY_TYPE_RESOURCE
        )
        assert policy.policy_type == kind, rule.id
    ports = by_name["smtp-port-allowed"].configSchema.properties["allowedPorts"]
    assert ports["type"] == "array" and ports["items"]["not"]["const"] == 25


def test_pack_starts_as_the_engine_starts_it(tmp_path: Path) -> None:
    # `pulumi preview --policy-pack policies` runs `python -m pulumi.policy ADDRESS DIR`.
    command = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(PACK_DIR)]
    running = start_pack(tmp_path, command)
    try:
        assert len(running.info().policies) == len(RULES)
    finally:
        running.stop()


# -- Analyze + AnalyzeStack vs lint -----------------------------------------------------------


def lint_results(document: Document, policy_config: Any, tmp_path: Path) -> list[tuple[Any, ...]]:
    stack = tmp_path / "Pulumi.case.yaml"
    stack.write_text(yaml.safe_dump(document, sort_keys=False))
    argv = ["lint", "--config", str(stack), "--format", "json"]
    if policy_config is not None:
        policy = tmp_path / "policy-config.json"
        policy.write_text(json.dumps(policy_config))
        argv += ["--policy-config", str(policy)]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = sendlanes_main(argv)
    assert code in (0, 1), err.getvalue()
    findings = json.loads(out.getvalue())["findings"]
    return sorted((f["rule"], f["level"], f["brand"], f["lane"], f.get("record")) for f in findings)


@pytest.mark.parametrize("name", list(CASES))
def test_lint_and_pack_report_exactly_the_expected_violations(
    name: str, runs: dict[str, ProgramRun], pack: RunningPack, tmp_path: Path
) -> None:
    policy_config = CASES[name][1]
    from_lint = lint_results(case_document(name), policy_config, tmp_path)
    pack.configure(policy_config)
    diagnostics = pack.analyze_everything(runs[name])
    from_pack = pack_results(diagnostics, runs[name])
    assert from_pack == from_lint
    assert from_lint == expected(name)
    assert all(d.urn for d in diagnostics), "every diagnostic names a resource"


def test_bundled_stack_has_no_mandatory_violation(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    diagnostics = pack.analyze_everything(runs["bundled"])
    assert [d for d in diagnostics if d.level == "mandatory"] == []


def test_diagnostics_name_the_lane_or_record_urn(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["768-bit-dkim"]
    [record] = [
        r for r in run.of_type(tokens.DNS_RECORD) if r.inputs[tokens.RECORD_NAME] == DKIM_RECORD
    ]
    [diagnostic] = [d for d in pack.analyze(record) if d.level == "mandatory"]
    assert diagnostic.policy == "dkim-key-strength" and diagnostic.urn == record.urn
    assert diagnostic.message.startswith(diagnostic.description + "\n")
    assert "768 bits" in diagnostic.message
    [revenue] = [r for r in runs["no-tls"].of_type(tokens.SENDING_LANE) if r.name == "acme-revenue"]
    found = [d for d in pack.analyze(revenue) if d.level == "mandatory"]
    assert [(d.policy, d.urn) for d in found] == [("smtp-tls-required", revenue.urn)]
    stack = [
        d for d in pack.analyze_stack(runs["shared-login"].resources) if d.level == "mandatory"
    ]
    assert [(d.policy, d.urn) for d in stack] == [
        ("lane-kinds-separate-smtp-credentials", revenue.urn)
    ]


def test_brand_wide_violation_names_the_brand(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["no-fallback"]
    [brand] = run.of_type(tokens.BRAND)
    found = [d for d in pack.analyze_stack(run.resources) if d.level == "mandatory"]
    assert [(d.policy, d.urn) for d in found] == [("customerio-single-fallback-server", brand.urn)]


# -- AnalyzeStack reads the stack once, and answers as pulumi_policy's own servicer -----------


def _servicers(config: Any) -> tuple[Any, Any]:
    """pulumi_policy's servicer and the pack's, in process, both configured with *config*."""
    levels = {p.name: p.enforcement_level.value for p in _pack.POLICIES}
    built = []
    for servicer in (_servicer.LIBRARY_SERVICER, _servicer.SharedStackServicer):
        one = servicer(_pack.NAME, "0.0.1", _pack.POLICIES, _pack.ENFORCEMENT_LEVEL)
        one.Configure(configure_request(config, levels), None)
        one.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(tags={"team": "mail"}), None)
        built.append(one)
    return built[0], built[1]


def test_the_installed_pulumi_policy_supports_the_shared_servicer() -> None:
    # When this fails, the pack still works with the library's servicer, only more slowly.
    assert _servicer.supported()


def _stack_facts_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    build = _policy.stack_facts

    def counted(resources: Any, records: bool = True) -> Any:
        builds.append(len(resources))
        return build(resources, records=records)

    monkeypatch.setattr(_policy, "stack_facts", counted)
    return builds


LEVELS_CHANGED = {
    "lane-kinds-separate-smtp-credentials": "disabled",
    "category-routed-exactly-once": "advisory",
}


@pytest.mark.parametrize(
    ("name", "policy_config"),
    [
        ("bundled", None),
        ("shared-login", None),
        ("no-fallback", None),
        ("no-dmarc", None),
        ("external-rua", None),
        ("shared-login", LEVELS_CHANGED),
    ],
)
def test_shared_servicer_answers_as_the_library_servicer(
    name: str, policy_config: Any, runs: dict[str, ProgramRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = runs[name]
    library, shared = _servicers(policy_config)
    request = stack_request(run.resources)
    builds = _stack_facts_builds(monkeypatch)
    expected = library.AnalyzeStack(request, None)
    enabled = [
        p
        for p in _pack.POLICIES
        if isinstance(p, StackValidationPolicy) and (policy_config or {}).get(p.name) != "disabled"
    ]
    assert len(builds) == len(enabled)  # the library's servicer: one conversion per policy
    builds.clear()
    answer = shared.AnalyzeStack(request, None)
    assert answer == expected
    assert 1 <= len(builds) <= 2  # once with records, once without


def test_shared_servicer_reports_unknowns_as_the_library_servicer(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["shared-login"]
    [promos] = [r for r in run.of_type(tokens.SENDING_LANE) if r.name == "acme-promos"]
    smtp = {**promos.wire_inputs[tokens.LANE_SMTP], tokens.SMTP_USERNAME: UNKNOWN}
    request = stack_request(
        run.resources, {promos.urn: {**promos.wire_inputs, tokens.LANE_SMTP: smtp}}
    )
    library, shared = _servicers({})
    expected = library.AnalyzeStack(request, None)
    assert any("during preview" in d.message for d in expected.diagnostics)
    assert shared.AnalyzeStack(request, None) == expected


# -- what only the engine can show ------------------------------------------------------------


def _record(run: ProgramRun, name: str, record_type: str) -> Any:
    return next(
        r
        for r in run.of_type(tokens.DNS_RECORD)
        if r.inputs[tokens.RECORD_NAME] == name and r.inputs[tokens.RECORD_TYPE] == record_type
    )


@pytest.mark.parametrize("with_parent", [True, False], ids=["parent-given", "urn-only"])
def test_proxied_mail_record_is_rejected(
    runs: dict[str, ProgramRun], pack: RunningPack, with_parent: bool
) -> None:
    # A return-path CNAME looks like any CNAME; that a lane owns it shows in its URN.
    record = _record(runs["bundled"], "pm-bounces.receipts.acme.example", "CNAME")
    proxied = {**record.wire_inputs, tokens.RECORD_PROXIED: True}
    found = [d for d in pack.analyze(record, proxied, with_parent) if d.level == "mandatory"]
    assert [(d.policy, d.urn) for d in found] == [("mail-records-not-proxied", record.urn)]


def test_second_spf_record_published_outside_the_lanes_is_rejected(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["bundled"]
    spf = _record(run, "bounce.notify.acme.example", "TXT")
    extra = _clone(
        spf, "hand-written-spf", run.stack_urn, content='"v=spf1 include:_spf.google.com ~all"'
    )
    found = pack.analyze_stack([*run.resources, extra])
    mandatory = [(d.policy, d.urn) for d in found if d.level == "mandatory"]
    assert mandatory == [("spf-single-record", extra.urn)]


def test_spf_past_the_lookup_budget_is_rejected(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    spf = _record(runs["bundled"], "bounce.notify.acme.example", "TXT")
    content = (
        '"v=spf1 a mx include:mailgun.org include:sendgrid.net include:amazonses.com '
        'a:x.example ~all"'
    )
    found = pack.analyze(spf, {**spf.wire_inputs, tokens.RECORD_CONTENT: content})
    assert [(d.policy, d.level) for d in found] == [("spf-lookup-budget", "mandatory")]
    assert "needs 11 DNS lookups" in found[0].message


def test_decreasing_warmup_in_engine_properties_is_rejected(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["bundled"]
    [revenue] = [r for r in run.of_type(tokens.SENDING_LANE) if r.name == "acme-revenue"]
    warmup = {tokens.WARMUP_START: "2026-12-01", tokens.WARMUP_DAILY_LIMITS: [5000, 1000]}
    props = {**revenue.wire_inputs, tokens.LANE_WARMUP: warmup}
    found = pack.analyze(revenue, props)
    mandatory = [(d.policy, d.urn) for d in found if d.level == "mandatory"]
    assert mandatory == [("warmup-schedule-valid", revenue.urn)]


def test_unknown_preview_values_give_an_advisory_notice_not_a_crash(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["shared-login"]
    [promos] = [r for r in run.of_type(tokens.SENDING_LANE) if r.name == "acme-promos"]
    smtp = {**promos.wire_inputs[tokens.LANE_SMTP], tokens.SMTP_USERNAME: UNKNOWN}
    found = pack.analyze_stack(
        run.resources, {promos.urn: {**promos.wire_inputs, tokens.LANE_SMTP: smtp}}
    )
    credentials = [d for d in found if d.policy == "lane-kinds-separate-smtp-credentials"]
    # The known shared login is still reported; the unknown one is a preview notice.
    assert sorted(d.level for d in credentials) == ["advisory", "mandatory"]
    notice = next(d for d in credentials if d.level == "advisory")
    assert "during preview" in notice.message and "smtp.username" in notice.message
    # Rules that do not read SMTP settings are not held up.
    assert not any(d.policy == "lane-subdomains-distinct" for d in found)
    record = _record(run, "bounce.notify.acme.example", "TXT")
    unknown_content = {**record.wire_inputs, tokens.RECORD_CONTENT: UNKNOWN}
    notices = pack.analyze(record, unknown_content)
    assert notices and all(d.level == "advisory" and "preview" in d.message for d in notices)


def test_secret_values_on_the_wire_are_judged_and_not_echoed(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    run = runs["shared-login"]
    secret = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": "tok-1",
    }
    overrides = {}
    for lane_resource in run.of_type(tokens.SENDING_LANE):
        smtp = dict(lane_resource.wire_inputs[tokens.LANE_SMTP])
        if smtp.get(tokens.SMTP_USERNAME) == "tok-1":
            smtp[tokens.SMTP_USERNAME] = secret
            overrides[lane_resource.urn] = {**lane_resource.wire_inputs, tokens.LANE_SMTP: smtp}
    found = pack.analyze_stack(run.resources, overrides)
    [shared] = [d for d in found if d.policy == "lane-kinds-separate-smtp-credentials"]
    assert "tok-1" not in shared.message


def test_bad_pack_config_is_a_clear_violation(
    runs: dict[str, ProgramRun], pack: RunningPack
) -> None:
    pack.configure({"smtp-port-allowed": {"allowedPorts": [587, 25]}})
    [receipts, *_] = runs["bundled"].of_type(tokens.SENDING_LANE)
    found = [d for d in pack.analyze(receipts) if d.policy == "smtp-port-allowed"]
    assert len(found) == 1
    assert (
        "invalid policy config for smtp-port-allowed: allowedPorts: port 25 cannot be allowed"
        in (found[0].message)
    )


def test_disabled_rule_reports_nothing(runs: dict[str, ProgramRun], pack: RunningPack) -> None:
    pack.configure({"smtp-port-allowed": "disabled"})
    found = pack.analyze_everything(runs["port-25"])
    assert not any(d.policy == "smtp-port-allowed" for d in found)


def _clone(resource: Any, name: str, stack_urn: str, **inputs: Any) -> Any:
    """A copy of a DnsRecord registered at the top of the stack, outside every lane."""
    prefix = resource.urn.split("::", 1)[0]
    urn = f"{prefix}::sendlanes::{tokens.DNS_RECORD}::{name}"
    wire = {**resource.wire_inputs, **inputs}
    return dataclasses.replace(resource, name=name, urn=urn, parent=stack_urn, wire_inputs=wire)
