"""Where smtp-check finds passwords, and that no error message ever quotes one."""

from __future__ import annotations

import json

import pytest

from sendlanes.smtp.passwords import (
    LanePassword,
    StackOutputError,
    find_password,
    parse_stack_output_passwords,
    password_env_var,
)

SECRET = "pa55-w0rd-that-must-not-leak"


@pytest.mark.parametrize(
    ("brand", "lane", "variable"),
    [
        ("acme", "receipts", "SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS"),
        ("acme-eu", "receipts", "SENDLANES_SMTP_PASSWORD_ACME_EU_RECEIPTS"),
        ("acme", "promos.v2", "SENDLANES_SMTP_PASSWORD_ACME_PROMOS_V2"),
        ("Acme", "Lane_1", "SENDLANES_SMTP_PASSWORD_ACME_LANE_1"),
    ],
)
def test_environment_variable_name_is_upper_case_with_non_alphanumerics_as_underscores(
    brand: str, lane: str, variable: str
) -> None:
    assert password_env_var(brand, lane) == variable


def test_environment_variable_wins_over_stack_output() -> None:
    found = find_password(
        "acme",
        "receipts",
        environ={"SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS": "from-env"},
        stack_passwords={"acme/receipts": "from-stack"},
    )
    assert found == LanePassword(
        "from-env", "environment variable SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS"
    )


def test_empty_environment_variable_falls_back_to_stack_output() -> None:
    found = find_password(
        "acme",
        "receipts",
        environ={"SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS": ""},
        stack_passwords={"acme/receipts": "from-stack"},
    )
    assert found is not None
    assert (found.value, found.source) == (
        "from-stack",
        "stack output smtpPasswords['acme/receipts']",
    )


def test_no_source_means_no_password() -> None:
    assert (
        find_password("acme", "receipts", environ={}, stack_passwords={"acme/promos": "x"}) is None
    )


def test_repr_of_a_password_leaves_the_value_out() -> None:
    assert SECRET not in repr(LanePassword(SECRET, "environment variable X"))


def test_stack_output_passwords_are_read_by_lane_key() -> None:
    text = json.dumps(
        {
            "lanes": {"acme/receipts": {"fqdn": "receipts.acme.example"}},
            "smtpPasswords": {"acme/receipts": SECRET, "acme/promos": "other"},
        }
    )
    assert parse_stack_output_passwords(text) == {"acme/receipts": SECRET, "acme/promos": "other"}


def test_hidden_secrets_ask_for_show_secrets() -> None:
    with pytest.raises(StackOutputError) as caught:
        parse_stack_output_passwords(json.dumps({"smtpPasswords": "[secret]"}))
    assert "--show-secrets" in str(caught.value)


def test_every_bad_entry_is_reported_and_no_value_is_quoted() -> None:
    text = json.dumps(
        {"smtpPasswords": {"acme/receipts": "[secret]", "acme/promos": {"v": SECRET}}}
    )
    with pytest.raises(StackOutputError) as caught:
        parse_stack_output_passwords(text)
    assert caught.value.problems == [
        "stdin: smtpPasswords['acme/receipts'] is hidden as [secret]; "
        "run `pulumi stack output --json --show-secrets`",
        "stdin: smtpPasswords['acme/promos'] is a dict, not a string",
    ]
    assert SECRET not in str(caught.value)


def test_broken_json_names_the_position_but_not_the_content() -> None:
    text = '{"smtpPasswords": {"acme/receipts": "' + SECRET + '"'  # truncated
    with pytest.raises(StackOutputError) as caught:
        parse_stack_output_passwords(text)
    message = str(caught.value)
    assert message.startswith("stdin: line 1 column ")
    assert SECRET not in message


def test_missing_smtp_passwords_output_is_an_error() -> None:
    with pytest.raises(StackOutputError, match="no smtpPasswords among the stack outputs"):
        parse_stack_output_passwords(json.dumps({"lanes": {}}))
