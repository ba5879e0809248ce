"""The stack config loader: the bundled stack loads; bad input is reported with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendlanes.config.load import load_stack_config, parse_stack_config, stack_config_from_values
from sendlanes.errors import UsageError
from sendlanes.lanes.catalog import LaneKind
from sendlanes.lanes.fields import TlsMode
from tests.support.stacks import (
    BUNDLED_STACK,
    brands,
    bundled_config,
    ed25519_public_key,
    lane,
    rsa_public_key,
)


def problems_of(document: dict[str, Any] | str) -> list[str]:
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    with pytest.raises(UsageError) as caught:
        parse_stack_config(text, "Pulumi.test.yaml")
    return caught.value.lines()


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_bundled_stack_loads_with_three_lanes_of_three_kinds() -> None:
    config = load_stack_config(BUNDLED_STACK)
    lanes = config.brands[0].lanes
    assert [lane.kind for lane in lanes] == [
        LaneKind.TRANSACTIONAL,
        LaneKind.LIFECYCLE,
        LaneKind.PROMOTIONAL,
    ]
    assert [lane.provider for lane in lanes] == ["postmark", "ses", "sendgrid"]


def test_config_objects_are_frozen() -> None:
    config = load_stack_config(BUNDLED_STACK)
    with pytest.raises(ValueError, match="frozen"):
        config.brands[0].lanes[0].smtp.port = 25  # type: ignore[misc]


def test_wrong_type_names_file_line_and_path() -> None:
    document = bundled_config()
    lane(document, "promos")["smtp"]["port"] = "five-eight-seven"
    text = yaml.safe_dump(document, sort_keys=False)
    [problem] = problems_of(text)
    line = line_of(text, "port: five-eight-seven")
    assert problem.startswith(f"Pulumi.test.yaml:{line}: brands[0].lanes[2].smtp.port: ")
    assert "five-eight-seven" in problem


def test_unknown_key_is_reported_with_a_suggestion() -> None:
    document = bundled_config()
    lane(document, "receipts")["categorys"] = ["receipt"]
    [problem] = problems_of(document)
    assert "brands[0].lanes[0].categorys: unknown key (did you mean 'categories'?)" in problem


def test_every_problem_is_reported_at_once() -> None:
    document = bundled_config()
    lane(document, "receipts")["smtp"]["port"] = 0
    lane(document, "revenue")["kind"] = "marketing"
    lane(document, "promos")["subdomain"] = "-mail"
    found = problems_of(document)
    assert len(found) == 3
    assert any("lanes[0].smtp.port" in p for p in found)
    assert any("lanes[1].kind" in p for p in found)
    assert any("lanes[2].subdomain" in p for p in found)


def test_duplicate_lane_names_are_rejected() -> None:
    document = bundled_config()
    lane(document, "promos")["name"] = "receipts"
    found = problems_of(document)
    assert any("lanes[2].name: duplicate lane name in brand 'acme' 'receipts'" in p for p in found)


def test_two_lanes_on_one_fqdn_are_rejected() -> None:
    document = bundled_config()
    lane(document, "promos")["subdomain"] = "receipts"
    found = problems_of(document)
    assert any(
        "lanes[2].subdomain: duplicate lane FQDN 'receipts.acme.example'" in p for p in found
    )


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("acme..example", "empty label"),
        ("a" * 64 + ".example", "64 octets"),
        ("acme_shop.example", "letters, digits and inner hyphens"),
        ("localhost", "at least two labels"),
        (".".join(["abcdefghi"] * 26) + ".example", "octets (max 253"),
    ],
)
def test_malformed_domains_are_rejected(domain: str, reason: str) -> None:
    document = bundled_config()
    brands(document)[0]["domain"] = domain
    found = problems_of(document)
    assert any("brands[0].domain" in p and reason in p for p in found), found


def test_internationalized_domain_is_stored_as_idna() -> None:
    document = bundled_config()
    brands(document)[0]["domain"] = "bücher.example"
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    config = parse_stack_config(text)
    assert config.brands[0].domain == "xn--bcher-kva.example"


def test_dkim_key_that_is_not_a_key_is_rejected() -> None:
    document = bundled_config()
    lane(document, "receipts")["postmark"]["dkimPublicKey"] = "bm90IGEga2V5"  # "not a key"
    [problem] = problems_of(document)
    assert "lanes[0].postmark.dkimPublicKey: not a usable DKIM public key" in problem


def test_dkim_key_that_is_not_base64_is_rejected() -> None:
    document = bundled_config()
    lane(document, "receipts")["postmark"]["dkimPublicKey"] = "%%%not-base64%%%"
    [problem] = problems_of(document)
    assert "dkimPublicKey: not a usable DKIM public key" in problem


def test_ed25519_dkim_key_is_accepted() -> None:
    document = bundled_config()
    lane(document, "receipts")["postmark"]["dkimPublicKey"] = ed25519_public_key()
    text = yaml.safe_dump(document, sort_keys=False)
    assert parse_stack_config(text).brands[0].lanes[0].provider == "postmark"


def test_unknown_category_suggests_the_close_one() -> None:
    document = bundled_config()
    lane(document, "receipts")["categories"].append("pasword_reset")
    [problem] = problems_of(document)
    assert "lanes[0].categories[5]: unknown category 'pasword_reset'" in problem
    assert "did you mean 'password_reset'?" in problem


def test_user_category_extends_the_catalog() -> None:
    document = bundled_config()
    document["config"]["sendlanes:categories"] = {"loyalty_points": "lifecycle"}
    lane(document, "revenue")["categories"].append("loyalty_points")
    config = parse_stack_config(yaml.safe_dump(document, sort_keys=False))
    assert config.categories == {"loyalty_points": LaneKind.LIFECYCLE}


def test_user_category_cannot_change_a_builtin_intent() -> None:
    document = bundled_config()
    document["config"]["sendlanes:categories"] = {"password_reset": "promotional"}
    [problem] = problems_of(document)
    assert (
        "categories.password_reset: built-in category 'password_reset' is transactional" in problem
    )


def test_missing_provider_block_is_rejected() -> None:
    document = bundled_config()
    del lane(document, "revenue")["ses"]
    [problem] = problems_of(document)
    assert "brands[0].lanes[1]: provider 'ses' needs a 'ses' block" in problem


def test_block_of_another_provider_is_rejected() -> None:
    document = bundled_config()
    lane(document, "revenue")["mandrill"] = {}
    [problem] = problems_of(document)
    assert "block 'mandrill' belongs to provider 'mandrill'" in problem


def test_unknown_provider_lists_the_known_ones() -> None:
    document = bundled_config()
    lane(document, "revenue")["provider"] = "pigeon"
    found = problems_of(document)
    assert any("unknown provider 'pigeon' (known: brevo, mailgun" in p for p in found)


def test_self_hosted_lane_needs_an_smtp_host() -> None:
    document = bundled_config()
    entry = lane(document, "promos")
    del entry["sendgrid"]
    entry["provider"] = "smtp"
    entry["mta"] = {
        "ip4": ["192.0.2.10"],
        "dkimSelector": "mta1",
        "dkimPublicKey": rsa_public_key(),
    }
    [problem] = problems_of(document)
    assert "lanes[2].smtp.host: provider 'smtp' has no default SMTP host" in problem


def test_sendgrid_username_must_be_apikey() -> None:
    document = bundled_config()
    lane(document, "promos")["smtp"]["username"] = "marketing"
    [problem] = problems_of(document)
    assert "lanes[2].smtp.username: SendGrid SMTP always uses user name 'apikey'" in problem


def test_decreasing_warmup_is_rejected() -> None:
    document = bundled_config()
    lane(document, "revenue")["warmup"]["dailyLimits"] = [1000, 500]
    [problem] = problems_of(document)
    assert "lanes[1].warmup: dailyLimits must not decrease: day 2 (500) is below day 1" in problem


def test_non_positive_warmup_limit_is_rejected() -> None:
    document = bundled_config()
    lane(document, "revenue")["warmup"]["dailyLimits"] = [0, 10]
    [problem] = problems_of(document)
    assert "lanes[1].warmup.dailyLimits[0]" in problem


def test_rua_must_be_a_mailto_uri() -> None:
    document = bundled_config()
    brands(document)[0]["dmarc"]["rua"] = ["dmarc@acme.example"]
    [problem] = problems_of(document)
    assert "brands[0].dmarc.rua[0]: 'dmarc@acme.example' is not a DMARC report URI" in problem


def test_plain_text_password_is_rejected_without_echoing_it() -> None:
    document = bundled_config()
    document["config"]["sendlanes:smtpPasswords"] = {"acme/receipts": "hunter2-plain"}
    [problem] = problems_of(document)
    assert "smtpPasswords.acme/receipts: must be a secret" in problem
    assert "hunter2-plain" not in problem


def test_password_for_an_unknown_lane_is_rejected() -> None:
    document = bundled_config()
    document["config"]["sendlanes:smtpPasswords"] = {"acme/recipts": {"secure": "v1:abc"}}
    [problem] = problems_of(document)
    assert "smtpPasswords.acme/recipts: no lane 'acme/recipts'" in problem


def test_secret_passwords_are_kept_as_names_only() -> None:
    document = bundled_config()
    document["config"]["sendlanes:smtpPasswords"] = {"acme/receipts": {"secure": "v1:c2VjcmV0"}}
    config = parse_stack_config(yaml.safe_dump(document, sort_keys=False))
    assert config.smtp_passwords == frozenset({"acme/receipts"})
    assert "c2VjcmV0" not in repr(config)


def test_unknown_sendlanes_key_is_rejected_but_other_namespaces_are_not() -> None:
    document = bundled_config()
    document["config"]["sendlanes:brand"] = []
    document["config"]["cloudflare:apiToken"] = {"secure": "v1:xyz"}
    [problem] = problems_of(document)
    assert (
        "sendlanes:brand: unknown sendlanes config key (did you mean sendlanes:brands?)" in problem
    )


def test_yaml_syntax_error_names_the_line() -> None:
    text = "config:\n  sendlanes:brands:\n    - name: acme\n      domain: [unclosed\n"
    [problem] = problems_of(text)
    assert problem.startswith("Pulumi.test.yaml:")
    assert "YAML syntax error" in problem


def test_duplicate_yaml_key_is_an_error() -> None:
    text = BUNDLED_STACK.read_text().replace(
        "          kind: transactional\n",
        "          kind: transactional\n          kind: promotional\n",
    )
    [problem] = problems_of(text)
    assert "duplicate key 'kind'" in problem


def test_missing_stack_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"Pulumi\.nope\.yaml: no such stack config file"):
        load_stack_config(tmp_path / "Pulumi.nope.yaml")


def test_tls_mode_defaults_by_port() -> None:
    document = bundled_config()
    lane(document, "receipts")["smtp"]["port"] = 465
    config = parse_stack_config(yaml.safe_dump(document, sort_keys=False))
    assert config.brands[0].lanes[0].smtp.tls_mode is TlsMode.IMPLICIT
    assert config.brands[0].lanes[1].smtp.tls_mode is TlsMode.STARTTLS


def test_engine_values_errors_use_the_stack_files_lines() -> None:
    document = bundled_config()
    brand_list = brands(document)
    brand_list[0]["lanes"][0]["smtp"]["port"] = "x"
    with pytest.raises(UsageError) as caught:
        stack_config_from_values(brand_list, None, (), BUNDLED_STACK)
    [problem] = caught.value.lines()
    expected_line = line_of(BUNDLED_STACK.read_text(), "port: 587")
    assert problem.startswith(f"{BUNDLED_STACK}:{expected_line}: brands[0].lanes[0].smtp.port")


_yaml_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
_yaml_values = st.recursive(
    _yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_yaml_values)
def test_arbitrary_yaml_documents_give_usage_errors_not_tracebacks(value: object) -> None:
    for document in (value, {"config": {"sendlanes:brands": value}}):
        text = yaml.safe_dump(document)
        try:
            parse_stack_config(text)
        except UsageError as error:
            assert error.lines()
            assert all(line.startswith("<config>") for line in error.lines())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_gives_usage_errors_not_tracebacks(text: str) -> None:
    try:
        parse_stack_config(text)
    except UsageError as error:
        assert error.lines()


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutating_any_bundled_value_never_raises_a_traceback(data: st.DataObject) -> None:
    document = bundled_config()
    target: Any = brands(document)[0]
    # Walk to a random leaf and replace it with an arbitrary value.
    while isinstance(target, dict | list) and target:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        key = data.draw(st.sampled_from(keys))
        if not isinstance(target[key], dict | list) or data.draw(st.booleans()):
            target[key] = data.draw(_yaml_values)
            break
        target = target[key]
    try:
        parse_stack_config(yaml.safe_dump(document))
    except UsageError as error:
        assert error.lines()


def test_brand_cloudflare_block_names_the_account_and_the_token_config_key() -> None:
    document = bundled_config()
    brands(document)[0]["cloudflare"] = {
        "accountId": "f" * 32,
        "apiTokenKey": "sendlanes:cloudflareTokens.acme",
    }
    config = parse_stack_config(yaml.safe_dump(document, sort_keys=False), "Pulumi.test.yaml")
    block = config.brands[0].cloudflare
    assert block is not None
    assert (block.account_id, block.api_token_key) == ("f" * 32, "sendlanes:cloudflareTokens.acme")
    assert parse_stack_config(yaml.safe_dump(bundled_config())).brands[0].cloudflare is None


def test_brand_cloudflare_block_needs_a_namespaced_token_key() -> None:
    document = bundled_config()
    brands(document)[0]["cloudflare"] = {"accountId": "f" * 32, "apiTokenKey": "apiToken"}
    (problem,) = problems_of(document)
    assert "brands[0].cloudflare.apiTokenKey" in problem
