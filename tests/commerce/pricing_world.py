"""Factories for the price and assortment tests: a migrated store with companies and
products, and short-hands to write price lists and discounts through the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from catalog.store import CatalogStore
from commerce.companies.models import Company
from commerce.db import session_factory, unit_of_work
from commerce.prices.service import PriceService
from tests.factories import make_record

NOW = datetime(2026, 6, 1, 12, 0)


def add_companies(store: CatalogStore, groups: dict[str, str | None]) -> dict[str, int]:
    """Companies by name with their customer group; their ids by name."""
    ids = {}
    with store.engine.begin() as conn:
        for name, group in groups.items():
            ids[name] = conn.execute(insert(Company.__table__).values(
                name=name, status="active", customer_group=group, created_at=NOW)
                .returning(Company.__table__.c.id)).scalar_one()
    return ids


def add_products(store: CatalogStore, rows: list[dict[str, Any]]) -> None:
    store.upsert([make_record(r["sku"], r.get("name", r["sku"]), **{
        k: v for k, v in r.items() if k not in ("sku", "name")}) for r in rows])


class World:
    """A migrated store and a session factory; ``tx()`` is one unit of work."""

    def __init__(self, store: CatalogStore) -> None:
        store.migrate()
        self.store = store
        self.sessions = session_factory(store.engine)
        self.prices = PriceService()

    def tx(self) -> Any:
        return unit_of_work(self.sessions)

    def price_list(self, name: str, kind: str = "base", lines: list[tuple[str, int, str]] = (),
                   **fields: Any) -> int:
        """``lines``: (sku, min_qty, unit_price)."""
        data = {"name": name, "kind": kind, "currency": "EUR", **fields,
                "lines": [{"sku": s, "min_qty": q, "unit_price": p} for s, q, p in lines]}
        with self.tx() as tx:
            return int(self.prices.create_list(tx, "test", data)["id"])

    def discount(self, name: str, kind: str, value: str, target_kind: str, target: str,
                 **fields: Any) -> int:
        data = {"name": name, "kind": kind, "value": value, "target_kind": target_kind,
                "target": target, **fields}
        with self.tx() as tx:
            return int(self.prices.create_discount(tx, "test", data)["id"])

    def quote(self, company: int | None, sku: str, qty: int = 1, currency: str = "EUR",
              country: str | None = None, at: datetime = NOW) -> Any:
        tx: Session
        with self.tx() as tx:
            return self.prices.quote(tx, company, sku, qty, currency, country, at)
