"""Each provider preset publishes the records its documentation asks for."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from sendlanes.config.load import parse_stack_config
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import LanePlan
from sendlanes.providers import PROVIDERS
from tests.support.stacks import ed25519_public_key, rsa_public_key


def lane_with(provider: str, block: dict[str, Any] | None, **extra: Any) -> LanePlan:
    """Plan one lane `mail.shop.example` on *provider* with its settings *block*."""
    entry: dict[str, Any] = {
        "name": "bulk",
        "kind": extra.pop("kind", "promotional"),
        "subdomain": "mail",
        "provider": provider,
        "categories": ["newsletter"],
        **extra,
    }
    if block is not None:
        entry[PROVIDERS[provider].block] = block
    document = {
        "config": {
            "sendlanes:brands": [
                {
                    "name": "shop",
                    "domain": "shop.example",
                    "zoneId": "f" * 32,
                    "dmarc": {"policy": "reject"},
                    "lanes": [entry],
                }
            ]
        }
    }
    plan = build_plan(parse_stack_config(yaml.safe_dump(document)))
    return plan.lanes()[0]


def published(lane: LanePlan) -> set[tuple[str, str, str, int | None]]:
    return {
        (r.type.value, r.name, r.content, r.priority)
        for r in lane.records
        if r.purpose.value != "dmarc"
    }


def test_ses_publishes_three_easy_dkim_cnames_and_a_mail_from_domain() -> None:
    tokens = ["a" * 32, "b" * 32, "c" * 32]
    lane = lane_with("ses", {"region": "eu-west-1", "dkimTokens": tokens})
    assert published(lane) == {
        *{
            ("CNAME", f"{t}._domainkey.mail.shop.example", f"{t}.dkim.amazonses.com", None)
            for t in tokens
        },
        ("MX", "bounce.mail.shop.example", "feedback-smtp.eu-west-1.amazonses.com", 10),
        ("TXT", "bounce.mail.shop.example", "v=spf1 include:amazonses.com ~all", None),
    }
    assert lane.smtp.host == "email-smtp.eu-west-1.amazonaws.com"
    assert lane.return_path_host == "bounce.mail.shop.example"


def test_ses_needs_exactly_three_tokens() -> None:
    with pytest.raises(Exception, match="exactly 3 tokens"):
        lane_with("ses", {"region": "us-east-1", "dkimTokens": ["a" * 32, "b" * 32]})


def test_sendgrid_publishes_return_path_dkim_and_link_branding() -> None:
    lane = lane_with(
        "sendgrid",
        {
            "returnPathHost": "em5945",
            "wlHost": "u2744887.wl138.sendgrid.net",
            "linkBranding": {"host": "url3629", "userId": "2744887"},
        },
    )
    assert published(lane) == {
        ("CNAME", "em5945.mail.shop.example", "u2744887.wl138.sendgrid.net", None),
        (
            "CNAME",
            "s1._domainkey.mail.shop.example",
            "s1.domainkey.u2744887.wl138.sendgrid.net",
            None,
        ),
        (
            "CNAME",
            "s2._domainkey.mail.shop.example",
            "s2.domainkey.u2744887.wl138.sendgrid.net",
            None,
        ),
        ("CNAME", "url3629.mail.shop.example", "sendgrid.net", None),
        ("CNAME", "2744887.mail.shop.example", "sendgrid.net", None),
    }
    assert (lane.smtp.host, lane.smtp.username) == ("smtp.sendgrid.net", "apikey")
    assert lane.tracking_hosts == ("url3629.mail.shop.example", "2744887.mail.shop.example")


def test_mailgun_eu_with_receiving_publishes_eu_hosts_and_mx() -> None:
    key = rsa_public_key()
    lane = lane_with(
        "mailgun",
        {"region": "eu", "dkimSelector": "mx", "dkimPublicKey": key, "receiving": True},
    )
    assert published(lane) == {
        ("TXT", "mail.shop.example", "v=spf1 include:mailgun.org ~all", None),
        ("TXT", "mx._domainkey.mail.shop.example", f"v=DKIM1; k=rsa; p={key}", None),
        ("CNAME", "email.mail.shop.example", "eu.mailgun.org", None),
        ("MX", "mail.shop.example", "mxa.eu.mailgun.org", 10),
        ("MX", "mail.shop.example", "mxb.eu.mailgun.org", 10),
    }
    assert lane.smtp.host == "smtp.eu.mailgun.org"


def test_mailgun_us_without_receiving_has_no_mx() -> None:
    lane = lane_with("mailgun", {"dkimSelector": "k1", "dkimPublicKey": rsa_public_key()})
    assert not [r for r in lane.records if r.type.value == "MX"]
    assert lane.smtp.host == "smtp.mailgun.org"
    assert ("CNAME", "email.mail.shop.example", "mailgun.org", None) in published(lane)


def test_postmark_transactional_uses_the_transactional_host() -> None:
    key = rsa_public_key()
    lane = lane_with(
        "postmark", {"dkimSelector": "20240101pm", "dkimPublicKey": key}, kind="transactional"
    )
    assert published(lane) == {
        ("TXT", "20240101pm._domainkey.mail.shop.example", f"v=DKIM1; k=rsa; p={key}", None),
        ("CNAME", "pm-bounces.mail.shop.example", "pm.mtasv.net", None),
    }
    assert lane.smtp.host == "smtp.postmarkapp.com"


def test_postmark_promotional_uses_the_broadcast_host() -> None:
    lane = lane_with("postmark", {"dkimSelector": "pm", "dkimPublicKey": rsa_public_key()})
    assert lane.smtp.host == "smtp-broadcasts.postmarkapp.com"


def test_sparkpost_eu_bounce_domain_and_injection_user() -> None:
    key = ed25519_public_key()
    lane = lane_with(
        "sparkpost", {"region": "eu", "dkimSelector": "scph0124", "dkimPublicKey": key}
    )
    assert published(lane) == {
        ("TXT", "scph0124._domainkey.mail.shop.example", f"v=DKIM1; k=ed25519; p={key}", None),
        ("CNAME", "bounce.mail.shop.example", "eu.sparkpostmail.com", None),
    }
    assert (lane.smtp.host, lane.smtp.username) == ("smtp.eu.sparkpostmail.com", "SMTP_Injection")


def test_mailjet_spf_and_fixed_selector() -> None:
    key = rsa_public_key()
    lane = lane_with("mailjet", {"dkimPublicKey": key})
    assert published(lane) == {
        ("TXT", "mail.shop.example", "v=spf1 include:spf.mailjet.com ~all", None),
        ("TXT", "mailjet._domainkey.mail.shop.example", f"v=DKIM1; k=rsa; p={key}", None),
    }
    assert lane.smtp.host == "in-v3.mailjet.com"


def test_mandrill_needs_no_block() -> None:
    lane = lane_with("mandrill", None)
    assert published(lane) == {
        ("TXT", "mail.shop.example", "v=spf1 include:spf.mandrillapp.com ~all", None),
        ("CNAME", "mte1._domainkey.mail.shop.example", "dkim1.mandrillapp.com", None),
        ("CNAME", "mte2._domainkey.mail.shop.example", "dkim2.mandrillapp.com", None),
    }
    assert lane.smtp.host == "smtp.mandrillapp.com"


def test_brevo_dkim_cnames_use_the_dashed_domain_and_optional_code() -> None:
    lane = lane_with("brevo", {"verificationCode": "a1b2c3d4e5f6a7b8"})
    assert published(lane) == {
        (
            "CNAME",
            "brevo1._domainkey.mail.shop.example",
            "b1.mail-shop-example.dkim.brevo.com",
            None,
        ),
        (
            "CNAME",
            "brevo2._domainkey.mail.shop.example",
            "b2.mail-shop-example.dkim.brevo.com",
            None,
        ),
        ("TXT", "mail.shop.example", "brevo-code:a1b2c3d4e5f6a7b8", None),
    }
    assert lane.smtp.host == "smtp-relay.brevo.com"


def test_self_hosted_mta_spf_lists_its_addresses() -> None:
    key = rsa_public_key()
    lane = lane_with(
        "smtp",
        {
            "ip4": ["192.0.2.10", "198.51.100.0/28"],
            "ip6": ["2001:db8::25"],
            "dkimSelector": "mta1",
            "dkimPublicKey": key,
        },
        smtp={"host": "mta.shop.example", "port": 465},
    )
    assert published(lane) == {
        (
            "TXT",
            "mail.shop.example",
            "v=spf1 ip4:192.0.2.10 ip4:198.51.100.0/28 ip6:2001:db8::25 ~all",
            None,
        ),
        ("TXT", "mta1._domainkey.mail.shop.example", f"v=DKIM1; k=rsa; p={key}", None),
    }
    assert (lane.smtp.host, lane.smtp.port, lane.smtp.tls.value) == (
        "mta.shop.example",
        465,
        "implicit",
    )


def test_self_hosted_mta_needs_an_address() -> None:
    with pytest.raises(Exception, match="sending addresses"):
        lane_with(
            "smtp",
            {"dkimSelector": "mta1", "dkimPublicKey": rsa_public_key()},
            smtp={"host": "mta.shop.example"},
        )


def test_every_preset_has_a_distinct_name_and_block() -> None:
    assert len(PROVIDERS) == 9
    assert len({p.block for p in PROVIDERS.values()}) == 9
