"""Write a valid stack config with N brands × 3 lanes, for benchmarks and load tests.

    python bench/genstack.py --brands 1000 > /tmp/Pulumi.bench.yaml
    sendlanes plan --config /tmp/Pulumi.bench.yaml --format json

Each brand gets a transactional, a lifecycle and a promotional lane; the providers rotate
through every preset so each record shape is exercised. The output depends only on the
arguments (same arguments, same bytes). The DKIM keys below were generated once and are
reused by every lane that publishes its own key; they are public keys only.

With ``--passwords`` the file also lists every lane under ``sendlanes:smtpPasswords`` with a
placeholder ``secure:`` value: enough for ``sendlanes`` (which only reads which lanes have
one), not something the Pulumi CLI can decrypt.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator
from typing import Any

import yaml

RSA_2048_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr20uQqWtWXTqauwPQ7BQUg1z43nsG7/x57HZlhx/VjSPUAcb"
    "b4Kf4hBKwonmQnTt4AEjVGRyRp5tR8wNlBDllTslimQJAneYKQ2akf+OflGgUe81NPkhXOL3Tb4OYurgatgj60L4pwP2"
    "IyFI00cjg6TJrlIpl0c2pFDkWCSpR/IAB06m1+iPod4NsxTWnaNdT5zs0gBYWjyw60xoIZUwpLqDocovtiabH3Q7HRT0"
    "NZMUv2cJ8rhSd/FrVnuwno5Wrg7B9mHog3ZAY6tD3PoZyWsoQhDaXoSjWj+whvh/f/WiFj8uO2FCFo+nLcyFFC9fVDGF"
    "CiWl7xu4FaZeza4zxwIDAQAB"
)
ED25519_KEY = "z78V28TScSNaLqZzrwjpER4PEI/nm/MXDH2UB8ljQkM="

# Providers per lane kind, rotated by brand index (every preset appears in some kind).
TRANSACTIONAL = ("postmark", "ses", "sparkpost", "mailgun", "smtp")
LIFECYCLE = ("ses", "mailgun", "brevo", "mandrill", "mailjet")
PROMOTIONAL = ("sendgrid", "sparkpost", "mailgun", "brevo", "postmark")

LANES = (
    (
        "receipts",
        "transactional",
        "receipts",
        TRANSACTIONAL,
        ["order_confirmation", "shipping_update", "password_reset"],
        ["all_emails", "transactional"],
    ),
    (
        "revenue",
        "lifecycle",
        "notify",
        LIFECYCLE,
        ["cart_abandon", "browse_abandon", "post_purchase", "winback"],
        ["event_triggered", "segment_triggered"],
    ),
    (
        "promos",
        "promotional",
        "mail",
        PROMOTIONAL,
        ["newsletter", "promotion", "sale"],
        ["newsletters", "triggered_broadcasts"],
    ),
)


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _provider_block(provider: str, seed: str, index: int) -> dict[str, Any]:
    """The provider's settings block for one lane (deterministic in *seed*)."""
    region = "eu" if index % 2 else "us"
    key = ED25519_KEY if index % 7 == 3 else RSA_2048_KEY
    selector = f"s{_hex(seed, 6)}"
    if provider == "ses":
        tokens = [_hex(f"{seed}/{n}", 32) for n in range(3)]
        return {
            "ses": {"region": "eu-west-1" if region == "eu" else "us-east-1", "dkimTokens": tokens}
        }
    if provider == "sendgrid":
        user = str(1_000_000 + index)
        return {
            "sendgrid": {
                "returnPathHost": f"em{1000 + index % 9000}",
                "wlHost": f"u{user}.wl{index % 250}.sendgrid.net",
                "linkBranding": {"host": f"url{1000 + index % 9000}", "userId": user},
            }
        }
    if provider == "mailgun":
        return {
            "mailgun": {
                "region": region,
                "dkimSelector": selector,
                "dkimPublicKey": RSA_2048_KEY,
                "receiving": index % 3 == 0,
            }
        }
    if provider == "postmark":
        return {"postmark": {"dkimSelector": selector, "dkimPublicKey": RSA_2048_KEY}}
    if provider == "sparkpost":
        return {
            "sparkpost": {"region": region, "dkimSelector": selector, "dkimPublicKey": RSA_2048_KEY}
        }
    if provider == "mailjet":
        return {"mailjet": {"dkimPublicKey": RSA_2048_KEY}}
    if provider == "mandrill":
        return {}
    if provider == "brevo":
        return {"brevo": {"verificationCode": _hex(seed, 24)}}
    if provider == "smtp":
        return {
            "mta": {
                "ip4": [f"192.0.2.{index % 250 + 1}", "198.51.100.0/28"],
                "ip6": ["2001:db8::/64"],
                "dkimSelector": selector,
                "dkimPublicKey": key,
            }
        }
    raise ValueError(f"no generator for provider {provider!r}")


