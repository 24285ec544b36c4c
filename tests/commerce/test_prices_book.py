"""The vectorised price book: equal to quote() for every product on a random catalog with
random lists and discounts (fixed seed), anonymous buyers, caching and invalidation."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import update

from catalog.store import CatalogStore
from commerce.prices import repository as repo
from commerce.prices.book import PriceBook, PricingCatalog
from commerce.prices.models import PriceList, PriceListLine
from commerce.prices.money import catalog_units
from tests.commerce.pricing_world import NOW, World, add_companies, add_products

CATEGORIES = ["Fasteners > Bolts > Hex bolts", "Fasteners > Bolts > Carriage bolts",
              "Fasteners > Nuts", "Safety > Gloves", "Safety > Gloves > Nitrile", "Tools"]
BRANDS = ["Acme", "Bolto", "SafeHands", "Nihon"]
GROUPS = ["wholesale", "retail"]


def _random_world(store: CatalogStore, seed: int = 11, n: int = 240
                  ) -> tuple[World, list[int | None], list[str]]:
    rng = random.Random(seed)
    w = World(store)
    products = []
    for i in range(n):
        price = rng.choice([None, round(rng.uniform(0.001, 500), rng.choice([2, 3, 4, 6]))])
        products.append({"sku": f"P-{i:04d}", "brand": rng.choice(BRANDS + [None]),
                         "category": rng.choice(CATEGORIES + [None]), "price_per_piece": price,
                         "currency": rng.choice(["EUR", "EUR", "EUR", "USD", None])})
    add_products(store, products)
    skus = [p["sku"] for p in products]
    companies = add_companies(store, {f"C{i}": rng.choice(GROUPS + [None]) for i in range(6)})
    ids = list(companies.values())

    def window() -> dict[str, str]:
        start = NOW + timedelta(days=rng.randint(-60, 30))
        out = {}
        if rng.random() < 0.4:
            out["valid_from"] = start.isoformat()
        if rng.random() < 0.4:
            out["valid_to"] = (start + timedelta(days=rng.randint(1, 90))).isoformat()
        return out

    for k in range(14):
        kind = rng.choice(["base", "group", "customer"])
        audience = ({"customer_group": rng.choice(GROUPS)} if kind == "group"
                    else {"company_id": rng.choice(ids)} if kind == "customer" else {})
        lines = []
        for sku in rng.sample(skus, rng.randint(5, 80)):
            for q in sorted(rng.sample([1, 1, 1, 5, 10, 100], rng.randint(1, 3))):
                if (sku, q) not in {(s, m) for s, m, _ in lines}:
                    lines.append((sku, q, f"{rng.uniform(0, 300):.4f}"))
        w.price_list(f"L{k}", kind, lines, currency=rng.choice(["EUR", "EUR", "USD"]),
                     priority=rng.randint(0, 3), **audience, **window())
    for k in range(20):
        target_kind = rng.choice(["product", "brand", "category"])
        target = {"product": lambda: rng.choice(skus), "brand": lambda: rng.choice(BRANDS),
                  "category": lambda: rng.choice(["Fasteners", "Fasteners > Bolts", "Safety",
                                                  *CATEGORIES])}[target_kind]()
        audience = ({"customer_group": rng.choice(GROUPS)} if rng.random() < 0.5
                    else {"company_id": rng.choice(ids)})
        if rng.random() < 0.5:
            w.discount(f"D{k}", "percent", f"{rng.uniform(0.5, 100):.4f}", target_kind, target,
                       **audience, **window())
        else:
            w.discount(f"D{k}", "fixed", f"{rng.uniform(0.01, 50):.2f}", target_kind, target,
                       currency=rng.choice(["EUR", "USD"]), **audience, **window())
    return w, [None, *ids], skus


def test_unit_prices_equal_quotes_for_every_product(store: CatalogStore) -> None:
    w, buyers, skus = _random_world(store)
    catalog = PricingCatalog.from_engine(store.engine)
    book = PriceBook(store.engine)
    checked = priced = 0
    sources: set[str | None] = set()
    discounted = 0
    for at in (NOW, NOW - timedelta(days=45), NOW + timedelta(days=40)):
        for currency in ("EUR", "USD"):
            for company in buyers:
                view = book.for_company(company, currency, at)
                got = view.unit_prices(catalog)
                with w.tx() as tx:
                    quotes = w.prices.quote_many(tx, company, [(s, 1) for s in skus], currency,
                                                 at=at)
                sources.update(q.resolution.source for q in quotes)
                discounted += sum(q.resolution.discount is not None for q in quotes)
                for sku, q in zip(skus, quotes, strict=True):
                    value = got[catalog.index[sku]]
                    if q.net_unit is None:
                        assert math.isnan(value), (company, currency, at, sku, value)
                    else:
                        assert value == float(q.net_unit), (company, currency, at, sku, q)
                        priced += 1
                    checked += 1
                page = skus[:7] + ["NOT-A-SKU"]
                assert view.price_of(page, catalog) == [
                    None if q.net_unit is None else float(q.net_unit) for q in quotes[:7]
                ] + [None]
    assert checked == 3 * 2 * len(buyers) * len(skus)
    assert priced > checked // 3  # the world prices most products
    # every level and the discounts really took part
    assert {"catalog", "base", "group", "customer"} <= sources
    assert discounted > 50


def test_anonymous_buyers_get_base_prices(store: CatalogStore) -> None:
    w = World(store)
    add_products(store, [{"sku": "A", "price_per_piece": 2.0, "currency": "EUR"},
                         {"sku": "B", "price_per_piece": 3.0, "currency": "EUR"},
                         {"sku": "C", "category": "Tools"}])
    c = add_companies(store, {"X": "g"})
    w.price_list("base", lines=[("A", 1, "1.50")])
    w.price_list("g", "group", [("A", 1, "1.00"), ("B", 1, "2.00")], customer_group="g")
    w.discount("g10", "percent", "10", "category", "Tools", customer_group="g")
    catalog = PricingCatalog.from_engine(store.engine)
    book = PriceBook(store.engine)
    anon = book.for_company(None, "EUR", NOW).unit_prices(catalog)
    assert anon[0] == 1.5 and anon[1] == 3.0 and math.isnan(anon[2])
    assert list(book.for_company(c["X"], "EUR", NOW).unit_prices(catalog)[:2]) == [1.0, 2.0]
    assert not anon.flags.writeable


def test_cache_and_invalidation(store: CatalogStore) -> None:
    w = World(store)
    add_products(store, [{"sku": "A", "price_per_piece": 2.0, "currency": "EUR"}])
    list_id = w.price_list("base", lines=[("A", 1, "1.50")],
                           valid_to=(NOW + timedelta(days=10)).isoformat())
    catalog = PricingCatalog.from_engine(store.engine)
    clock = [0.0]
    book = PriceBook(store.engine, refresh_s=5.0, clock=lambda: clock[0])
    first = book.for_company(None, "EUR", NOW)
    # the same validity interval: the same cached view and array
    assert book.for_company(None, "EUR", NOW + timedelta(days=9)) is first
    assert first.unit_prices(catalog) is first.unit_prices(catalog)
    # past the list's end: another view, the catalog price
    later = book.for_company(None, "EUR", NOW + timedelta(days=10))
    assert later is not first and later.unit_prices(catalog)[0] == 2.0
    # a write through the service: seen at once in this process
    with w.tx() as tx:
        w.prices.put_lines(tx, "test", list_id, [{"sku": "A", "min_qty": 1, "unit_price": "1.25"}])
    assert book.for_company(None, "EUR", NOW).unit_prices(catalog)[0] == 1.25
    reloads = book.reloads
    # a write by another process (only the database counter moves): seen within refresh_s
    with store.engine.begin() as conn:
        conn.execute(update(PriceListLine).values(unit_price=1.0))
        conn.execute(update(PriceList).values(updated_at=datetime(2030, 1, 1)))
        repo.bump_version(conn, "prices")
    assert book.for_company(None, "EUR", NOW).unit_prices(catalog)[0] == 1.25
    clock[0] += 5.0
    assert book.for_company(None, "EUR", NOW).unit_prices(catalog)[0] == 1.0
    assert book.reloads == reloads + 1
    # nothing changed: no reload after the next interval either
    clock[0] += 5.0
    book.for_company(None, "EUR", NOW)
    assert book.reloads == reloads + 1


def test_catalog_arrays() -> None:
    catalog = PricingCatalog(["A", "B", "C", "D"], [1.00005, None, -1.0, 0.1],
                             ["EUR", "EUR", None, "USD"],
                             ["Fasteners > Bolts", None, "Fasteners", "Fasteners > Bolts > Hex"],
                             ["Acme", None, "Acme", "Bolto"])
    # the same conversion as the quote engine's, to the unit
    assert list(catalog.catalog_units) == [catalog_units(1.00005), -1, -1, 1000]
    assert catalog_units(1.00005) == 10001 and catalog_units(1e12) is None
    assert list(catalog.category_mask("Fasteners > Bolts")) == [True, False, False, True]
    assert list(catalog.category_mask("Fasteners")) == [True, False, True, True]
    assert list(catalog.brand_mask("Acme")) == [True, False, True, False]
    assert list(catalog.currency_units("USD")) == [-1, -1, -1, 1000]
    assert list(catalog.positions(["D", "Z"])) == [3, -1]
    with pytest.raises(ValueError):
        PricingCatalog(["A"], [], [], [], [])


def test_unknown_company_is_not_found(store: CatalogStore) -> None:
    from catalog.errors import NotFound

    World(store)
    with pytest.raises(NotFound):
        PriceBook(store.engine).for_company(424242, "EUR", datetime(2026, 1, 1))


def _reference_price(lists: list[dict], lines: dict[int, list[dict]], discounts: list[dict],
                     product: dict, company: int | None, group: str | None, qty: int,
                     currency: str, at: datetime) -> Decimal | None:
    """The README's rules written out again, independently of the engine, on the API's dicts."""
    def active(x: dict) -> bool:
        start = datetime.fromisoformat(x["valid_from"]) if x["valid_from"] else None
        end = datetime.fromisoformat(x["valid_to"]) if x["valid_to"] else None
        return (start is None or start <= at) and (end is None or at < end)

    def for_buyer(x: dict) -> bool:
        if x["kind"] == "base":
            return True
        if x["kind"] == "group":
            return company is not None and group is not None and x["customer_group"] == group
        return company is not None and x["company_id"] == company

    level = {"customer": 3, "group": 2, "base": 1}
    candidates = sorted(
        (x for x in lists if x["currency"] == currency and active(x) and for_buyer(x)),
        key=lambda x: (-level[x["kind"]], -x["priority"], -(datetime.fromisoformat(
            x["valid_from"]).timestamp() if x["valid_from"] else -1e12), x["id"]))
    price = source = None
    for x in candidates:
        tiers = [t for t in lines[x["id"]] if t["sku"] == product["sku"] and t["min_qty"] <= qty]
        if tiers:
            price = Decimal(max(tiers, key=lambda t: t["min_qty"])["unit_price"])
            source = x["kind"]
            break
    if price is None:
        if product["price_per_piece"] is None or product["currency"] != currency:
            return None
        price = Decimal(int(math.floor(product["price_per_piece"] * 10000 + 0.5))) / 10000
        source = "catalog"
    if source == "customer" or company is None:
        return price
    levels = []
    parts = [p.strip() for p in (product["category"] or "").split(">") if p.strip()]
    for i in range(len(parts)):
        levels.append(" > ".join(parts[:i + 1]))

    def matches(d: dict) -> bool:
        if d["target_kind"] == "product":
            return d["target"] == product["sku"]
        if d["target_kind"] == "brand":
            return d["target"] == product["brand"]
        return d["target"] in levels

    usable = [d for d in discounts if active(d) and matches(d)
              and (d["company_id"] == company if d["company_id"] else d["customer_group"] == group)
              and (d["kind"] == "percent" or d["currency"] == currency)]
    if not usable:
        return price
    rank = {"product": 3, "brand": 2, "category": 1}
    best = max(usable, key=lambda d: (rank[d["target_kind"]], len(d["target"].split(" > "))
                                      if d["target_kind"] == "category" else 0,
                                      1 if d["company_id"] else 0, -d["id"]))
    value = Decimal(best["value"])
    if best["kind"] == "percent":
        return (price * (100 - value) / 100).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return max(price - value, Decimal(0))


def test_quotes_follow_the_documented_rules_at_random_quantities(store: CatalogStore) -> None:
    """An independent implementation of the README's rules agrees with quote() on a random
    world at random quantities (tiers above 1 included)."""
    w, buyers, skus = _random_world(store, seed=23, n=120)
    rng = random.Random(5)
    with w.tx() as tx:
        lists = w.prices.lists(tx)
        lines = {x["id"]: w.prices.lines(tx, x["id"], limit=10_000) for x in lists}
        discounts = w.prices.discounts(tx)
        products = {r.sku: r._asdict() for r in repo.catalog_rows(tx)}
        groups = {c: repo.company_group(tx, c)[1] for c in buyers if c is not None}
    compared = 0
    for at in (NOW, NOW + timedelta(days=20)):
        for company in buyers:
            items = [(s, rng.choice([1, 3, 5, 10, 50, 100, 1000])) for s in skus]
            for currency in ("EUR", "USD"):
                with w.tx() as tx:
                    quotes = w.prices.quote_many(tx, company, items, currency, at=at)
                for (sku, qty), q in zip(items, quotes, strict=True):
                    want = _reference_price(lists, lines, discounts, products[sku], company,
                                            groups.get(company) if company else None, qty,
                                            currency, at)
                    assert q.net_unit == want, (company, sku, qty, currency, at, q, want)
                    compared += want is not None
    assert compared > 500
