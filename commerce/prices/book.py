"""The per-customer price view search uses (S13): every product's single-piece net price for
one buyer as a numpy array, computed without a Python loop over the products.

* :class:`PricingCatalog` is built once from the products (SKUs, catalog prices, currencies,
  category paths, brands) and fixes the order of the arrays.
* :class:`PriceBook` holds what was read from the database (list headers, discounts, the
  single-piece lines of each list) and hands out :class:`CustomerPrices` per (company,
  currency), cached for the validity interval they were computed for.
* ``CustomerPrices.unit_prices(catalog)`` paints the prices in rank order (catalog price, base
  lists, group lists, the company's lists; a later layer overwrites) and then applies the one
  winning discount of each product (painted in rank order too). It follows the rules of
  :mod:`commerce.prices.engine` with the same integer arithmetic, so it equals
  ``PriceService.quote(..., qty=1).net_unit`` for every product (a test checks this).

Caching and staleness: every write through :class:`~commerce.prices.service.PriceService`
bumps the ``prices`` counter in ``commerce_versions`` in its transaction, and after the commit
a process-wide generation, so this process reloads at the next call. Other processes compare
the database counter at most every ``refresh_s`` seconds (default 1): a change made elsewhere
shows within ``refresh_s``. A company's customer group is re-read at most every ``refresh_s``
too. Changes written to the tables behind the service's back are seen only by processes that
check the counter after something bumped it.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.errors import NotFound
from catalog.fields import category_levels
from commerce.prices import repository as repo
from commerce.prices.engine import (
    DiscountInfo,
    ListInfo,
    applicable_discounts,
    applicable_lists,
    naive_utc,
)
from commerce.prices.money import (
    HUNDRED_PERCENT,
    MAX_PRICE_UNITS,
    PRICE_SCALE,
    check_currency,
    div_half_up,
)

VERSION = "prices"
_generations: dict[str, int] = {}
_generations_lock = threading.Lock()
_tokens = itertools.count(1)


UNKNOWN_GROUP = object()  # for_company: the caller does not know the company's group


def local_generation(name: str) -> int:
    return _generations.get(name, 0)


def bump_local(name: str) -> None:
    with _generations_lock:
        _generations[name] = _generations.get(name, 0) + 1


def notify_local_change(tx: Session, name: str) -> None:
    """After ``tx`` commits, every cache of ``name`` in this process reloads at its next use
    (caches in other processes see the database counter within their ``refresh_s``)."""
    event.listen(tx, "after_commit", lambda _session: bump_local(name), once=True)


class PricingCatalog:
    """The products in a fixed order, as arrays; built once (per catalog change) and shared.

    ``skus``, ``catalog_units`` (price_per_piece in 1/10,000, -1 where none) and integer codes
    of currency, category and brand per product."""

    def __init__(self, skus: Sequence[str], price_per_piece: Sequence[float | None],
                 currencies: Sequence[str | None], categories: Sequence[str | None],
                 brands: Sequence[str | None]) -> None:
        n = len(skus)
        if not (len(price_per_piece) == len(currencies) == len(categories) == len(brands) == n):
            raise ValueError("every column needs one value per SKU")
        self.token = next(_tokens)
        self.skus = np.array(skus, dtype=object)
        self.index: dict[str, int] = {s: i for i, s in enumerate(skus)}
        prices = np.array([np.nan if p is None else p for p in price_per_piece], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            units = np.floor(prices * PRICE_SCALE + 0.5)
            bad = ~np.isfinite(units) | (prices < 0) | (units > MAX_PRICE_UNITS)
        self.catalog_units = np.where(bad, -1, np.nan_to_num(units, nan=-1)).astype(np.int64)
        self.currency_names, self.currency_codes = _codes(currencies)
        self.category_names, self.category_codes = _codes(categories)
        self.brand_names, self.brand_codes = _codes(brands)
        self._category_levels = [frozenset(category_levels(c)) for c in self.category_names]
        self._cache: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.skus)

    @classmethod
    def from_records(cls, records: Iterable[Any]) -> PricingCatalog:
        """From mappings or rows with sku, price_per_piece, currency, category, brand."""
        rows = [r if isinstance(r, dict) else r._asdict() for r in records]
        return cls([r["sku"] for r in rows], [r.get("price_per_piece") for r in rows],
                   [r.get("currency") for r in rows], [r.get("category") for r in rows],
                   [r.get("brand") for r in rows])

    @classmethod
    def from_engine(cls, engine: Engine) -> PricingCatalog:
        """Every product of the store, by SKU."""
        with engine.connect() as conn:
            return cls.from_records(repo.catalog_rows(conn))

    def _cached(self, key: tuple[str, str], build: Callable[[], np.ndarray]) -> np.ndarray:
        got = self._cache.get(key)
        if got is None:
            got = build()
            got.setflags(write=False)
            with self._lock:
                self._cache[key] = got
        return got

    def currency_units(self, currency: str) -> np.ndarray:
        """Catalog prices in ``currency``; -1 where the product has none in it."""
        def build() -> np.ndarray:
            try:
                code = self.currency_names.index(currency)
            except ValueError:
                return np.full(len(self), -1, dtype=np.int64)
            return np.where(self.currency_codes == code, self.catalog_units, -1)
        return self._cached(("currency", currency), build)

    def category_mask(self, path: str) -> np.ndarray:
        """Products in the category ``path`` or below it."""
        def build() -> np.ndarray:
            table = np.array([path in levels for levels in self._category_levels] + [False])
            return table[self.category_codes]  # code -1 (no category) reads the final False
        return self._cached(("category", path), build)

    def brand_mask(self, brand: str) -> np.ndarray:
        def build() -> np.ndarray:
            try:
                code = self.brand_names.index(brand)
            except ValueError:
                return np.zeros(len(self), dtype=bool)
            return self.brand_codes == code
        return self._cached(("brand", brand), build)

    def positions(self, skus: Sequence[str]) -> np.ndarray:
        """The position of each SKU, -1 for SKUs not in the catalog."""
        get = self.index.get
        return np.fromiter((get(s, -1) for s in skus), dtype=np.int64, count=len(skus))


def _codes(values: Sequence[str | None]) -> tuple[list[str], np.ndarray]:
    names: dict[str, int] = {}
    codes = np.fromiter((-1 if v is None else names.setdefault(v, len(names)) for v in values),
                        dtype=np.int32, count=len(values))
    return list(names), codes


@dataclass(frozen=True)
class _Layer:
    price_list: ListInfo
    skus: Sequence[str]
    units: np.ndarray


@dataclass(eq=False)
class CustomerPrices:
    """One buyer's single-piece net prices in one currency, valid from ``valid_since`` until
    ``valid_until`` (None: open), when no list or discount starts or ends in between."""

    company_id: int | None
    customer_group: str | None
    currency: str
    valid_since: datetime | None
    valid_until: datetime | None
    lists: tuple[ListInfo, ...]  # best first
    discounts: tuple[DiscountInfo, ...]  # best first
    _layers: tuple[_Layer, ...] = field(repr=False)  # ascending rank: painted in this order
    _book: PriceBook = field(repr=False)
    _arrays: weakref.WeakKeyDictionary[PricingCatalog, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False)

    def covers(self, at: datetime) -> bool:
        return ((self.valid_since is None or self.valid_since <= at)
                and (self.valid_until is None or at < self.valid_until))

    def _compute(self, catalog: PricingCatalog) -> tuple[np.ndarray, np.ndarray]:
        prices = catalog.currency_units(self.currency).copy()
        contract = np.zeros(len(catalog), dtype=bool)
        for layer in self._layers:
            pos, units = self._book._positions(catalog, layer)
            prices[pos] = units
            if layer.price_list.kind == "customer":
                contract[pos] = True
        if self.discounts:
            winner = np.full(len(catalog), -1, dtype=np.int32)
            for k, d in enumerate(reversed(self.discounts)):  # ascending rank: best paints last
                if d.target_kind == "product":
                    one = catalog.index.get(d.target)
                    if one is not None:
                        winner[one] = k
                elif d.target_kind == "brand":
                    winner[catalog.brand_mask(d.target)] = k
                else:
                    winner[catalog.category_mask(d.target)] = k
            idx = np.flatnonzero((winner >= 0) & (prices >= 0) & ~contract)
            if idx.size:
                ranked = list(reversed(self.discounts))
                percent = np.array([d.kind == "percent" for d in ranked])[winner[idx]]
                values = np.array([d.value_units for d in ranked], dtype=np.int64)[winner[idx]]
                base = prices[idx]
                out = np.maximum(base - values, 0)
                pct = np.flatnonzero(percent)
                out[pct] = div_half_up(base[pct] * (HUNDRED_PERCENT - values[pct]),
                                       HUNDRED_PERCENT)
                prices[idx] = out
        floats = np.where(prices >= 0, prices / PRICE_SCALE, np.nan)
        prices.setflags(write=False)
        floats.setflags(write=False)
        return prices, floats

    def _get(self, catalog: PricingCatalog) -> tuple[np.ndarray, np.ndarray]:
        got = self._arrays.get(catalog)
        if got is None:
            got = self._compute(catalog)
            self._arrays[catalog] = got
            self._book._remember(self)
        return got

    def units(self, catalog: PricingCatalog) -> np.ndarray:
        """Net single-piece prices in 1/10,000 of the currency (int64, -1 where none)."""
        return self._get(catalog)[0]

    def unit_prices(self, catalog: PricingCatalog) -> np.ndarray:
        """Net single-piece prices (float64) in the catalog's order, NaN where nothing prices
        the product in this currency. Read-only and cached per catalog."""
        return self._get(catalog)[1]

    def price_of(self, skus: Sequence[str], catalog: PricingCatalog) -> list[float | None]:
        """The prices of a page of hits (None for no price or a SKU not in the catalog)."""
        floats = self.unit_prices(catalog)
        out: list[float | None] = []
        for pos in catalog.positions(skus):
            value = floats[pos] if pos >= 0 else np.nan
            out.append(None if np.isnan(value) else float(value))
        return out


class PriceBook:
    """Cached :class:`CustomerPrices` for search (one per process; thread-safe)."""

    def __init__(self, engine: Engine, *, refresh_s: float = 1.0, max_arrays: int = 64,
                 max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.refresh_s = refresh_s
        self.max_arrays = max_arrays
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.RLock()
        self._loaded = False
        self._version = -1
        self._generation = -1
        self._checked_at = 0.0
        self._lists: list[ListInfo] = []
        self._discounts: list[DiscountInfo] = []
        self._lines: dict[int, tuple[list[str], np.ndarray]] = {}
        self._stamps: dict[int, datetime] = {}
        self._pos: weakref.WeakKeyDictionary[PricingCatalog, dict[int, tuple[np.ndarray,
                                                                           np.ndarray]]] = (
            weakref.WeakKeyDictionary())
        self._entries: OrderedDict[tuple[int | None, str], list[CustomerPrices]] = OrderedDict()
        self._groups: dict[int, tuple[str | None, float]] = {}
        self._computed: OrderedDict[int, CustomerPrices] = OrderedDict()
        self.reloads = 0

    # -- freshness -----------------------------------------------------------------------------
    def invalidate(self) -> None:
        """Forget everything; the next call reads the database again."""
        with self._lock:
            self._loaded = False

    def _fresh(self) -> None:
        now = self._clock()
        if self._loaded and self._generation == local_generation(VERSION):
            if now - self._checked_at < self.refresh_s:
                return
            with self.engine.connect() as conn:
                version = repo.read_version(conn, VERSION)
            self._checked_at = now
            if version == self._version:
                return
        with self._lock:
            generation = local_generation(VERSION)
            with self.engine.connect() as conn:
                version = repo.read_version(conn, VERSION)
                lists = repo.all_list_infos(conn)
                discounts = repo.discount_infos(conn, everyone=True)
                stamps = repo.list_stamps(conn)
            self._lists, self._discounts = lists, discounts
            # the lines of lists nobody touched stay (a change elsewhere costs no reload of
            # a 20,000-line group list); a list's updated_at moves with each of its changes
            stale = {i for i, t in self._stamps.items() if stamps.get(i) != t}
            stale |= set(self._lines) - set(stamps)
            self._stamps = stamps
            for list_id in stale:
                self._lines.pop(list_id, None)
                for per_catalog in self._pos.values():
                    per_catalog.pop(list_id, None)
            self._entries.clear()
            self._groups.clear()
            for cp in self._computed.values():
                cp._arrays.clear()
            self._computed.clear()
            self._version, self._generation = version, generation
            self._checked_at, self._loaded = now, True
            self.reloads += 1

    def _group_of(self, company_id: int) -> str | None:
        now = self._clock()
        cached = self._groups.get(company_id)
        if cached is not None and now - cached[1] < self.refresh_s:
            return cached[0]
        with self.engine.connect() as conn:
            exists, group = repo.company_group(conn, company_id)
        if not exists:
            raise NotFound(f"no company {company_id}", field="company_id")
        self._groups[company_id] = (group, now)
        return group

    # -- the view ------------------------------------------------------------------------------
    def for_company(self, company_id: int | None, currency: str, at: datetime | None = None,
                    *, group: str | None | object = UNKNOWN_GROUP) -> CustomerPrices:
        """The buyer's prices (None: anonymous, base lists only) at ``at`` (default now).
        ``group``: the company's customer group when the caller has just read it (the search
        path's buyer context): no database round trip for it then."""
        currency = check_currency(currency)
        at = naive_utc(at)
        self._fresh()
        if company_id is None:
            group = None
        elif group is UNKNOWN_GROUP:
            group = self._group_of(company_id)
        assert group is None or isinstance(group, str)
        key = (company_id, currency)
        with self._lock:
            for cp in self._entries.get(key, ()):
                if cp.customer_group == group and cp.covers(at):
                    self._entries.move_to_end(key)
                    return cp
            lists_all, discounts_all = self._lists, self._discounts
        cp = self._build(company_id, group, currency, at, lists_all, discounts_all)
        with self._lock:
            entries = [e for e in self._entries.pop(key, []) if e.customer_group == group]
            self._entries[key] = [*entries[-3:], cp]
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return cp

    def unit_prices(self, company_id: int | None, currency: str, catalog: PricingCatalog,
                    at: datetime | None = None) -> np.ndarray:
        return self.for_company(company_id, currency, at).unit_prices(catalog)

    def _build(self, company_id: int | None, group: str | None, currency: str, at: datetime,
               lists_all: list[ListInfo], discounts_all: list[DiscountInfo]) -> CustomerPrices:
        # what could serve this buyer at some time: its boundaries bound the cache entry
        timeless = [x for x in lists_all if x.meant_for(company_id, group, currency)]
        dtimeless = [d for d in discounts_all if d.meant_for(company_id, group, currency)]
        since: datetime | None = None
        until: datetime | None = None
        windows = [(x.valid_from, x.valid_to) for x in timeless]
        windows += [(d.valid_from, d.valid_to) for d in dtimeless]
        for window in windows:
            for bound in window:
                if bound is None:
                    continue
                if bound <= at and (since is None or bound > since):
                    since = bound
                if bound > at and (until is None or bound < until):
                    until = bound
        lists = applicable_lists(timeless, company_id, group, currency, at)
        discounts = applicable_discounts(dtimeless, company_id, group, currency, at)
        layers = tuple(self._layer(x) for x in reversed(lists))
        return CustomerPrices(company_id, group, currency, since, until, tuple(lists),
                              tuple(discounts), layers, self)

    def _layer(self, price_list: ListInfo) -> _Layer:
        got = self._lines.get(price_list.id)
        if got is None:
            with self.engine.connect() as conn:
                skus, units = repo.unit_lines(conn, price_list.id)
            got = (skus, np.array(units, dtype=np.int64))
            with self._lock:
                self._lines[price_list.id] = got
        return _Layer(price_list, got[0], got[1])

    def _positions(self, catalog: PricingCatalog, layer: _Layer) -> tuple[np.ndarray, np.ndarray]:
        per_catalog = self._pos.get(catalog)
        if per_catalog is None:
            with self._lock:
                per_catalog = self._pos.setdefault(catalog, {})
        got = per_catalog.get(layer.price_list.id)
        if got is None:
            pos = catalog.positions(layer.skus)
            keep = pos >= 0
            got = (pos[keep], layer.units[keep])
            per_catalog[layer.price_list.id] = got
        return got

    def _remember(self, cp: CustomerPrices) -> None:
        """Keep the arrays of the ``max_arrays`` most recently computed buyers only (100,000
        products are 1.6 MB a buyer)."""
        with self._lock:
            self._computed[id(cp)] = cp
            self._computed.move_to_end(id(cp))
            while len(self._computed) > self.max_arrays:
                _, old = self._computed.popitem(last=False)
                old._arrays.clear()
