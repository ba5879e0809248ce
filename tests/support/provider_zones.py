"""Zones for verifying a plan end to end on loopback: the brands' and the providers'.

A lane's records point outside its zone: DKIM CNAMEs into ``amazonses.com`` or
``sendgrid.net``, ``include:`` targets, return-path and tracking targets. To resolve every
chain without leaving 127.0.0.1, the test server also serves the providers' zones, built
here with records shaped like the real ones (SPF ranges as the providers publish them; host
addresses from the documentation ranges of RFC 5737).

* :func:`brand_zones` — each brand's zone from ``sendlanes plan --format zone`` (the text
  of :func:`sendlanes.commands.plan.zone_fragment`), plus the organization's own
  ``_dmarc.<domain>`` record that a real zone already has.
* :func:`provider_zones` — the providers' zones, with a key, SPF record, MX or address for
  every target the plan's CNAMEs and MX records point at, and ``example.`` (empty) so the
  DMARC Tree Walk ends in an answer.
* :func:`dict_zone` — the same data in :mod:`tests.support.dictdns` form.
"""

from __future__ import annotations

import datetime
import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from sendlanes.commands.plan import zone_fragment
from sendlanes.config.load import parse_stack_config
from sendlanes.lanes.records import Purpose, RecordType
from sendlanes.plan.build import build_plan
from sendlanes.plan.model import Plan
from tests.support.knot import ZoneRecord, zone_text

TTL = 300
RSA_2048_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr20uQqWtWXTqauwPQ7BQUg1z43nsG7/x57HZlhx/VjSPUAcb"
    "b4Kf4hBKwonmQnTt4AEjVGRyRp5tR8wNlBDllTslimQJAneYKQ2akf+OflGgUe81NPkhXOL3Tb4OYurgatgj60L4pwP2"
    "IyFI00cjg6TJrlIpl0c2pFDkWCSpR/IAB06m1+iPod4NsxTWnaNdT5zs0gBYWjyw60xoIZUwpLqDocovtiabH3Q7HRT0"
    "NZMUv2cJ8rhSd/FrVnuwno5Wrg7B9mHog3ZAY6tD3PoZyWsoQhDaXoSjWj+whvh/f/WiFj8uO2FCFo+nLcyFFC9fVDGF"
    "CiWl7xu4FaZeza4zxwIDAQAB"
)
PROVIDER_DKIM = f"v=DKIM1; k=rsa; p={RSA_2048_KEY}"

#: The providers' zone apexes (longest match decides where a target lives).
PROVIDER_APEXES = (
    "amazonses.com",
    "sendgrid.net",
    "mtasv.net",
    "sparkpostmail.com",
    "mailgun.org",
    "mailjet.com",
    "mandrillapp.com",
    "brevo.com",
    "customeriomail.com",
    "example",
)

#: Records the providers publish whatever the lanes are.
PROVIDER_RECORDS: tuple[ZoneRecord, ...] = (
    (
        "amazonses.com",
        "TXT",
        "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20"
        " ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19"
        " ip4:54.240.96.0/19 ip4:52.82.172.0/22 -all",
        TTL,
        None,
    ),
    (
        "sendgrid.net",
        "TXT",
        "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20"
        " ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16"
        " ip4:159.183.0.0/16 ~all",
        TTL,
        None,
    ),
    ("sendgrid.net", "A", "198.51.100.80", TTL, None),
    ("mx.sendgrid.net", "A", "198.51.100.81", TTL, None),
    ("pm.mtasv.net", "TXT", "v=spf1 ip4:50.31.156.96/27 ip4:104.245.209.192/26 ~all", TTL, None),
    ("pm.mtasv.net", "A", "198.51.100.90", TTL, None),
    ("sparkpostmail.com", "TXT", "v=spf1 ip4:192.174.80.0/20 ip4:147.253.208.0/20 ~all", TTL, None),
    ("sparkpostmail.com", "MX", "smtp.sparkpostmail.com", TTL, 10),
    ("smtp.sparkpostmail.com", "A", "198.51.100.100", TTL, None),
    ("eu.sparkpostmail.com", "TXT", "v=spf1 ip4:18.203.16.0/24 ~all", TTL, None),
    ("eu.sparkpostmail.com", "MX", "smtp.eu.sparkpostmail.com", TTL, 10),
    ("smtp.eu.sparkpostmail.com", "A", "198.51.100.101", TTL, None),
    (
        "mailgun.org",
        "TXT",
        "v=spf1 include:_spf.mailgun.org include:_spf.eu.mailgun.org ~all",
        TTL,
        None,
    ),
    (
        "_spf.mailgun.org",
        "TXT",
        "v=spf1 ip4:209.61.151.0/24 ip4:166.78.68.0/22 ip4:198.61.254.0/23 ip4:192.237.158.0/23"
        " ip4:23.253.182.0/23 ip4:104.130.96.0/28 ip4:146.20.113.0/24 ip4:159.135.224.0/20 ~all",
        TTL,
        None,
    ),
    (
        "_spf.eu.mailgun.org",
        "TXT",
        "v=spf1 ip4:141.193.32.0/23 ip4:159.135.140.80/29 ~all",
        TTL,
        None,
    ),
    ("mailgun.org", "A", "198.51.100.110", TTL, None),
    ("eu.mailgun.org", "A", "198.51.100.111", TTL, None),
    ("mxa.mailgun.org", "A", "198.51.100.112", TTL, None),
    ("mxb.mailgun.org", "A", "198.51.100.113", TTL, None),
    ("mxa.eu.mailgun.org", "A", "198.51.100.114", TTL, None),
    ("mxb.eu.mailgun.org", "A", "198.51.100.115", TTL, None),
    (
        "spf.mailjet.com",
        "TXT",
        "v=spf1 ip4:185.189.236.0/22 ip4:185.211.120.0/22 ip4:87.253.232.0/21 ~all",
        TTL,
        None,
    ),
    ("spf.mandrillapp.com", "TXT", "v=spf1 ip4:198.2.128.0/18 ip4:148.105.8.0/21 ~all", TTL, None),
    ("e.customeriomail.com", "A", "203.0.113.10", TTL, None),
    ("e-eu.customeriomail.com", "A", "203.0.113.11", TTL, None),
)


