"""Orders in tests: a company with products, trade credit, employees of every role signed in,
and helpers to write approval rules and submit orders through the HTTP API (SQLite and
PostgreSQL through the ``store`` fixture)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from catalog.store import CatalogStore
from commerce.credit.service import CreditService
from tests.commerce.accounts_world import Account, World, make_world
from tests.factories import make_record

PRODUCTS = [("DR-1", "Drill", "Tools > Drills", "Bosch", 100.0),
            ("SA-1", "Saw", "Tools > Saws", "Makita", 50.0),
            ("PA-1", "Paint", "Paint", "Dulux", 10.0),
            ("GL-1", "Gloves", "Safety", "Ansell", 2.5)]
_keys = itertools.count(1)


@dataclass
class Shop:
    world: World
    company: int
    other: int
    buyer: Account
    buyer2: Account
    approver: Account
    boss: Account
    cadm: Account
    pm: Account
    admin: Account

    def rule(self, tiers: list[dict[str, Any]], by: Account | None = None, **conditions: Any
             ) -> int:
        r = self.world.client.post(f"/v1/companies/{self.company}/approval-rules",
                                   headers=(by or self.cadm).headers,
                                   json={"name": "rule", "tiers": tiers, **conditions})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def submit(self, lines: dict[str, int] | None = None, by: Account | None = None,
               key: str | None = None, expect: int = 201, **body: Any) -> dict[str, Any]:
        payload = {"lines": [{"sku": s, "qty": q} for s, q in (lines or {"DR-1": 1}).items()],
                   **body}
        r = self.world.client.post("/v1/orders", json=payload, headers={
            **(by or self.buyer).headers, "Idempotency-Key": key or f"k{next(_keys)}"})
        assert r.status_code == expect, r.text
        return dict(r.json())

    def act(self, order_id: int, action: str, by: Account, expect: int = 200,
            **body: Any) -> dict[str, Any]:
        r = self.world.client.post(f"/v1/orders/{order_id}/{action}", json=body or None,
                                   headers=by.headers)
        assert r.status_code == expect, r.text
        return dict(r.json())

    def get(self, order_id: int, by: Account | None = None) -> dict[str, Any]:
        r = self.world.client.get(f"/v1/orders/{order_id}", headers=(by or self.buyer).headers)
        assert r.status_code == 200, r.text
        return dict(r.json())


def make_shop(world: World, *, credit: bool = True) -> Shop:
    world.store.upsert([make_record(sku, name, category=cat, brand=brand, price_per_piece=price,
                                    currency="EUR") for sku, name, cat, brand, price in PRODUCTS])
    company, other = world.company("Acme"), world.company("Other")
    if credit:
        with world.uow() as tx:
            CreditService().set_terms(tx, "test", company, {
                "mode": "trade_credit", "currency": "EUR", "limit": "1000000",
                "term_days": 30})

    def member(role: str) -> Account:
        return world.session(world.user(company=company, roles=(role,)), company=company)

    admin = world.session(world.user(seller_role="administrator"), company=company)
    return Shop(world, company, other, member("buyer"), member("buyer"), member("approver"),
                member("approver"), member("company_admin"), member("purchasing_manager"),
                admin)


@pytest.fixture
def shop(store: CatalogStore, tmp_path: Path) -> Iterator[Shop]:
    for world in make_world(store, tmp_path):
        yield make_shop(world)
