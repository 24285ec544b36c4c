"""The price resolution rules, in one place (no SQL, no I/O).

The rules (the README's "Prices, discounts and assortments" says the same):

1. A price list applies to a request when it is in the request's currency, valid at the
   request time (``valid_from <= at < valid_to``, either end open) and meant for the buyer:
   every base list; the group lists of the company's ``customer_group``; the company's own
   (customer, contract) lists. Anonymous buyers get base lists only.
2. Lists are ranked: customer before group before base; within a level the higher
   ``priority`` wins, then the later ``valid_from`` (an open start counts as the earliest),
   then the lower id. The first list in that order with a tier for the SKU at the quantity
   (``min_qty <= qty``; of several, the highest ``min_qty``) sets the list price. A list with
   no tier reaching the quantity (only ``min_qty`` 10 for 5 pieces) is skipped, not a stop.
3. Without such a list the product's catalog ``price_per_piece`` is the list price, when the
   product's ``currency`` is the request's. No currency conversion happens anywhere: a
   request in USD sees USD lists and USD catalog prices only.
4. Discounts: a discount applies when valid at the request time, meant for the company (by
   id) or its customer group, its target matches the product (the SKU, the brand exactly as
   written, or a category path and its whole subtree) and, for a fixed discount, it is in the
   request's currency. Of those, exactly one is used — never stacked: the most specific
   target (product, then brand, then category, a deeper category before a shallower one),
   then the company's own before its group's, then the lower id.
5. Discounts apply to base and group list prices and to catalog prices, never to a
   customer's contract (customer list) price: a contract price is already the negotiated net.
6. A percentage takes ``percent`` off, rounded half-up to the price unit (1/10,000); a fixed
   discount takes its amount off per unit, never below 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from catalog.fields import category_levels
from commerce.prices.money import apply_fixed, apply_percent

LEVEL = {"base": 1, "group": 2, "customer": 3}
TARGET_RANK = {"category": 1, "brand": 2, "product": 3}
_EARLIEST = datetime.min


def now_utc() -> datetime:
    """Naive UTC, like every time stored in the tables."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(at: datetime | None) -> datetime:
    """``at`` (default now) as naive UTC; an aware time is converted first."""
    if at is None:
        return now_utc()
    if at.tzinfo is not None:
        return at.astimezone(UTC).replace(tzinfo=None)
    return at


def is_active(valid_from: datetime | None, valid_to: datetime | None, at: datetime) -> bool:
    return (valid_from is None or valid_from <= at) and (valid_to is None or at < valid_to)


def normalize_category(path: str) -> str:
    """``' Fasteners >Bolts '`` -> ``'Fasteners > Bolts'`` (the catalog's own spelling)."""
    levels = category_levels(path)
    return levels[-1] if levels else ""


@dataclass(frozen=True)
class ListInfo:
    id: int
    name: str
    kind: str
    customer_group: str | None
    company_id: int | None
    currency: str
    priority: int
    valid_from: datetime | None
    valid_to: datetime | None

    def rank(self) -> tuple[int, int, datetime, int]:
        """Greater is preferred (rule 2)."""
        return (LEVEL[self.kind], self.priority, self.valid_from or _EARLIEST, -self.id)

    def serves(self, company_id: int | None, group: str | None, currency: str,
               at: datetime) -> bool:
        return (is_active(self.valid_from, self.valid_to, at)
                and self.meant_for(company_id, group, currency))

    def meant_for(self, company_id: int | None, group: str | None, currency: str) -> bool:
        """Rule 1 without the time."""
        if self.currency != currency:
            return False
        if self.kind == "base":
            return True
        if self.kind == "group":
            return company_id is not None and group is not None and self.customer_group == group
        return company_id is not None and self.company_id == company_id