def _apex(name: str, apexes: Iterable[str]) -> str | None:
    name = name.rstrip(".").lower()
    matches = [a for a in apexes if name == a or name.endswith(f".{a}")]
    return max(matches, key=len) if matches else None


def target_records(plan: Plan) -> Iterator[ZoneRecord]:
    """What the providers publish at the targets of the plan's CNAME and MX records."""
    for brand in plan.brands:
        for record in brand.all_records():
            target = record.content.rstrip(".").lower()
            if record.type is RecordType.MX:
                yield (target, "A", "198.51.100.20", TTL, None)
            if record.type is not RecordType.CNAME:
                continue
            if record.purpose is Purpose.DKIM:
                yield (target, "TXT", PROVIDER_DKIM, TTL, None)
            elif record.purpose is Purpose.RETURN_PATH and target.endswith(".sendgrid.net"):
                yield (target, "TXT", "v=spf1 include:sendgrid.net ~all", TTL, None)
                yield (target, "MX", "mx.sendgrid.net", TTL, 10)


def _unique(records: Iterable[ZoneRecord]) -> list[ZoneRecord]:
    return list(dict.fromkeys(records))


def provider_zones(plan: Plan, extra: Iterable[ZoneRecord] = ()) -> dict[str, str]:
    """Zone texts of every provider zone (and ``example.``), by apex."""
    records = _unique([*PROVIDER_RECORDS, *target_records(plan), *extra])
    by_zone: dict[str, list[ZoneRecord]] = {apex: [] for apex in PROVIDER_APEXES}
    for record in records:
        apex = _apex(record[0], PROVIDER_APEXES)
        if apex is None:
            raise ValueError(f"{record[0]} is in no provider zone of the test")
        by_zone[apex].append(record)
    return {apex: zone_text(apex, rows, ttl=TTL) for apex, rows in by_zone.items()}


def brand_zone_lines(plan: Plan) -> dict[str, list[str]]:
    """Each brand domain's lines of ``sendlanes plan --format zone``."""
    zones: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in zone_fragment(plan).splitlines():
        if line.startswith("; zone "):
            current = zones.setdefault(line.split()[2], [])
        elif line.strip() and current is not None:
            current.append(line)
    return zones


def organization_dmarc(domain: str) -> str:
    """The organization's own DMARC record line, which every real brand zone has."""
    return f'_dmarc.{domain}. {TTL} IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@{domain}"'


def brand_zone(domain: str, lines: Iterable[str]) -> str:
    """A complete zone file: SOA, NS (ns1.<domain> at 127.0.0.1) and *lines*."""
    return zone_text(domain, ttl=TTL) + "\n".join(lines) + "\n"


def brand_zones(plan: Plan, *, org_dmarc: bool = True) -> dict[str, str]:
    """Zone texts of every brand, from the plan's zone fragment."""
    zones = {}
    for domain, lines in brand_zone_lines(plan).items():
        extra = [organization_dmarc(domain)] if org_dmarc else []
        zones[domain] = brand_zone(domain, [*lines, *extra])
    return zones


def all_zones(plan: Plan) -> dict[str, str]:
    return {**brand_zones(plan), **provider_zones(plan)}


def dict_zone(plan: Plan) -> dict[str, list[dict[str, object]]]:
    """Every brand and provider record in :mod:`tests.support.dictdns` form."""
    zone: dict[str, list[dict[str, object]]] = {}

    def add(name: str, rtype: str, content: str, priority: int | None) -> None:
        value: object = [priority or 10, content] if rtype == "MX" else content
        zone.setdefault(name.rstrip(".").lower(), []).append({rtype: value})

    for brand in plan.brands:
        for record in brand.all_records():
            add(record.name, str(record.type), record.content, record.priority)
        add(
            f"_dmarc.{brand.domain}",
            "TXT",
            f"v=DMARC1; p=none; rua=mailto:dmarc@{brand.domain}",
            None,
        )
    for name, rtype, content, _ttl, priority in _unique([*PROVIDER_RECORDS, *target_records(plan)]):
        add(name, rtype, content, priority)
    return zone


def generated_plan(brands: int) -> Plan:
    """The plan of the benchmark's generated stack (bench/genstack.py) of *brands* brands:
    every provider preset appears from five brands on."""
    path = Path(__file__).resolve().parents[2] / "bench" / "genstack.py"
    spec = importlib.util.spec_from_file_location("genstack", path)
    assert spec is not None and spec.loader is not None
    genstack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(genstack)
    config = parse_stack_config(yaml.safe_dump(genstack.stack(brands)), source="genstack")
    return build_plan(config, today=datetime.date(2026, 12, 1))