def _smtp(provider: str, seed: str, index: int) -> dict[str, Any]:
    if provider == "smtp":
        return {"host": f"mta{index % 4}.example.net", "port": 465}
    if provider in ("sendgrid", "sparkpost"):
        return {"port": 587}  # fixed user names
    return {"port": 2587 if index % 5 == 4 else 587, "username": f"user-{_hex(seed, 12)}"}


def brand(index: int, brands: int) -> dict[str, Any]:
    """The config of brand number *index* (0-based) in a stack of *brands* brands."""
    name = f"brand{index:05d}"
    domain = f"{name}.example"
    # Every tenth brand sends aggregate reports to the first brand's domain, which makes the
    # plan add RFC 7489 §7.1 authorization records there.
    report_domain = "brand00000.example" if index % 10 == 9 and brands > 1 else domain
    document: dict[str, Any] = {
        "name": name,
        "domain": domain,
        "zoneId": _hex(domain, 32),
        "customerio": {"region": "eu" if index % 4 == 1 else "us", "trackingHost": "links"},
        "dmarc": {"policy": "quarantine", "rua": [f"mailto:dmarc@{report_domain}"]},
        "lanes": [],
    }
    if index % 6 == 5:
        document["ttl"] = 300
    for lane_name, kind, subdomain, providers, categories, message_types in LANES:
        provider = providers[index % len(providers)]
        seed = f"{name}/{lane_name}"
        lane: dict[str, Any] = {
            "name": lane_name,
            "kind": kind,
            "subdomain": subdomain,
            "provider": provider,
            **_provider_block(provider, seed, index),
            "smtp": _smtp(provider, seed, index),
            "categories": list(categories),
            "customerio": {"messageTypes": list(message_types)},
        }
        if kind == "transactional":
            lane["dmarc"] = {"policy": "reject"}
        else:
            lane["unsubscribe"] = {"oneClick": True}
        if kind == "promotional" and index % 2 == 0:
            lane["warmup"] = {"start": "2026-12-01", "dailyLimits": [500, 1000, 5000, 20000]}
        document["lanes"].append(lane)
    return document


def stack(brands: int, passwords: bool = False) -> dict[str, Any]:
    """The whole stack document (``config:`` mapping) for *brands* brands."""
    config: dict[str, Any] = {"sendlanes:brands": [brand(i, brands) for i in range(brands)]}
    if passwords:
        config["sendlanes:smtpPasswords"] = {
            f"brand{i:05d}/{lane[0]}": {"secure": f"v1:{_hex(f'{i}/{lane[0]}', 24)}"}
            for i in range(brands)
            for lane in LANES
        }
    return {"config": config}


def lane_keys(brands: int) -> Iterator[str]:
    """The ``brand/lane`` keys of a generated stack, in config order."""
    for i in range(brands):
        for lane in LANES:
            yield f"brand{i:05d}/{lane[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brands", type=int, default=100, help="number of brands (default 100)")
    parser.add_argument(
        "--passwords",
        action="store_true",
        help="list every lane under sendlanes:smtpPasswords with a placeholder secure value",
    )
    args = parser.parse_args(argv)
    if args.brands < 1:
        parser.error("--brands must be at least 1")
    sys.stdout.write(f"# {args.brands} brands x 3 lanes, written by bench/genstack.py\n")
    yaml.safe_dump(
        stack(args.brands, args.passwords),
        sys.stdout,
        sort_keys=False,
        default_flow_style=False,
        width=4096,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