@dataclass(frozen=True)
class DiscountInfo:
    id: int
    name: str
    kind: str  # percent | fixed
    value_units: int  # percent: 1/10,000 %; fixed: price units
    currency: str | None
    target_kind: str  # product | brand | category
    target: str
    customer_group: str | None
    company_id: int | None
    valid_from: datetime | None
    valid_to: datetime | None

    @property
    def depth(self) -> int:
        return len(category_levels(self.target)) if self.target_kind == "category" else 0

    def rank(self) -> tuple[int, int, int, int]:
        """Greater is preferred (rule 4)."""
        return (TARGET_RANK[self.target_kind], self.depth, 2 if self.company_id else 1,
                -self.id)

    def serves(self, company_id: int | None, group: str | None, currency: str,
               at: datetime) -> bool:
        return (is_active(self.valid_from, self.valid_to, at)
                and self.meant_for(company_id, group, currency))

    def meant_for(self, company_id: int | None, group: str | None, currency: str) -> bool:
        """Rule 4 without the time and the product."""
        if company_id is None:
            return False
        if self.kind == "fixed" and self.currency != currency:
            return False
        if self.company_id is not None:
            return self.company_id == company_id
        return group is not None and self.customer_group == group

    def matches(self, sku: str, brand: str | None, levels: Iterable[str]) -> bool:
        if self.target_kind == "product":
            return sku == self.target
        if self.target_kind == "brand":
            return brand is not None and brand == self.target
        return self.target in levels

    def apply(self, units: int) -> int:
        if self.kind == "percent":
            return apply_percent(units, self.value_units)
        return apply_fixed(units, self.value_units)


@dataclass(frozen=True)
class ProductFacts:
    """What pricing needs to know of a product."""

    sku: str
    brand: str | None
    category: str | None
    catalog_units: int | None  # price_per_piece in price units
    currency: str | None


@dataclass(frozen=True)
class Resolution:
    """The outcome for one SKU and quantity; ``units`` None when nothing prices it."""

    units: int | None
    list_units: int | None  # before the discount
    source: str | None  # customer | group | base | catalog
    price_list: ListInfo | None
    tier_min_qty: int | None
    discount: DiscountInfo | None


NO_PRICE = Resolution(None, None, None, None, None, None)


def applicable_lists(lists: Iterable[ListInfo], company_id: int | None, group: str | None,
                     currency: str, at: datetime) -> list[ListInfo]:
    """The lists serving the buyer, best first."""
    return sorted((x for x in lists if x.serves(company_id, group, currency, at)),
                  key=ListInfo.rank, reverse=True)


def applicable_discounts(discounts: Iterable[DiscountInfo], company_id: int | None,
                         group: str | None, currency: str, at: datetime) -> list[DiscountInfo]:
    """The discounts serving the buyer, best first (before matching a product)."""
    return sorted((d for d in discounts if d.serves(company_id, group, currency, at)),
                  key=DiscountInfo.rank, reverse=True)


def pick_tier(tiers: Sequence[tuple[int, int]], qty: int) -> tuple[int, int] | None:
    """The tier ``(min_qty, units)`` with the highest ``min_qty <= qty``."""
    best: tuple[int, int] | None = None
    for tier in tiers:
        if tier[0] <= qty and (best is None or tier[0] > best[0]):
            best = tier
    return best


def resolve(product: ProductFacts, qty: int, currency: str, lists_best_first: Sequence[ListInfo],
            tiers: Mapping[tuple[int, str], Sequence[tuple[int, int]]],
            discounts_best_first: Sequence[DiscountInfo]) -> Resolution:
    """Rules 2-6 for one product. ``tiers[(list_id, sku)]`` are that list's tiers of the SKU."""
    chosen: ListInfo | None = None
    tier: tuple[int, int] | None = None
    for lst in lists_best_first:
        tier = pick_tier(tiers.get((lst.id, product.sku), ()), qty)
        if tier is not None:
            chosen = lst
            break
    if chosen is not None and tier is not None:
        list_units, source, min_qty = tier[1], chosen.kind, tier[0]
    elif product.catalog_units is not None and product.currency == currency:
        list_units, source, min_qty = product.catalog_units, "catalog", None
    else:
        return NO_PRICE
    discount = None
    if source != "customer":
        levels = set(category_levels(product.category))
        discount = next((d for d in discounts_best_first
                         if d.matches(product.sku, product.brand, levels)), None)
    units = discount.apply(list_units) if discount is not None else list_units
    return Resolution(units, list_units, source, chosen, min_qty, discount)


def describe(resolution: Resolution) -> dict[str, Any]:
    """The explanation of a price, for quotes and the API."""
    lst, disc = resolution.price_list, resolution.discount
    return {
        "source": resolution.source,
        "price_list": None if lst is None else {"id": lst.id, "name": lst.name, "kind": lst.kind},
        "tier_min_qty": resolution.tier_min_qty,
        "discount": None if disc is None else {
            "id": disc.id, "name": disc.name, "kind": disc.kind,
            "target_kind": disc.target_kind, "target": disc.target,
            "audience": "company" if disc.company_id else "group"},
    }
