"""The price resolution rules, table-driven, on SQLite and PostgreSQL: tiers, validity
windows, overlapping lists, levels (customer > group > base > catalog), discounts (each target
kind, the combination rule, never on contract prices, never below 0), currency, VAT and
rounding."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from catalog.errors import InvalidInput, NotFound
from catalog.store import CatalogStore
from tests.commerce.pricing_world import NOW, World, add_companies, add_products

D = datetime

PRODUCTS = [
    {"sku": "BOLT-1", "brand": "Acme", "category": "Fasteners > Bolts > Hex bolts",
     "price_per_piece": 1.0, "currency": "EUR"},
    {"sku": "BOLT-2", "brand": "Acme", "category": "Fasteners > Bolts > Carriage bolts",
     "price_per_piece": 2.0, "currency": "EUR"},
    {"sku": "NUT-1", "brand": "Bolto", "category": "Fasteners > Nuts", "price_per_piece": 0.1,
     "currency": "EUR"},
    {"sku": "NUT-2", "brand": "Rnd", "category": "Misc", "price_per_piece": 0.0125,
     "currency": "EUR"},
    {"sku": "GLOVE-1", "brand": "SafeHands", "category": "Safety > Gloves",
     "price_per_piece": 5.0, "currency": "EUR"},
    {"sku": "CHEAP-1", "brand": "Acme", "category": "Tools", "price_per_piece": 0.5,
     "currency": "EUR"},
    {"sku": "USD-1", "brand": "Acme", "category": "Fasteners > Nuts", "price_per_piece": 3.0,
     "currency": "USD"},
    {"sku": "JP-1", "brand": "Nihon", "category": "Tools", "price_per_piece": 1234.5,
     "currency": "JPY"},
    {"sku": "NOPRICE", "brand": "Acme", "category": "Tools"},
]


@pytest.fixture
def world(store: CatalogStore) -> tuple[World, dict[str, int]]:
    w = World(store)
    add_products(store, PRODUCTS)
    c = add_companies(store, {"C1": "wholesale", "C2": "wholesale", "C3": None, "C4": "retail"})
    # base lists: tiers, a promotion window, an older list with a higher priority that only
    # has a tier from 100 pieces, and two lists tied on priority and start (lower id wins)
    w.price_list("Base 2026", lines=[("BOLT-1", 1, "0.90"), ("BOLT-1", 10, "0.80"),
                                     ("NUT-1", 1, "0.09"), ("NUT-1", 10, "0.08"),
                                     ("NUT-1", 100, "0.07")])
    w.price_list("Promo", priority=5, valid_from="2026-01-01", valid_to="2026-02-01",
                 lines=[("BOLT-1", 1, "0.85")])
    w.price_list("Old", priority=5, valid_from="2025-01-01", lines=[("BOLT-1", 100, "0.60")])
    w.price_list("Tie A", priority=1, valid_from="2025-06-01", lines=[("GLOVE-1", 1, "4.00")])
    w.price_list("Tie B", priority=1, valid_from="2025-06-01", lines=[("GLOVE-1", 1, "3.00")])
    # the wholesale group's list: BOLT-2 only from 10 pieces
    w.price_list("Wholesale", kind="group", customer_group="wholesale",
                 lines=[("BOLT-1", 1, "0.75"), ("BOLT-1", 50, "0.60"), ("BOLT-2", 10, "1.50")])
    # C1's contracts in EUR and in USD
    w.price_list("C1 contract", kind="customer", company_id=c["C1"],
                 lines=[("BOLT-1", 1, "0.50")])
    w.price_list("C1 USD", kind="customer", company_id=c["C1"], currency="USD",
                 lines=[("USD-1", 1, "2.50")])
    # discounts
    w.discount("Fasteners 10", "percent", "10", "category", "Fasteners", customer_group="wholesale")
    w.discount("Bolts 20", "percent", "20", "category", "Fasteners>Bolts",
               customer_group="wholesale")
    w.discount("Bolto 2ct", "fixed", "0.02", "brand", "Bolto", currency="EUR",
               customer_group="wholesale")
    w.discount("Glove half", "percent", "50", "product", "GLOVE-1", customer_group="wholesale")
    w.discount("USD off", "fixed", "1", "product", "USD-1", currency="USD",
               customer_group="wholesale")
    w.discount("C2 fasteners 5", "percent", "5", "category", "Fasteners", company_id=c["C2"])
    w.discount("C2 bolts 15", "percent", "15", "category", "Fasteners > Bolts",
               company_id=c["C2"])
    w.discount("C3 cheap", "fixed", "1.00", "product", "CHEAP-1", currency="EUR",
               company_id=c["C3"])
    w.discount("C3 March", "percent", "10", "product", "GLOVE-1", company_id=c["C3"],
               valid_from="2026-03-01", valid_to="2026-04-01")
    w.discount("C3 round", "percent", "50", "product", "NUT-2", company_id=c["C3"])
    return w, c


# (case, company, sku, qty, currency, at, net unit, source, list, discount)
CASES = [
    # tiers: the highest min_qty <= qty of the winning list
    ("tier 1", None, "NUT-1", 1, "EUR", NOW, "0.09", "base", "Base 2026", None),
    ("tier below 10", None, "NUT-1", 9, "EUR", NOW, "0.09", "base", "Base 2026", None),
    ("tier 10 exactly", None, "NUT-1", 10, "EUR", NOW, "0.08", "base", "Base 2026", None),
    ("tier 99", None, "NUT-1", 99, "EUR", NOW, "0.08", "base", "Base 2026", None),
    ("tier 100", None, "NUT-1", 100, "EUR", NOW, "0.07", "base", "Base 2026", None),
    ("tier 5000", None, "NUT-1", 5000, "EUR", NOW, "0.07", "base", "Base 2026", None),
    # overlaps: a list without a tier reaching the quantity is skipped
    ("higher priority, no tier for 1", None, "BOLT-1", 1, "EUR", NOW, "0.90", "base",
     "Base 2026", None),
    ("higher priority wins when it has a tier", None, "BOLT-1", 100, "EUR", NOW, "0.60", "base",
     "Old", None),
    ("later valid_from wins on equal priority", None, "BOLT-1", 100, "EUR", D(2026, 1, 15),
     "0.85", "base", "Promo", None),
    ("equal priority and start: lower id", None, "GLOVE-1", 1, "EUR", NOW, "4.00", "base",
     "Tie A", None),
    # windows: valid_from inclusive, valid_to exclusive
    ("inside the promotion", None, "BOLT-1", 1, "EUR", D(2026, 1, 1), "0.85", "base", "Promo",
     None),
    ("promotion ended (valid_to exclusive)", None, "BOLT-1", 1, "EUR", D(2026, 2, 1), "0.90",
     "base", "Base 2026", None),
    ("before a list starts", None, "BOLT-1", 100, "EUR", D(2024, 6, 1), "0.80", "base",
     "Base 2026", None),
    # levels
    ("contract beats group", "C1", "BOLT-1", 1, "EUR", NOW, "0.50", "customer", "C1 contract",
     None),
    ("contract tier 1 for many", "C1", "BOLT-1", 1000, "EUR", NOW, "0.50", "customer",
     "C1 contract", None),
    ("group beats base; company discount beats group's", "C2", "BOLT-1", 1, "EUR", NOW,
     "0.6375", "group", "Wholesale", "C2 bolts 15"),
    ("group tier 50", "C2", "BOLT-1", 50, "EUR", NOW, "0.51", "group", "Wholesale",
     "C2 bolts 15"),
    ("other group: base", "C4", "BOLT-1", 1, "EUR", NOW, "0.90", "base", "Base 2026", None),
    ("no group: base", "C3", "BOLT-1", 10, "EUR", NOW, "0.80", "base", "Base 2026", None),
    ("group tier from 10 only: catalog for 1", "C1", "BOLT-2", 1, "EUR", NOW, "1.60",
     "catalog", None, "Bolts 20"),
    ("group tier from 10", "C1", "BOLT-2", 10, "EUR", NOW, "1.20", "group", "Wholesale",
     "Bolts 20"),
    ("catalog price", None, "CHEAP-1", 1, "EUR", NOW, "0.50", "catalog", None, None),
    ("no price at all", None, "NOPRICE", 1, "EUR", NOW, None, None, None, None),
    # discounts: brand beats category, deeper category beats shallower, product beats all
    ("brand beats category", "C1", "NUT-1", 1, "EUR", NOW, "0.07", "base", "Base 2026",
     "Bolto 2ct"),
    ("group brand beats company category", "C2", "NUT-1", 1, "EUR", NOW, "0.07", "base",
     "Base 2026", "Bolto 2ct"),
    ("deeper category wins", "C1", "BOLT-2", 1, "EUR", NOW, "1.60", "catalog", None,
     "Bolts 20"),
    ("product discount", "C2", "GLOVE-1", 1, "EUR", NOW, "2.00", "base", "Tie A",
     "Glove half"),
    ("fixed never below 0", "C3", "CHEAP-1", 1, "EUR", NOW, "0.00", "catalog", None,
     "C3 cheap"),
    ("discount window", "C3", "GLOVE-1", 1, "EUR", D(2026, 3, 15), "3.60", "base", "Tie A",
     "C3 March"),
    ("discount window over", "C3", "GLOVE-1", 1, "EUR", D(2026, 4, 1), "4.00", "base", "Tie A",
     None),
    ("anonymous: no discounts", None, "GLOVE-1", 1, "EUR", NOW, "4.00", "base", "Tie A", None),
    ("percent half-up to 1/10,000", "C3", "NUT-2", 1, "EUR", NOW, "0.0063", "catalog", None,
     "C3 round"),
    # currency: no conversion; lists and fixed discounts only in their currency
    ("catalog in USD not shown in EUR", None, "USD-1", 1, "EUR", NOW, None, None, None, None),
    ("catalog in USD", None, "USD-1", 1, "USD", NOW, "3.00", "catalog", None, None),
    ("USD contract, no discount on contracts", "C1", "USD-1", 1, "USD", NOW, "2.50", "customer",
     "C1 USD", None),
    ("USD fixed discount", "C2", "USD-1", 1, "USD", NOW, "2.00", "catalog", None, "USD off"),
    ("EUR lists not in USD", "C1", "BOLT-1", 1, "USD", NOW, None, None, None, None),
    ("EUR fixed discount not in USD", "C2", "NUT-1", 1, "USD", NOW, None, None, None, None),
]


def test_resolution_table(world: tuple[World, dict[str, int]]) -> None:
    w, companies = world
    failures = []
    for case, company, sku, qty, currency, at, net, source, list_name, discount in CASES:
        q = w.quote(companies[company] if company else None, sku, qty, currency, at=at)
        got = (None if q.net_unit is None else q.net_unit, q.resolution.source,
               q.resolution.price_list.name if q.resolution.price_list else None,
               q.resolution.discount.name if q.resolution.discount else None)
        want = (None if net is None else Decimal(net), source, list_name, discount)
        if got != want:
            failures.append(f"{case}: got {got}, want {want}")
    assert not failures, "\n".join(failures)


# (case, sku, qty, currency, country, net unit, net total, VAT, gross total, gross unit)
VAT_CASES = [
    ("19 % on a line", "NUT-1", 7, "EUR", "DE", "0.09", "0.63", "0.12", "0.75", "0.1071"),
    ("net line half-up to cents", "NUT-2", 3, "EUR", "DE", "0.0125", "0.04", "0.01", "0.05",
     "0.0149"),
    ("reduced tax class", "GLOVE-1", 3, "EUR", "DE", "4.00", "12.00", "0.84", "12.84", "4.28"),
    ("8.1 % in CH", "NUT-1", 100, "EUR", "CH", "0.07", "7.00", "0.57", "7.57", "0.0757"),
    ("JPY has no minor unit", "JP-1", 1, "JPY", "JP", "1234.5", "1235", "124", "1359",
     "1357.95"),
    ("zero rate", "NUT-1", 10, "EUR", "XA", "0.08", "0.80", "0.00", "0.80", "0.08"),
]


def test_vat_and_rounding_table(world: tuple[World, dict[str, int]]) -> None:
    w, _ = world
    with w.tx() as tx:
        for country, cls, rate in [("DE", "standard", "19"), ("DE", "reduced", "7"),
                                   ("CH", "standard", "8.1"), ("JP", "standard", "10"),
                                   ("XA", "standard", "0")]:
            w.prices.put_tax_rate(tx, "test", country, cls, rate)
        w.prices.set_product_tax_class(tx, "test", "GLOVE-1", "reduced")
    failures = []
    for case, sku, qty, currency, country, net, total, vat, gross, gross_unit in VAT_CASES:
        q = w.quote(None, sku, qty, currency, country)
        got = (q.net_unit, q.net_total, q.vat_total, q.gross_total, q.gross_unit)
        want = tuple(Decimal(v) for v in (net, total, vat, gross, gross_unit))
        if got != want:
            failures.append(f"{case}: got {got}, want {want}")
    assert not failures, "\n".join(failures)
    assert str(w.quote(None, "JP-1", 1, "JPY", "JP").net_total) == "1235"
    assert str(w.quote(None, "NUT-1", 7, "EUR", "DE").gross_total) == "0.75"
    with pytest.raises(InvalidInput) as err:
        w.quote(None, "NUT-1", 1, "EUR", "FR")
    assert err.value.field == "country"
    net_only = w.quote(None, "NUT-1", 2, "EUR")
    assert (net_only.net_total, net_only.gross_total, net_only.vat_rate) == (
        Decimal("0.18"), None, None)


def test_quote_inputs_are_checked(world: tuple[World, dict[str, int]]) -> None:
    w, companies = world
    for kwargs, field in [({"currency": "EURO"}, "currency"), ({"qty": 0}, "qty"),
                          ({"country": "Germany"}, "country")]:
        args = {"company": None, "sku": "NUT-1", **kwargs}
        with pytest.raises(InvalidInput) as err:
            w.quote(**args)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(NotFound) as nf:
        w.quote(None, "NOPE-1")
    assert nf.value.field == "sku"
    with pytest.raises(NotFound) as nf:
        w.quote(max(companies.values()) + 100, "NUT-1")
    assert nf.value.field == "company_id"


def test_quote_many_matches_single_quotes(world: tuple[World, dict[str, int]]) -> None:
    w, companies = world
    items = [("BOLT-1", 1), ("BOLT-1", 50), ("NUT-1", 10), ("GLOVE-1", 2), ("NOPRICE", 1)]
    with w.tx() as tx:
        many = w.prices.quote_many(tx, companies["C2"], items, "EUR", at=NOW)
    singles = [w.quote(companies["C2"], sku, qty) for sku, qty in items]
    assert [q.to_dict() for q in many] == [q.to_dict() for q in singles]
    assert [q.priced for q in many] == [True, True, True, True, False]
    assert many[1].to_dict()["tier_min_qty"] == 50
    assert many[1].to_dict()["discount"]["audience"] == "company"
