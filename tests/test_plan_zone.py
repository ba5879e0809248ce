"""A CNAME stands alone at its name: `plan` refuses a config whose records collide (exit 2,
naming both config fields with their lines), and `cname-stands-alone` reports it for lint."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sendlanes.cli import main
from sendlanes.config.load import load_stack_config
from sendlanes.lanes.records import Purpose, RecordType
from sendlanes.plan.build import build_plan
from sendlanes.plan.zone import cname_collisions, planned_records
from sendlanes.rules.facts import RecordFacts, StackFacts, facts_from_plan
from sendlanes.rules.registry import rule
from tests.support.stacks import bundled_config, lane, rsa_public_key, write_stack

Document = dict[str, Any]


def _brand(d: Document, index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = d["config"]["sendlanes:brands"][index]
    return found


def _mailgun_lane(name: str, subdomain: str) -> dict[str, Any]:
    """A lane whose SPF TXT record sits at its own FQDN."""
    return {
        "name": name,
        "kind": "lifecycle",
        "subdomain": subdomain,
        "provider": "mailgun",
        "mailgun": {
            "region": "eu",
            "dkimSelector": "s1",
            "dkimPublicKey": rsa_public_key(2048),
            "receiving": False,
        },
        "smtp": {"port": 587, "username": "user-1"},
        "categories": ["digest"],
    }


def _tracking_on_ses_mail_from(d: Document) -> None:
    _brand(d)["customerio"]["trackingHost"] = "bounce.notify"


def _tracking_on_sendgrid_return_path(d: Document) -> None:
    _brand(d)["customerio"]["trackingHost"] = "em5945.mail"


def _lane_on_the_tracking_host(d: Document) -> None:
    d["config"]["sendlanes:categories"] = {"digest": "lifecycle"}
    _brand(d)["lanes"].append(_mailgun_lane("digest", "links"))


def _two_brands_in_one_zone(d: Document) -> None:
    # A second brand under the first one's zone: its tracking host is the first brand's
    # SendGrid return-path name.
    second = copy.deepcopy(_brand(d))
    second.update(name="acme-mail", domain="mail.acme.example")
    second["customerio"]["trackingHost"] = "em5945"
    second.pop("dmarc")
    for item in second["lanes"]:
        item["subdomain"] = f"{item['subdomain']}2"
        item.pop("dmarc", None)
    d["config"]["sendlanes:brands"].append(second)


def _write(tmp_path: Path, change: Any) -> tuple[Path, list[str]]:
    document = bundled_config()
    change(document)
    path = write_stack(tmp_path, document)
    return path, path.read_text(encoding="utf-8").splitlines()


def _line(lines: list[str], fragment: str, after: int = 0) -> int:
    return next(n for n, text in enumerate(lines, 1) if n > after and fragment in text)


def _plan_errors(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    code = main(["plan", "--config", str(path), "--format", "table"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    return captured.err.splitlines()


def test_a_tracking_host_on_the_ses_mail_from_name_is_refused_naming_both_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, lines = _write(tmp_path, _tracking_on_ses_mail_from)
    tracking = _line(lines, "trackingHost: bounce.notify")
    ses = _line(lines, "ses:")
    assert _plan_errors(path, capsys) == [
        f"sendlanes: {path}:{tracking}: brands[0].customerio.trackingHost: CNAME "
        "bounce.notify.acme.example cannot share its name with the MX record from "
        f"brands[0].lanes[1].ses ({path}:{ses}), the TXT record from brands[0].lanes[1].ses "
        f"({path}:{ses}): a CNAME stands alone at its name (RFC 1034 §3.6.2, RFC 2181 §10.1) "
        "[cname-stands-alone]"
    ]


def test_a_tracking_host_on_sendgrids_return_path_is_two_cnames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, lines = _write(tmp_path, _tracking_on_sendgrid_return_path)
    (error,) = _plan_errors(path, capsys)
    tracking = _line(lines, "trackingHost: em5945.mail")
    sendgrid = _line(lines, "sendgrid:")
    assert error.startswith(f"sendlanes: {path}:{tracking}: brands[0].customerio.trackingHost: ")
    assert (
        "CNAME em5945.mail.acme.example cannot share its name with the CNAME record from "
        f"brands[0].lanes[2].sendgrid ({path}:{sendgrid})"
    ) in error


def test_a_lane_subdomain_on_a_cname_name_is_cname_beside_txt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, lines = _write(tmp_path, _lane_on_the_tracking_host)
    (error,) = _plan_errors(path, capsys)
    subdomain = _line(lines, "subdomain: links")
    assert "brands[0].customerio.trackingHost: CNAME links.acme.example" in error
    assert f"the TXT record from brands[0].lanes[3].subdomain ({path}:{subdomain})" in error


def test_brands_sharing_a_zone_are_checked_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, lines = _write(tmp_path, _two_brands_in_one_zone)
    (error,) = _plan_errors(path, capsys)
    second_tracking = _line(lines, "trackingHost: em5945")
    sendgrid = _line(lines, "sendgrid:")
    assert error.startswith(f"sendlanes: {path}:{sendgrid}: brands[0].lanes[2].sendgrid: ")
    assert "CNAME em5945.mail.acme.example cannot share its name with the CNAME record" in error
    assert f"brands[1].customerio.trackingHost ({path}:{second_tracking})" in error


def test_every_collision_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def both(d: Document) -> None:
        _tracking_on_ses_mail_from(d)
        _two_brands_in_one_zone(d)

    path, _ = _write(tmp_path, both)
    errors = _plan_errors(path, capsys)
    assert len(errors) == 2
    assert "bounce.notify.acme.example" in errors[0]
    assert "em5945.mail.acme.example" in errors[1]


def test_the_bundled_stack_has_no_collision() -> None:
    plan = build_plan(load_stack_config(Path(__file__).parents[1] / "Pulumi.prod.yaml"))
    assert cname_collisions(planned_records(plan)) == []


@pytest.mark.parametrize(
    "change",
    [
        _tracking_on_ses_mail_from,
        _tracking_on_sendgrid_return_path,
        _lane_on_the_tracking_host,
        _two_brands_in_one_zone,
    ],
)
def test_lint_reports_the_collision_as_a_mandatory_finding(tmp_path: Path, change: Any) -> None:
    path, _ = _write(tmp_path, change)
    facts = facts_from_plan(build_plan(load_stack_config(path)))
    cname_rule = rule("cname-stands-alone")
    (violation,) = cname_rule.run(facts, cname_rule.default_options())
    assert violation.record is not None and violation.record.type == "CNAME"
    assert "a CNAME stands alone at its name" in violation.message
    assert str(cname_rule.level) == "mandatory"


def test_a_cname_beside_a_record_outside_sendlanes_is_reported_with_its_urn() -> None:
    cname = RecordFacts(
        "links.acme.example",
        "CNAME",
        "e.customeriomail.com",
        Purpose.CUSTOMERIO_TRACKING,
        brand="acme",
        urn="urn:brand",
    )
    other = RecordFacts("LINKS.acme.example.", "TXT", "hello", urn="urn:pulumi:prod::x::txt")
    cname_rule = rule("cname-stands-alone")
    (violation,) = cname_rule.run(StackFacts((), (cname, other)), {})
    assert "TXT (record urn:pulumi:prod::x::txt)" in violation.message


def test_records_at_different_names_or_without_a_cname_do_not_collide() -> None:
    records = [
        RecordFacts("a.acme.example", "CNAME", "x.example"),
        RecordFacts("b.acme.example", "CNAME", "x.example"),
        RecordFacts("c.acme.example", "TXT", "one"),
        RecordFacts("c.acme.example", "TXT", "two"),
        RecordFacts("c.acme.example", str(RecordType.MX), "mx.example", priority=10),
    ]
    assert cname_collisions(records) == []


def test_the_lane_helper_keeps_the_bundled_promos_lane() -> None:
    assert lane(bundled_config(), "promos")["provider"] == "sendgrid"
