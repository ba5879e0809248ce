"""Message categories and the lane kind each one belongs on (its *intent*).

A receipt that rides the promotional lane inherits the promotional lane's reputation; the
catalog is what lets lint and `headers` say so. Users extend it in config
(``sendlanes:categories: {name: intent}``); a user entry may not redefine a built-in one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class LaneKind(StrEnum):
    TRANSACTIONAL = "transactional"
    LIFECYCLE = "lifecycle"
    PROMOTIONAL = "promotional"


BUILTIN_CATEGORIES: Mapping[str, LaneKind] = {
    **dict.fromkeys(
        (
            "order_confirmation",
            "shipping_update",
            "delivery_update",
            "password_reset",
            "account_security",
            "receipt",
            "invoice",
        ),
        LaneKind.TRANSACTIONAL,
    ),
    **dict.fromkeys(
        (
            "cart_abandon",
            "checkout_abandon",
            "browse_abandon",
            "post_purchase",
            "replenishment",
            "winback",
            "review_request",
            "back_in_stock",
        ),
        LaneKind.LIFECYCLE,
    ),
    **dict.fromkeys(
        ("newsletter", "promotion", "product_launch", "sale", "vip_offer"),
        LaneKind.PROMOTIONAL,
    ),
}


@dataclass(frozen=True)
class Catalog:
    """Built-in categories plus the stack's own, each mapped to its intent."""

    intents: Mapping[str, LaneKind]

    @classmethod
    def with_user_categories(cls, user: Mapping[str, LaneKind]) -> Catalog:
        return cls({**BUILTIN_CATEGORIES, **user})

    def intent_of(self, category: str) -> LaneKind | None:
        return self.intents.get(category)

    def __contains__(self, category: object) -> bool:
        return category in self.intents


DEFAULT_CATALOG = Catalog(BUILTIN_CATEGORIES)
