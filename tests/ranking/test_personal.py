"""ranking.personal: a buyer's prices and assortment as search plans take them, following
changes of the catalog and of the price lists."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert

from catalog.keys import product_keys
from catalog.store import CatalogStore
from commerce.companies.models import Company
from commerce.prices.models import PriceList, PriceListLine
from ranking.personal import PersonalSearch
from tests.factories import make_record


def company_with_contract(store: CatalogStore) -> int:
    """A company whose contract list prices A-1 at 1.5 EUR; its id."""
    now = datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        company = conn.execute(insert(Company).values(
            name="A", status="active", customer_group=None, created_at=now
        ).returning(Company.id)).scalar_one()
        price_list = conn.execute(insert(PriceList).values(
            name="contract", kind="customer", company_id=company, currency="EUR", priority=0,
            created_at=now, updated_at=now).returning(PriceList.id)).scalar_one()
        conn.execute(insert(PriceListLine).values(price_list_id=price_list, sku="A-1",
                                                  min_qty=1, unit_price=Decimal("1.5")))
    return int(company)


def test_prices_follow_catalog_changes_without_blocking_searches(store: CatalogStore) -> None:
    store.migrate()
    store.upsert([make_record("A-1", "Anchor", price_per_piece=2.0, currency="EUR"),
                  make_record("B-1", "Bolt", price_per_piece=1.0, currency="EUR")])
    company = company_with_contract(store)
    personal = PersonalSearch(store.engine, refresh_s=0.0, catalog_refresh_s=0.0)
    view = personal.for_company(company)
    assert view.assortment is None and view.prices is not None
    keys = product_keys(["A-1", "B-1", "NOPE"])
    assert view.prices.lookup(keys)[:2].tolist() == [1.5, 1.0]
    assert view.price_of("NOPE") is None
    # the catalog price of B-1 changes: seen after the background check, never blocking
    store.upsert([make_record("B-1", "Bolt", price_per_piece=0.8, currency="EUR")])
    deadline = time.monotonic() + 10
    while True:
        price = personal.for_company(company).price_of("B-1")
        if price == 0.8 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert price == 0.8
    assert personal.for_company(company).price_of("A-1") == 1.5  # the contract still rules


def test_a_buyers_prices_are_reused_until_a_price_changes(store: CatalogStore) -> None:
    from sqlalchemy import update

    store.migrate()
    store.upsert([make_record("A-1", "Anchor", price_per_piece=2.0, currency="EUR")])
    company = company_with_contract(store)
    personal = PersonalSearch(store.engine)
    first = personal.for_company(company)
    assert first.prices is not None
    first.prices.memo["compiled"] = "kept"  # what an engine keeps for the buyer's next page
    again = personal.for_company(company)
    assert again.prices is first.prices and again.prices.memo == {"compiled": "kept"}
    with store.engine.begin() as conn:
        conn.execute(update(PriceListLine).values(unit_price=Decimal("1.2")))
        conn.execute(update(PriceList).values(updated_at=datetime(2026, 1, 2)))
    personal.book.invalidate()  # what a change through the price service does
    changed = personal.for_company(company)
    assert changed.prices is not first.prices and changed.prices.memo == {}
    assert changed.price_of("A-1") == 1.2
