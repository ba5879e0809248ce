"""The Pulumi program, run under Pulumi's mock runtime against the bundled stack.

The Pulumi CLI is not installed on these machines: these runs exercise the program and the
SDK (registration, serialization, secrets) against a recording mock monitor, not the engine.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import tokens
from tests.support.pulumi_mocks import (
    PROJECT_ROOT,
    ProgramConfig,
    ProgramRequest,
    ProgramRun,
    Secret,
    contains_text,
    reveal,
    run_program,
    run_programs,
    secret_free_text,
)

PROD = PROJECT_ROOT / "Pulumi.prod.yaml"
PASSWORDS = {"acme/receipts": "pw-Receipts-7f3a9c", "acme/revenue": "pw-Revenue-51d0e2"}
# Records of Pulumi.prod.yaml: Postmark DKIM + return path + DMARC; SES 3 DKIM + MX + SPF +
# DMARC; SendGrid return path + 2 DKIM + 2 link branding + DMARC; the brand's tracking CNAME.
PROD_RECORDS = 3 + 6 + 6 + 1 + 3  # lanes, tracking CNAME, report authorizations


def _stack_dir(base: Path, document: dict[str, Any]) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    (base / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return base


def _prod_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(PROD.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ProgramRun]:
    root = tmp_path_factory.mktemp("stacks")
    # Passwords only in the engine's config (as from an ESC environment or stackConfigDir):
    # the working directory holds no stack file at all.
    no_stack_file = root / "no-stack-file"
    no_stack_file.mkdir()
    prod = _prod_document()["config"]
    with_passwords = ProgramRequest(
        ProgramConfig.from_values(
            prod["sendlanes:brands"],
            passwords={**PASSWORDS, "acme/gone": "pw-Gone-0000"},
        ),
        work_dir=no_stack_file,
    )
    broken = _prod_document()
    lanes = broken["config"]["sendlanes:brands"][0]["lanes"]
    lanes[0]["smtp"]["port"] = "submission"
    lanes[1]["kind"] = "bulk"
    broken_dir = _stack_dir(root / "broken", broken)
    no_brands = {"config": {"sendlanes:categories": {"restock_alert": "lifecycle"}}}
    no_brands_dir = _stack_dir(root / "no-brands", no_brands)
    bad_date_dir = root / "bad-date"
    bad_date_dir.mkdir()
    prod_text = PROD.read_text(encoding="utf-8")
    assert "start: 2026-12-01" in prod_text
    (bad_date_dir / "Pulumi.prod.yaml").write_text(
        prod_text.replace("start: 2026-12-01", "start: 2026-11-31"), encoding="utf-8"
    )

    def request(directory: Path, passwords: dict[str, str] | None = None) -> ProgramRequest:
        config = ProgramConfig.from_stack_file(directory / "Pulumi.prod.yaml", passwords)
        return ProgramRequest(config, work_dir=directory)

    batch = [
        request(PROJECT_ROOT),
        with_passwords,
        request(broken_dir),
        request(no_brands_dir),
        request(bad_date_dir),
    ]
    with ThreadPoolExecutor(2) as pool:
        # The repeat runs in its own interpreter: another hash seed, a cold import state.
        repeat = pool.submit(run_program, with_passwords)
        prod, passwords, broken_run, no_brands_run, bad_date_run = run_programs(batch)
        return {
            "prod": prod,
            "passwords": passwords,
            "repeat": repeat.result(),
            "broken": broken_run,
            "no-brands": no_brands_run,
            "bad-date": bad_date_run,
        }


def test_bundled_stack_registers_its_brand_lanes_credentials_and_records(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["prod"]
    assert run.error is None, run.traceback or run.error
    counts = Counter(r.type for r in run.resources)
    assert counts == {
        tokens.BRAND: 1,
        tokens.SENDING_LANE: 3,
        tokens.SMTP_CREDENTIAL: 3,
        tokens.DNS_RECORD: PROD_RECORDS,
    }
    assert len(run.resources) == 7 + PROD_RECORDS


def test_resource_names_are_unique_urns(runs: dict[str, ProgramRun]) -> None:
    # The mock monitor accepts duplicates; the engine would refuse them.
    for run in (runs["prod"], runs["passwords"]):
        urns = [r.urn for r in run.resources]
        assert len(urns) == len(set(urns))
        names = [r.name for r in run.resources]
        assert len(names) == len(set(names))


def test_record_inputs_use_the_engine_property_names(runs: dict[str, ProgramRun]) -> None:
    allowed = {
        tokens.RECORD_ZONE_ID,
        tokens.RECORD_NAME,
        tokens.RECORD_TYPE,
        tokens.RECORD_CONTENT,
        tokens.RECORD_TTL,
        tokens.RECORD_PRIORITY,
        tokens.RECORD_PROXIED,
        tokens.RECORD_COMMENT,
    }
    for record in runs["prod"].of_type(tokens.DNS_RECORD):
        assert set(record.wire_inputs) <= allowed, record.name
        assert record.wire_inputs[tokens.RECORD_ZONE_ID] == "0123456789abcdef0123456789abcdef"
        assert "zone_id" not in record.wire_inputs


def test_no_mail_record_is_proxied(runs: dict[str, ProgramRun]) -> None:
    records = runs["prod"].of_type(tokens.DNS_RECORD)
    assert records
    assert all(r.wire_inputs[tokens.RECORD_PROXIED] is False for r in records)


def _chunks(content: str) -> list[str]:
    """The character-strings of a quoted TXT presentation (``"a" "b"``), unescaped."""
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', content)
    assert " ".join(f'"{s}"' for s in strings) == content, content
    return [re.sub(r"\\(.)", r"\1", s) for s in strings]


def test_txt_content_is_sent_quoted_and_chunked_as_cloudflare_returns_it(
    runs: dict[str, ProgramRun],
) -> None:
    records = {
        (r.inputs[tokens.RECORD_NAME], r.inputs[tokens.RECORD_TYPE]): r.inputs
        for r in runs["prod"].of_type(tokens.DNS_RECORD)
    }
    dkim = records["20261101pm._domainkey.receipts.acme.example", "TXT"][tokens.RECORD_CONTENT]
    chunks = _chunks(dkim)
    assert [len(c.encode()) for c in chunks] == [255, len("".join(chunks)) - 255]
    assert "".join(chunks).startswith("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB")
    spf = records["bounce.notify.acme.example", "TXT"][tokens.RECORD_CONTENT]
    assert spf == '"v=spf1 include:amazonses.com ~all"'
    dmarc = records["_dmarc.receipts.acme.example", "TXT"][tokens.RECORD_CONTENT]
    assert _chunks(dmarc) == ["v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc@acme.example"]
    tracking = records["links.acme.example", "CNAME"][tokens.RECORD_CONTENT]
    assert tracking == "e.customeriomail.com"  # only TXT is quoted


def test_mx_priority_is_its_own_field(runs: dict[str, ProgramRun]) -> None:
    mx = [
        r.inputs
        for r in runs["prod"].of_type(tokens.DNS_RECORD)
        if r.inputs[tokens.RECORD_TYPE] == "MX"
    ]
    assert mx == [
        {
            tokens.RECORD_ZONE_ID: "0123456789abcdef0123456789abcdef",
            tokens.RECORD_NAME: "bounce.notify.acme.example",
            tokens.RECORD_TYPE: "MX",
            tokens.RECORD_CONTENT: "feedback-smtp.us-east-1.amazonses.com",
            tokens.RECORD_TTL: 3600,
            tokens.RECORD_PRIORITY: 10,
            tokens.RECORD_PROXIED: False,
            tokens.RECORD_COMMENT: "sendlanes acme/revenue lifecycle return-path",
        }
    ]


def test_every_password_output_is_secret(runs: dict[str, ProgramRun]) -> None:
    run = runs["passwords"]
    assert run.error is None, run.traceback or run.error
    passwords = run.outputs[tokens.OUTPUT_SMTP_PASSWORDS]
    # One secret holding the lanes that have a password (found from the secret map itself).
    assert isinstance(passwords, Secret)
    assert passwords.value == PASSWORDS
    credentials = {r.name: r for r in run.of_type(tokens.SMTP_CREDENTIAL)}
    for name in ("acme-receipts-smtp", "acme-revenue-smtp"):
        outputs = credentials[name].outputs
        assert outputs is not None
        assert isinstance(outputs[tokens.CREDENTIAL_PASSWORD], Secret)
    promos = credentials["acme-promos-smtp"].outputs or {}
    assert promos.get(tokens.CREDENTIAL_PASSWORD) in (None, Secret(None))
    has_password = {
        name: r.inputs[tokens.CREDENTIAL_HAS_PASSWORD] for name, r in credentials.items()
    }
    assert has_password == {
        "acme-receipts-smtp": True,
        "acme-revenue-smtp": True,
        "acme-promos-smtp": False,
    }


def test_plaintext_passwords_appear_in_no_plain_output_and_no_resource_input(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["passwords"]
    plain_outputs = secret_free_text(run.outputs)
    for password in PASSWORDS.values():
        assert password not in plain_outputs
        assert contains_text(run.outputs, password)  # the check above can find it
        for resource in run.resources:
            assert not contains_text(resource.wire_inputs, password), resource.name
            assert password not in secret_free_text(resource.outputs), resource.name
        assert not any(password in message for _, message in run.logs)


def test_lanes_output_is_readable_and_holds_no_secret(runs: dict[str, ProgramRun]) -> None:
    lanes = runs["passwords"].outputs[tokens.OUTPUT_LANES]
    assert secret_free_text(lanes) == json.dumps(lanes, sort_keys=True, default=str)
    assert set(lanes) == {"acme/receipts", "acme/revenue", "acme/promos"}
    revenue = lanes["acme/revenue"]
    assert revenue[tokens.OUT_LANE_FQDN] == "notify.acme.example"
    assert revenue[tokens.OUT_LANE_KIND] == "lifecycle"
    assert revenue[tokens.OUT_LANE_PROVIDER] == "ses"
    assert revenue[tokens.OUT_LANE_SMTP] == {
        "host": "email-smtp.us-east-1.amazonaws.com",
        "port": 587,
        "tls": "starttls",
        "username": "AKIAIOSFODNN7EXAMPLE",
    }
    assert revenue[tokens.OUT_LANE_MESSAGE_TYPES] == ["event_triggered", "segment_triggered"]
    assert revenue[tokens.OUT_LANE_PASSWORD_SECRET] == "sendlanes:smtpPasswords.acme/revenue"
    assert "warmupLimitToday" in revenue  # the value depends on today's date
    assert lanes["acme/receipts"][tokens.OUT_LANE_WARMUP_LIMIT_TODAY] is None
    assert len(revenue[tokens.OUT_LANE_RECORDS]) == 6


def test_customerio_and_allowlist_outputs_name_each_brand(runs: dict[str, ProgramRun]) -> None:
    outputs = runs["passwords"].outputs
    handoff = outputs[tokens.OUTPUT_CUSTOMERIO]["acme"]
    assert handoff["fallback"] == "receipts"
    assert [s["lane"] for s in handoff["servers"]] == ["receipts", "revenue", "promos"]
    assert handoff["servers"][0]["password"]["set"] is True
    assert handoff["servers"][2]["password"]["set"] is False
    allowlist = outputs[tokens.OUTPUT_ALLOWLIST]
    assert list(allowlist) == ["us"]
    assert allowlist["us"]["brands"] == ["acme"]
    assert "35.188.196.183" in allowlist["us"]["addresses"]


def test_lanes_without_password_get_a_warning_naming_the_command(
    runs: dict[str, ProgramRun],
) -> None:
    assert sorted(runs["passwords"].warnings()) == [
        "lane acme/promos has no SMTP password in sendlanes:smtpPasswords; Customer.io cannot "
        "log in until you store it: pulumi config set --path --secret "
        "'sendlanes:smtpPasswords.acme/promos'",
        "sendlanes:smtpPasswords has a password for 'acme/gone', which is no lane",
    ]
    assert len(runs["prod"].warnings()) == 3
    assert runs["prod"].outputs[tokens.OUTPUT_SMTP_PASSWORDS] == {}


def test_a_second_run_registers_an_identical_resource_set(runs: dict[str, ProgramRun]) -> None:
    first, second = runs["passwords"], runs["repeat"]
    assert second.error is None
    assert sorted(r.identity() for r in first.resources) == sorted(
        r.identity() for r in second.resources
    )
    assert reveal(first.outputs) == reveal(second.outputs)


def test_config_error_stops_the_program_with_every_problem_and_registers_nothing(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["broken"]
    assert run.resources == ()
    assert run.traceback is None  # a RunError: the language host prints only the message
    assert run.error is not None
    lines = run.error.splitlines()
    assert lines[0] == "sendlanes: 2 problem(s) in the stack config; nothing was changed:"
    assert lines[1].startswith("  Pulumi.prod.yaml:")
    assert "brands[0].lanes[0].smtp.port: Input should be a valid integer" in lines[1]
    assert "(got 'submission')" in lines[1]
    assert "brands[0].lanes[1].kind:" in lines[2] and "(got 'bulk')" in lines[2]
    assert run.outputs == {}


def test_an_impossible_date_is_a_config_error_at_its_line(runs: dict[str, ProgramRun]) -> None:
    run = runs["bad-date"]
    assert run.resources == ()
    assert run.error is not None and run.traceback is None
    line = next(n for n, text in enumerate(PROD.read_text().splitlines(), 1) if "start:" in text)
    assert (
        f"Pulumi.prod.yaml:{line}: brands[0].lanes[1].warmup.start: not a valid date" in run.error
    )


def test_missing_brands_is_a_config_error_naming_the_key(runs: dict[str, ProgramRun]) -> None:
    run = runs["no-brands"]
    assert run.resources == ()
    assert run.error is not None and run.traceback is None
    assert "Pulumi.prod.yaml: missing `sendlanes:brands`" in run.error
