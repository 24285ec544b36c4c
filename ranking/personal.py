"""A buyer's own assortment and prices in search (S13, P3), from the commerce tables.

For a company, :meth:`PersonalSearch.for_company` gives what a search plan needs: the
assortment (``indexer.plan.Assortment``) and the buyer's prices as a lookup from product keys
(``indexer.plan.CustomerPrices``). Prices come from ``commerce.prices.book`` (one price per
product of the catalog, computed with numpy and cached per buyer); the lookup matches the
keys the engine returns to the catalog's order with a binary search.

The catalog's side (:class:`~commerce.prices.book.PricingCatalog`: SKUs, catalog prices,
brands, categories) is read from the store once and again when the products change: the
store's product count and newest ``updated_at`` are checked at most every
``catalog_refresh_s`` seconds (5; in the background), so an import shows in buyers' prices
within about that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from catalog.fields import category_levels
from catalog.keys import product_keys
from catalog.models import Product
from catalog.store import local_changes
from commerce.assortments.service import AssortmentService
from commerce.prices.book import CustomerPrices as BookPrices
from commerce.prices.book import PriceBook, PricingCatalog
from commerce.prices.money import PRICE_SCALE
from indexer.plan import Assortment, CustomerPrices

log = logging.getLogger("discovery")


@dataclass(frozen=True)
class _Catalog:
    pricing: PricingCatalog
    sorted_keys: np.ndarray  # the product keys, ascending
    position: np.ndarray  # position in ``pricing`` of each sorted key
    listed: np.ndarray  # the catalog's price_per_piece in catalog order (NaN: none)


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
    def __init__(self, engine: Engine, *, currency: str = "EUR", refresh_s: float = 1.0,
                 catalog_refresh_s: float = 5.0) -> None:
        self.engine = engine
        self.currency = currency
        self.refresh_s = refresh_s  # price lists, discounts, assortments
        self.catalog_refresh_s = catalog_refresh_s  # products (a check scans the table)
        self.book = PriceBook(engine, refresh_s=refresh_s)
        self.assortments = AssortmentService(refresh_s=refresh_s)
        self._lock = threading.Lock()
        self._catalog: _Catalog | None = None
        self._stamp: tuple[object, ...] | None = None
        self._checked = 0.0
        self._refreshing = False
        # a buyer's prices for the plan, reused while neither the buyer's price view (the
        # book's, replaced on any price change) nor the catalog changed: what an engine keeps
        # in ``CustomerPrices.memo`` (compiled price filters) serves the buyer's next pages
        self.max_views = 64  # each holds the buyer's price array (0.8 MB at 100,000 products)
        self._views: OrderedDict[int, tuple[object, _Catalog, CustomerPrices]] = OrderedDict()

    def for_company(self, company_id: int, customer_group: str | None = None) -> BuyerView:
        rules = self.assortments.for_company(self.engine, company_id, customer_group)
        assortment = None
        if rules is not None and any(rules.to_dict().values()):
            assortment = Assortment(
                include_categories=rules.include_categories,
                include_brands=rules.include_brands, include_skus=rules.include_skus,
                exclude_categories=rules.exclude_categories,
                exclude_brands=rules.exclude_brands, exclude_skus=rules.exclude_skus)
        own = self.book.for_company(company_id, self.currency, group=customer_group)
        if not own.lists and not own.discounts:
            return BuyerView(company_id, customer_group, assortment, None)
        catalog = self.catalog()
        with self._lock:
            cached = self._views.get(company_id)
            if cached is not None and cached[0] is own and cached[1] is catalog:
                self._views.move_to_end(company_id)
                prices = cached[2]
            else:
                lookup = _Lookup(own, catalog)
                prices = CustomerPrices(lookup, lookup.everything)
                self._views[company_id] = (own, catalog, prices)
                while len(self._views) > self.max_views:
                    self._views.popitem(last=False)
        return BuyerView(company_id, customer_group, assortment, prices)

    def catalog(self) -> _Catalog:
        """The catalog side, checked for changes at most every ``catalog_refresh_s`` s in a
        background thread (counting the products scans the table: not on a search's time);
        only the very first call reads it while the caller waits."""
        now = time.monotonic()
        with self._lock:
            current = self._catalog
            if current is not None:
                if now - self._checked >= self.catalog_refresh_s and not self._refreshing:
                    self._checked, self._refreshing = now, True
                    threading.Thread(target=self._refresh_in_background, daemon=True,
                                     name="personal-catalog").start()
                return current
        return self._refresh()

    def _refresh_in_background(self) -> None:
        try:
            self._refresh()
        except Exception:  # noqa: BLE001 - the current catalog keeps serving; retried later
            log.exception("reading the catalog for buyers' prices failed")
        finally:
            with self._lock:
                self._refreshing = False

    def _refresh(self) -> _Catalog:
        stamp = self._catalog_stamp()
        with self._lock:
            self._checked = time.monotonic()
            if self._catalog is not None and stamp is not None and stamp == self._stamp:
                return self._catalog
        pricing = PricingCatalog.from_engine(self.engine)
        keys = product_keys(list(pricing.skus))
        order = np.argsort(keys, kind="stable")
        units = pricing.catalog_units
        listed = np.where(units >= 0, units / PRICE_SCALE, np.nan)
        built = _Catalog(pricing, keys[order], order, listed)
        with self._lock:
            self._catalog, self._stamp = built, stamp
        return built

    def _catalog_stamp(self) -> tuple[object, ...] | None:
        """What tells a changed catalog: this process's writes, the products' count and their
        newest ``updated_at``. None while the newest change is under two seconds old: the
        database's clock may count in whole seconds, and a write later in that second would
        leave the stamp as it was, so such a catalog is read again at the next check."""
        changes = local_changes()
        with self.engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(Product.updated_at)).select_from(Product)).one()
        if isinstance(newest, datetime):
            if newest.tzinfo is not None:
                newest = newest.astimezone(UTC).replace(tzinfo=None)
            if datetime.now(UTC).replace(tzinfo=None) - newest < timedelta(seconds=2):
                return None
        return changes, int(count), newest


class _Lookup:
    """Product keys -> the buyer's prices (NaN for keys the catalog does not know)."""

    def __init__(self, prices: BookPrices, catalog: _Catalog) -> None:
        self.values = prices.unit_prices(catalog.pricing)
        self.catalog = catalog

    def everything(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(SKUs, the buyer's prices, catalog prices) of every product, in catalog order."""
        return self.catalog.pricing.skus, self.values, self.catalog.listed

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
