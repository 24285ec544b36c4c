"""Sorting by a buyer's own prices on the embedded engine: the bounded read (the catalog's price
order plus the few products whose own price beats its bound) gives exactly the page that
ordering every match gives, across segments, ties, missing prices and deep pages."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import indexer.plan as plan_module
import indexer.tantivy_backend as engine
from catalog.keys import product_key, product_keys
from indexer.plan import CustomerPrices, FacetRequest, SearchPlan, SortSpec, TermsFilter
from indexer.tantivy_backend import TantivyBackend
from tests.factories import make_record

N = 1_200


def catalog() -> list[dict[str, Any]]:
    rng = random.Random(3)
    records = []
    for i in range(N):
        price = None if i % 97 == 0 else rng.choice([1.0, 2.5, 9.99, 10.0]) if i % 5 == 0 \
            else round(rng.uniform(0.5, 400), 2)
        records.append(make_record(f"S-{i:05d}", f"{rng.choice(['Hex bolt', 'Washer'])} {i}",
                                   brand=rng.choice(["Fastek", "Voltix", "Boltronic"]),
                                   price_per_piece=price))
    return records


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Any:
    backend = TantivyBackend(tmp_path_factory.mktemp("own-sort") / "index", heap_mb=32,
                             reload_interval_s=0.0)
    records = catalog()
    for start in range(0, N, 300):  # several segments: ties across segments too
        backend.index_changed(records[start:start + 300])
        backend.commit()
    yield backend
    backend.close()


def buyer(records: list[dict[str, Any]], share: float, seed: int, discounts: bool = False
          ) -> CustomerPrices:
    """Own prices for ``share`` of the products (some cheaper, some dearer, some equal to
    another product's, some missing where the catalog has one, some where it has none; with
    ``discounts``: 5-50 % off the catalog's price)."""
    rng = random.Random(seed)
    skus = np.array([r["sku"] for r in records], dtype=object)
    listed = np.array([np.nan if r["price_per_piece"] is None else r["price_per_piece"]
                       for r in records], dtype=np.float64)
    own = listed.copy()
    for i in range(len(records)):
        if rng.random() >= share:
            continue
        if discounts:
            own[i] = round(listed[i] * rng.uniform(0.5, 0.95), 2)
        else:
            own[i] = rng.choice([np.nan, 2.5, round(rng.uniform(0.1, 500), 2),
                                 round(listed[i] * 0.8, 2) if not np.isnan(listed[i]) else 3.0])
    keys = product_keys(list(skus))
    by_key = dict(zip(keys.tolist(), own.tolist(), strict=True))

    def lookup(k: np.ndarray) -> np.ndarray:
        return np.array([by_key.get(int(x), np.nan) for x in k], dtype=np.float64)

    return CustomerPrices(lookup, lambda: (skus, own, listed))


def expected(backend: TantivyBackend, plan: SearchPlan, prices: CustomerPrices) -> list[str]:
    """Every match, ordered by own price (NaN last), ties by index address."""
    searcher = backend._searcher()
    query = backend._filter_query(plan.filters[0]) if plan.filters else engine.Q.all_query()
    rows = searcher.search(query, limit=N, count=False).hits
    own = prices.lookup(np.array([product_key(searcher.doc(a)["sku"][0]) for _, a in rows],
                                 dtype=np.uint64))
    assert plan.sort is not None
    descending = plan.sort.descending
    ranked = sorted(zip(own.tolist(), [a for _, a in rows], strict=True), key=lambda p: (
        np.isnan(p[0]), 0.0 if np.isnan(p[0]) else -p[0] if descending else p[0],
        p[1].segment_ord, p[1].doc))
    return [searcher.doc(a)["sku"][0] for _, a in ranked][plan.offset: plan.offset + plan.limit]


@pytest.mark.parametrize("first", [0, 500])
@pytest.mark.parametrize("discounts", [False, True])
@pytest.mark.parametrize("exceptions", [0, 25, 500])
@pytest.mark.parametrize("share", [0.05, 0.3])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("offset,limit", [(0, 20), (20, 20), (60, 7)])
@pytest.mark.parametrize("brand", [None, "Voltix"])
def test_bounded_read_gives_the_page_of_the_full_order(
        backend: TantivyBackend, monkeypatch: pytest.MonkeyPatch, share: float,
        descending: bool, offset: int, limit: int, brand: str | None, exceptions: int,
        discounts: bool, first: int) -> None:
    records = catalog()
    prices = buyer(records, share, seed=int(share * 100) + offset, discounts=discounts)
    plan = SearchPlan(sort=SortSpec("price_per_piece", descending), offset=offset, limit=limit,
                      filters=[TermsFilter("brand", (brand,))] if brand else [],
                      customer_prices=prices)
    reads: list[Any] = []
    original = TantivyBackend._by_own_price

    def spy(self: TantivyBackend, *args: Any, **kwargs: Any) -> Any:
        found = original(self, *args, **kwargs)
        reads.append(found)
        return found

    monkeypatch.setattr(plan_module, "MAX_PRICE_EXCEPTIONS", exceptions)
    monkeypatch.setattr(engine, "FIRST_PRICE_ORDER_READ", first)
    monkeypatch.setattr(TantivyBackend, "_by_own_price", spy)
    result = backend.search(plan)
    assert reads and reads[0][2] == result.total
    if discounts and not brand:  # bounded ratios: the start of the catalog's price order
        first_read = max(8 * (offset + limit), engine.FIRST_PRICE_ORDER_READ)
        assert len(reads[0][1]) <= max(first_read, result.total // 3) < result.total, \
            "it read the start of the price order only"
    want = expected(backend, plan, prices)
    assert [h.sku for h in result.hits] == want
    # with the price facet, whose read of every match then orders the page too
    faceted = backend.search(replace(plan, facets=[FacetRequest("price_per_piece", "range")]))
    assert [h.sku for h in faceted.hits] == want and faceted.total == result.total
    assert len(reads) == 1, "the facet's read served the sort"


def test_a_short_first_read_is_completed_by_a_second(
        backend: TantivyBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read stops before the catalog price the buyer's discounts can reach: a second
    read of the matches up to it (not every match) completes the page."""
    prices = buyer(catalog(), 0.3, seed=5, discounts=True)
    reads: list[int] = []
    original = engine._every_match

    def spy(searcher: Any, query: Any, limit: int | None = None) -> Any:
        found = original(searcher, query, limit)
        reads.append(len(found[1]))
        return found

    monkeypatch.setattr(engine, "FIRST_PRICE_ORDER_READ", 0)
    monkeypatch.setattr(engine, "_every_match", spy)
    for descending in (False, True):
        plan = SearchPlan(sort=SortSpec("price_per_piece", descending), limit=5,
                          customer_prices=prices)
        assert [h.sku for h in backend.search(plan).hits] == expected(backend, plan, prices)
    assert reads and all(0 < n < N / 2 for n in reads), reads


def test_extreme_own_prices_widen_the_bound_and_stay_exact(
        backend: TantivyBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """Half the catalog nearly free for this buyer, beyond the listed exceptions: the bound
    on catalog prices widens to (nearly) everything, and the page is still the right one."""
    records = catalog()
    skus = np.array([r["sku"] for r in records], dtype=object)
    listed = np.array([np.nan if r["price_per_piece"] is None else r["price_per_piece"]
                       for r in records], dtype=np.float64)
    own = np.where(np.arange(N) % 2 == 0, 0.01, listed)
    keys = product_keys(list(skus))
    by_key = dict(zip(keys.tolist(), own.tolist(), strict=True))
    prices = CustomerPrices(
        lambda k: np.array([by_key.get(int(x), np.nan) for x in k], dtype=np.float64),
        lambda: (skus, own, listed))
    monkeypatch.setattr(plan_module, "MAX_PRICE_EXCEPTIONS", 10)
    for descending in (False, True):
        plan = SearchPlan(sort=SortSpec("price_per_piece", descending), limit=10,
                          customer_prices=prices)
        assert [h.sku for h in backend.search(plan).hits] == expected(backend, plan, prices)
    differing = prices.differing()
    unlisted = int((np.isnan(listed) & (own == 0.01)).sum())  # no catalog price: always listed
    assert differing.low < 0.01 and differing.high == 1.0
    assert (differing.low_skus.size, differing.high_skus.size) == (10 + unlisted, unlisted)
