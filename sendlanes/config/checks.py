"""Config rules that span objects: uniqueness, references and the category catalog.

:func:`raw_problems` reads the raw YAML data defensively, so it runs even when the schema
rejected something elsewhere; :func:`typed_problems` needs the validated model.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sendlanes.config.schema import BrandConfig, LaneConfig, StackConfig
from sendlanes.errors import quoted
from sendlanes.lanes.catalog import BUILTIN_CATEGORIES, Catalog, LaneKind
from sendlanes.lanes.hostnames import MAX_NAME_OCTETS
from sendlanes.providers import PROVIDERS
from sendlanes.providers.base import LaneContext

Path_ = tuple[str | int, ...]
# The longest owner name a preset adds below a lane is about 45 octets (an SES DKIM token).
_SELECTOR_ROOM = 64


@dataclass(frozen=True)
class Problem:
    path: Path_
    message: str


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value.strip().lower() if isinstance(value, str) else None


def raw_problems(data: dict[str, Any]) -> Iterator[Problem]:
    """Duplicates, unknown categories and dangling references, from the raw data."""
    brands = _dicts(data.get("brands"))
    yield from _duplicates(
        [(("brands", b, "name"), _text(brand, "name")) for b, brand in brands], "brand name"
    )
    yield from _duplicates(
        [(("brands", b, "domain"), _text(brand, "domain")) for b, brand in brands], "brand domain"
    )
    catalog = Catalog.with_user_categories(_user_categories(data))
    yield from _redefined_builtins(data)
    fqdns: list[tuple[Path_, str | None]] = []
    lane_keys: set[str] = set()
    for b, brand in brands:
        lanes = _dicts(brand.get("lanes"))
        brand_name = _text(brand, "name")
        yield from _duplicates(
            [(("brands", b, "lanes", n, "name"), _text(lane, "name")) for n, lane in lanes],
            f"lane name in brand {brand_name!r}",
        )
        for n, lane in lanes:
            base: Path_ = ("brands", b, "lanes", n)
            subdomain, domain = _text(lane, "subdomain"), _text(brand, "domain")
            if subdomain and domain:
                fqdns.append(
                    ((*base, "subdomain"), f"{subdomain.rstrip('.')}.{domain.rstrip('.')}")
                )
            lane_keys.add(f"{brand_name}/{_text(lane, 'name')}")
            yield from _category_problems(lane.get("categories"), base, catalog)
            previous = lane.get("previousNames")
            if isinstance(previous, list) and lane.get("name") in previous:
                at = previous.index(lane.get("name"))
                yield Problem((*base, "previousNames", at), "is the lane's current name")
    yield from _duplicates(fqdns, "lane FQDN")
    passwords = data.get("smtpPasswords")
    for key in sorted(set(passwords or ()) - lane_keys):
        yield Problem(("smtpPasswords", key), f"no lane {quoted(key)} in sendlanes:brands")


def _user_categories(data: dict[str, Any]) -> dict[str, LaneKind]:
    raw = data.get("categories")
    if not isinstance(raw, dict):
        return {}
    kinds = {kind.value: kind for kind in LaneKind}
    return {str(k): kinds[v] for k, v in raw.items() if isinstance(v, str) and v in kinds}


def _redefined_builtins(data: dict[str, Any]) -> Iterator[Problem]:
    for name, intent in _user_categories(data).items():
        builtin = BUILTIN_CATEGORIES.get(name)
        if builtin is not None and builtin != intent:
            yield Problem(
                ("categories", name),
                f"built-in category {name!r} is {builtin}; it cannot be redeclared as {intent}",
            )


def _category_problems(categories: Any, base: Path_, catalog: Catalog) -> Iterator[Problem]:
    if not isinstance(categories, list):
        return
    for c, category in enumerate(categories):
        if isinstance(category, str) and category not in catalog:
            close = difflib.get_close_matches(category, catalog.intents, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            yield Problem(
                (*base, "categories", c),
                f"unknown category {category!r} ({hint}declare your own under "
                "sendlanes:categories as `name: transactional|lifecycle|promotional`)",
            )
    yield from _duplicates(
        [
            ((*base, "categories", c), cat)
            for c, cat in enumerate(categories)
            if isinstance(cat, str)
        ],
        "category",
    )


def typed_problems(config: StackConfig) -> Iterator[Problem]:
    """Rules that need validated values: name lengths and provider SMTP facts."""
    for b, brand in enumerate(config.brands):
        for n, lane in enumerate(brand.lanes):
            yield from _lane_problems(brand, lane, ("brands", b, "lanes", n))


def _lane_problems(brand: BrandConfig, lane: LaneConfig, base: Path_) -> Iterator[Problem]:
    fqdn = f"{lane.subdomain}.{brand.domain}"
    if len(fqdn) > MAX_NAME_OCTETS - _SELECTOR_ROOM:
        yield Problem(
            (*base, "subdomain"),
            f"{fqdn} is {len(fqdn)} octets: with DKIM selectors its records would pass the "
            f"{MAX_NAME_OCTETS}-octet limit of a DNS name",
        )
    preset = PROVIDERS[lane.provider]
    context = LaneContext(fqdn, lane.kind, brand.ttl, lane.provider_settings())
    if lane.smtp.host is None and preset.smtp_host(context) is None:
        yield Problem(
            (*base, "smtp", "host"),
            f"provider {lane.provider!r} has no default SMTP host: set smtp.host",
        )
    if preset.fixed_username and lane.smtp.username not in (None, preset.fixed_username):
        yield Problem(
            (*base, "smtp", "username"),
            f"{preset.title} SMTP always uses user name {preset.fixed_username!r}",
        )


def _duplicates(items: Sequence[tuple[Path_, str | None]], what: str) -> Iterator[Problem]:
    counts = Counter(value for _, value in items if value is not None)
    seen: set[str] = set()
    for path, value in items:
        if value is not None and counts[value] > 1:
            if value in seen:
                yield Problem(path, f"duplicate {what} {quoted(value)}")
            seen.add(value)
