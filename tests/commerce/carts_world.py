"""Factories of the cart and quick-order tests: a World (real app over SQLite or PostgreSQL)
with a small catalog, two companies and their buyers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from commerce.companies.models import Address, Department
from commerce.identity import now_utc
from tests.commerce.accounts_world import Account, World, world  # noqa: F401 - the fixture
from tests.factories import make_record

PRODUCTS = [
    # sku, name, brand, category, price, pieces_per_package, mpn, gtin
    ("B-1", "Hex bolt M8", "Acme", "Fasteners > Bolts", 1.0, None, "ACM-933-M8", "4006381333931"),
    ("N-1", "Hex nut M8", "Bolto", "Fasteners > Nuts", 0.2, 10, "BN 934.8", "0012345678905"),
    ("G-1", "Work glove", "Safe", "Safety > Gloves", 5.0, None, None, None),
    ("X-1", "Hidden drill", "Drillo", "Tools > Drills", 50.0, None, None, None),
]


@dataclass
class Shop:
    world: World
    a: int
    b: int
    buyer: Account
    colleague: Account
    other: Account
    approver: Account

    def h(self, who: Account) -> dict[str, str]:
        return who.headers

    def cart(self, who: Account | None = None, name: str = "Main") -> int:
        r = self.world.client.post("/v1/carts", json={"name": name},
                                   headers=(who or self.buyer).headers)
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


def add_catalog(world: World) -> None:  # noqa: F811
    world.store.upsert([
        make_record(sku, name, brand=brand, category=cat, price_per_piece=price,
                    currency="EUR", pieces_per_package=ppp, mpn=mpn, gtin=gtin)
        for sku, name, brand, cat, price, ppp, mpn, gtin in PRODUCTS])


def add_address(world: World, company: int, country: str = "DE") -> None:  # noqa: F811
    with world.uow() as tx:
        dept = Department(company_id=company, name="HQ", created_at=now_utc())
        tx.add(dept)
        tx.flush()
        tx.add(Address(department_id=dept.id, kind="billing", street="Main 1",
                       postal_code="10115", city="Berlin", country=country,
                       created_at=now_utc()))


@pytest.fixture
def shop(world: World) -> Any:  # noqa: F811
    add_catalog(world)
    a = world.company("A", group="wholesale")
    b = world.company("B", group="wholesale")
    buyer = world.session(world.user(company=a, roles=("buyer",)), company=a)
    colleague = world.session(world.user(company=a, roles=("purchasing_manager",)), company=a)
    other = world.session(world.user(company=b, roles=("buyer",)), company=b)
    approver = world.session(world.user(company=a, roles=("approver",)), company=a)
    return Shop(world, a, b, buyer, colleague, other, approver)
