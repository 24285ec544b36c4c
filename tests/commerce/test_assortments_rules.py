"""Assortments: the allow rule (table-driven), how a company's and its group's rules combine,
management through the service with validation and audit, and the cache (SQLite and
PostgreSQL)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select, update

from catalog.errors import InvalidInput, NotFound
from catalog.store import CatalogStore
from commerce.assortments.service import AssortmentRules, AssortmentService, allows
from commerce.audit.models import AuditEntry
from commerce.companies.models import Company
from commerce.prices import repository as prices_repo
from indexer.plan import Assortment
from tests.commerce.pricing_world import World, add_companies, add_products

BOLT = {"sku": "B-1", "brand": "Acme", "category": "Fasteners > Bolts > Hex bolts"}
NUT = {"sku": "N-1", "brand": "Bolto", "category": "Fasteners > Nuts"}
GLOVE = {"sku": "G-1", "brand": "SafeHands", "category": "Safety > Gloves"}
BARE = {"sku": "X-1", "brand": None, "category": None}

R = AssortmentRules
# (case, rules, product, allowed)
ALLOW_CASES = [
    ("no rules", None, BOLT, True),
    ("empty rules", R(), BOLT, True),
    ("category subtree included", R(include_categories=("Fasteners",)), BOLT, True),
    ("other category not included", R(include_categories=("Fasteners",)), GLOVE, False),
    ("a deeper include does not take the parent",
     R(include_categories=("Fasteners > Bolts > Hex bolts > M8",)), BOLT, False),
    ("a sibling's name prefix is not a parent", R(include_categories=("Fasteners > Bo",)), BOLT,
     False),
    ("brand included", R(include_brands=("Bolto",)), NUT, True),
    ("brand matches exactly", R(include_brands=("bolto",)), NUT, False),
    ("SKU included", R(include_skus=("G-1",)), GLOVE, True),
    ("any include suffices", R(include_brands=("Acme",), include_skus=("G-1",)), GLOVE, True),
    ("no category, category rules", R(include_categories=("Fasteners",)), BARE, False),
    ("exclude category subtree", R(exclude_categories=("Fasteners > Bolts",)), BOLT, False),
    ("exclude leaves the rest", R(exclude_categories=("Fasteners > Bolts",)), NUT, True),
    ("exclude beats include", R(include_categories=("Fasteners",), exclude_brands=("Bolto",)),
     NUT, False),
    ("exclude SKU", R(exclude_skus=("B-1",)), BOLT, False),
    ("exclude only: the rest allowed", R(exclude_skus=("B-1",)), BARE, True),
]


@pytest.mark.parametrize(("case", "rules", "product", "allowed"), ALLOW_CASES,
                         ids=[c[0] for c in ALLOW_CASES])
def test_allows(case: str, rules: AssortmentRules | None, product: dict, allowed: bool) -> None:
    assert allows(rules, product) is allowed
    assert allows(rules, type("P", (), product)()) is allowed  # objects with attributes too


def test_rules_have_the_fields_of_the_search_plan_assortment() -> None:
    assert [f.name for f in dataclasses.fields(AssortmentRules)] == [
        f.name for f in dataclasses.fields(Assortment)]


@pytest.fixture
def world(store: CatalogStore) -> tuple[World, dict[str, int]]:
    w = World(store)
    add_products(store, [BOLT, NUT, GLOVE, BARE])
    return w, add_companies(store, {"A": "wholesale", "B": "wholesale", "C": None})


def test_company_and_group_rules_combine(world: tuple[World, dict[str, int]]) -> None:
    w, c = world
    svc = AssortmentService()
    with w.tx() as tx:
        svc.put(tx, "test", {"include_categories": ["Fasteners"], "exclude_skus": ["B-1"]},
                customer_group="wholesale")
        svc.put(tx, "test", {"include_brands": ["SafeHands"], "exclude_brands": ["Bolto"]},
                company_id=c["A"])
        svc.put(tx, "test", {"exclude_categories": ["Safety"]}, company_id=c["C"])
    # A: its own includes replace the group's; both exclude lists apply
    a = svc.for_company(w.store.engine, c["A"])
    assert a == R(include_brands=("SafeHands",), exclude_brands=("Bolto",),
                  exclude_skus=("B-1",))
    # B: the group's rules
    b = svc.for_company(w.store.engine, c["B"])
    assert b == R(include_categories=("Fasteners",), exclude_skus=("B-1",))
    assert [allows(b, p) for p in (BOLT, NUT, GLOVE)] == [False, True, False]
    # C: no group; its excludes only
    assert svc.for_company(w.store.engine, c["C"]) == R(exclude_categories=("Safety",))
    assert svc.for_company(w.store.engine, None) is None
    with w.tx() as tx:
        assert svc.for_company(tx, c["B"]) == b  # a request's session works too


def test_put_validates_and_audits(world: tuple[World, dict[str, int]]) -> None:
    w, c = world
    svc = AssortmentService()
    bad = [({"include_skus": ["B-1", "NOPE"]}, "include_skus"),
           ({"include_brands": "Acme"}, "include_brands"),
           ({"include_colours": ["red"]}, "include_colours"),
           ({"exclude_categories": [" > "]}, "exclude_categories")]
    for data, field in bad:
        with pytest.raises(InvalidInput) as err, w.tx() as tx:
            svc.put(tx, "test", data, company_id=c["A"])
        assert err.value.field == field
    with pytest.raises(NotFound), w.tx() as tx:
        svc.put(tx, "test", {}, company_id=999_999)
    with w.tx() as tx:
        got = svc.put(tx, "test", {"include_categories": [" Fasteners >Bolts "],
                                   "include_skus": ["G-1", "G-1"]}, company_id=c["A"])
    assert got["include_categories"] == ["Fasteners > Bolts"] and got["include_skus"] == ["G-1"]
    with w.tx() as tx:
        entries = tx.execute(select(AuditEntry.action, AuditEntry.company_id)).all()
        assert entries == [("assortment.put", c["A"])]
        assert svc.audiences(tx) == [{"company_id": c["A"], "customer_group": None, "rules": 2}]
        svc.delete(tx, "test", company_id=c["A"])
    assert svc.for_company(w.store.engine, c["A"]) is None


def test_cache_follows_writes_and_the_version(world: tuple[World, dict[str, int]]) -> None:
    w, c = world
    with w.tx() as tx:
        AssortmentService().put(tx, "test", {"exclude_skus": ["N-1"]}, customer_group="retail")
    clock = [0.0]
    svc = AssortmentService(refresh_s=5.0, clock=lambda: clock[0])
    engine = w.store.engine
    assert svc.for_company(engine, c["A"]) is None
    assert svc.for_company(engine, c["A"]) is None
    assert svc.reads == 1  # cached
    with w.tx() as tx:  # a write in this process: seen at once
        AssortmentService().put(tx, "test", {"include_brands": ["Acme"]}, company_id=c["A"])
    assert svc.for_company(engine, c["A"]) == R(include_brands=("Acme",))
    # the company moves to another group behind the service's back: seen after refresh_s
    with engine.begin() as conn:
        conn.execute(update(Company).where(Company.id == c["A"]).values(customer_group="retail"))
    assert svc.for_company(engine, c["A"]) == R(include_brands=("Acme",))
    clock[0] += 5.0
    assert svc.for_company(engine, c["A"]) == R(include_brands=("Acme",), exclude_skus=("N-1",))
    with engine.connect() as conn:
        assert prices_repo.read_version(conn, "assortments") == 3
        assert conn.execute(select(func.count()).select_from(AuditEntry)).scalar() == 2
