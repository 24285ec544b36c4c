"""A buyer's own assortment and prices in search (S13, P3), from the commerce tables.

For a company, :meth:`PersonalSearch.for_company` gives what a search plan needs: the
assortment (``indexer.plan.Assortment``) and the buyer's prices as a lookup from product keys
(``indexer.plan.CustomerPrices``). Prices come from ``commerce.prices.book`` (one price per
product of the catalog, computed with numpy and cached per buyer); the lookup matches the
keys the engine returns to the catalog's order with a binary search.

The catalog's side (:class:`~commerce.prices.book.PricingCatalog`: SKUs, catalog prices,
brands, categories) is read from the store once and again when the products change: the
store's product count and newest ``updated_at`` are checked at most every ``refresh_s``
seconds, so an import shows in buyers' prices within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalog.fields import category_levels
from catalog.keys import product_keys
from catalog.models import Product
from commerce.assortments.service import AssortmentService
from commerce.prices.book import CustomerPrices as BookPrices
from commerce.prices.book import PriceBook, PricingCatalog
from indexer.plan import Assortment, CustomerPrices


@dataclass(frozen=True)
class _Catalog:
    pricing: PricingCatalog
    sorted_keys: np.ndarray  # the product keys, ascending
    position: np.ndarray  # position in ``pricing`` of each sorted key


@dataclass(frozen=True)
class BuyerView:
    """What a search for one buyer's company adds to the plan."""

    company_id: int
    customer_group: str | None
    assortment: Assortment | None
    prices: CustomerPrices | None  # None: the buyer pays catalog prices (no list, no discount)

    def allows(self, product: Mapping[str, Any]) -> bool:
        """Whether the assortment shows this product (its card, for instance)."""
        a = self.assortment
        if a is None:
            return True
        levels = set(category_levels(product.get("category")))

        def hits(categories: tuple[str, ...], brands: tuple[str, ...], skus: tuple[str, ...]
                 ) -> bool:
            return (product.get("sku") in skus or product.get("brand") in brands
                    or any(c in levels for c in categories))

        if a.includes and not hits(a.include_categories, a.include_brands, a.include_skus):
            return False
        return not hits(a.exclude_categories, a.exclude_brands, a.exclude_skus)

    def price_of(self, sku: str) -> float | None:
        if self.prices is None:
            return None
        value = float(self.prices.lookup(product_keys([sku]))[0])
        return None if np.isnan(value) else value


class PersonalSearch:
    def __init__(self, engine: Engine, *, currency: str = "EUR", refresh_s: float = 1.0) -> None:
        self.engine = engine
        self.currency = currency
        self.refresh_s = refresh_s
        self.book = PriceBook(engine, refresh_s=refresh_s)
        self.assortments = AssortmentService(refresh_s=refresh_s)
        self._lock = threading.Lock()
        self._catalog: _Catalog | None = None
        self._stamp: tuple[int, object] | None = None
        self._checked = 0.0

    def for_company(self, company_id: int, customer_group: str | None = None) -> BuyerView:
        rules = self.assortments.for_company(self.engine, company_id)
        assortment = None
        if rules is not None and any(rules.to_dict().values()):
            assortment = Assortment(
                include_categories=rules.include_categories,
                include_brands=rules.include_brands, include_skus=rules.include_skus,
                exclude_categories=rules.exclude_categories,
                exclude_brands=rules.exclude_brands, exclude_skus=rules.exclude_skus)
        own = self.book.for_company(company_id, self.currency)
        if not own.lists and not own.discounts:
            return BuyerView(company_id, customer_group, assortment, None)
        return BuyerView(company_id, customer_group, assortment,
                         CustomerPrices(_Lookup(own, self.catalog())))

    def catalog(self) -> _Catalog:
        now = time.monotonic()
        with self._lock:
            current = self._catalog
            if current is not None and now - self._checked < self.refresh_s:
                return current
            self._checked = now
        stamp = self._catalog_stamp()
        with self._lock:
            if self._catalog is not None and stamp == self._stamp:
                return self._catalog
        pricing = PricingCatalog.from_engine(self.engine)
        keys = product_keys(list(pricing.skus))
        order = np.argsort(keys, kind="stable")
        built = _Catalog(pricing, keys[order], order)
        with self._lock:
            self._catalog, self._stamp = built, stamp
        return built

    def _catalog_stamp(self) -> tuple[int, object]:
        with self.engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(Product.updated_at)).select_from(Product)).one()
        return int(count), newest


class _Lookup:
    """Product keys -> the buyer's prices (NaN for keys the catalog does not know)."""

    def __init__(self, prices: BookPrices, catalog: _Catalog) -> None:
        self.values = prices.unit_prices(catalog.pricing)
        self.catalog = catalog

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        sorted_keys = self.catalog.sorted_keys
        if sorted_keys.size == 0:
            return np.full(keys.shape, np.nan)
        at = np.searchsorted(sorted_keys, keys)
        at_clipped = np.minimum(at, sorted_keys.size - 1)
        known = sorted_keys[at_clipped] == keys
        out = np.full(keys.shape, np.nan)
        out[known] = self.values[self.catalog.position[at_clipped[known]]]
        return out
