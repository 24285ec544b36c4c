"""Managing price lists, discounts and VAT rates through the service: validation (each bad
input named by its field), lines reported per line, CSV import keeping good rows, audit entries
and version bumps (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from catalog.errors import InvalidInput, NotFound
from catalog.store import CatalogStore
from commerce.audit.models import AuditEntry
from commerce.prices import repository as repo
from commerce.prices.service import InvalidLines
from tests.commerce.pricing_world import World, add_companies, add_products


@pytest.fixture
def world(store: CatalogStore) -> tuple[World, dict[str, int]]:
    w = World(store)
    add_products(store, [{"sku": s, "price_per_piece": 1.0, "currency": "EUR",
                          "category": "Tools", "brand": "Acme"} for s in ("A-1", "A-2", "A-3")])
    return w, add_companies(store, {"X": "wholesale"})


BAD_LISTS: list[tuple[str, dict[str, Any], str]] = [
    ("no name", {"name": " "}, "name"),
    ("unknown kind", {"kind": "vip"}, "kind"),
    ("unknown currency", {"currency": "EUX"}, "currency"),
    ("group list without group", {"kind": "group"}, "customer_group"),
    ("customer list without company", {"kind": "customer"}, "company_id"),
    ("customer list of an unknown company", {"kind": "customer", "company_id": 99_999},
     "company_id"),
    ("valid_to before valid_from", {"valid_from": "2026-02-01", "valid_to": "2026-01-01"},
     "valid_to"),
    ("valid_to equal to valid_from", {"valid_from": "2026-02-01", "valid_to": "2026-02-01"},
     "valid_to"),
    ("bad date", {"valid_from": "next week"}, "valid_from"),
    ("priority not a number", {"priority": "high"}, "priority"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_LISTS, ids=[c[0] for c in BAD_LISTS])
def test_bad_price_lists_name_the_field(store: CatalogStore, case: str, change: dict[str, Any],
                                        field: str) -> None:
    w = World(store)
    with pytest.raises(InvalidInput) as err, w.tx() as tx:
        w.prices.create_list(tx, "test", {"name": "L", "kind": "base", "currency": "EUR",
                                          **change})
    assert err.value.field == field, err.value.detail
    with w.tx() as tx:
        assert w.prices.lists(tx) == []


def test_bad_lines_are_reported_per_line_and_nothing_is_saved(
        world: tuple[World, dict[str, int]]) -> None:
    w, _ = world
    lines = [{"sku": "A-1", "min_qty": 1, "unit_price": "1.00"},
             {"sku": "A-1", "min_qty": 10, "unit_price": "-0.50"},
             {"sku": "A-1", "min_qty": 1, "unit_price": "0.90"},
             {"sku": "NOPE", "min_qty": 1, "unit_price": "1"},
             {"sku": "A-2", "min_qty": 0, "unit_price": "1"},
             {"sku": "A-3", "min_qty": 1, "unit_price": "1.00001"},
             {"sku": "A-2", "min_qty": 5, "unit_price": "abc"}]
    with pytest.raises(InvalidLines) as err, w.tx() as tx:
        w.prices.create_list(tx, "test", {"name": "L", "kind": "base", "currency": "EUR",
                                          "lines": lines})
    body = err.value.to_dict()
    assert body["field"] == "lines" and body["error"] == "InvalidLines"
    assert [(p["index"], p["field"]) for p in body["lines"]] == [
        (1, "unit_price"), (2, "min_qty"), (3, "sku"), (4, "min_qty"), (5, "unit_price"),
        (6, "unit_price")]
    assert "at least 0" in body["lines"][0]["detail"]
    assert "already given by line 0" in body["lines"][1]["detail"]
    assert "unknown SKU" in body["lines"][2]["detail"]
    with w.tx() as tx:
        assert w.prices.lists(tx) == []


def test_list_crud_audit_and_versions(world: tuple[World, dict[str, int]]) -> None:
    w, c = world
    with w.tx() as tx:
        before = repo.read_version(tx, "prices")
        made = w.prices.create_list(tx, "test", {
            "name": "Contract", "kind": "customer", "company_id": c["X"], "currency": "eur",
            "valid_from": "2026-01-01T00:00:00+01:00",
            "lines": [{"sku": "A-1", "unit_price": "0.5"}, {"sku": "A-1", "min_qty": 10,
                                                            "unit_price": "0.45"}]})
    assert made["currency"] == "EUR" and made["line_count"] == 2
    assert made["valid_from"] == "2025-12-31T23:00:00"  # stored as UTC
    list_id = made["id"]
    with w.tx() as tx:
        w.prices.put_lines(tx, "test", list_id, [{"sku": "A-1", "min_qty": 10,
                                                  "unit_price": "0.40"},
                                                 {"sku": "A-2", "unit_price": "2"}])
        assert w.prices.lines(tx, list_id) == [
            {"sku": "A-1", "min_qty": 1, "unit_price": "0.5000"},
            {"sku": "A-1", "min_qty": 10, "unit_price": "0.4000"},
            {"sku": "A-2", "min_qty": 1, "unit_price": "2.0000"}]
        updated = w.prices.update_list(tx, "test", list_id, {"priority": 3, "name": "C 2026"})
        assert (updated["priority"], updated["name"], updated["kind"]) == (3, "C 2026",
                                                                          "customer")
        w.prices.put_lines(tx, "test", list_id, [{"sku": "A-3", "unit_price": "3"}],
                           replace=True)
        assert [x["sku"] for x in w.prices.lines(tx, list_id)] == ["A-3"]
        w.prices.delete_line(tx, "test", list_id, "A-3")
        with pytest.raises(NotFound):
            w.prices.delete_line(tx, "test", list_id, "A-3")
        w.prices.delete_list(tx, "test", list_id)
        with pytest.raises(NotFound):
            w.prices.get_list(tx, list_id)
        assert repo.read_version(tx, "prices") == before + 6
        actions = tx.execute(select(AuditEntry.action, AuditEntry.company_id)
                             .order_by(AuditEntry.id)).all()
    assert actions == [("price_list.create", c["X"]), ("price_list.lines_put", c["X"]),
                       ("price_list.update", c["X"]), ("price_list.lines_replace", c["X"]),
                       ("price_list.line_delete", c["X"]), ("price_list.delete", c["X"])]


def test_csv_import_keeps_good_rows_and_reports_bad_ones(
        world: tuple[World, dict[str, int]]) -> None:
    w, _ = world
    list_id = w.price_list("Base")
    data = (b"SKU;Unit_Price;Min_Qty\n"
            b"A-1;1,5;1\n"         # a decimal comma is not a number here: rejected
            b"A-1;1.50;\n"         # min_qty defaults to 1
            b"A-1;1.40;10\n"
            b"A-1;1.30;10\n"       # the same tier again: rejected
            b"NOPE;1;1\n"          # unknown SKU
            b"A-2;-1;1\n"          # negative
            b"A-3;2;\n")
    with w.tx() as tx:
        report = w.prices.import_csv(tx, "test", list_id, data)
    assert report["rows"] == 7 and report["saved"] == 3
    assert [(p["row"], p["field"]) for p in report["rejected"]] == [
        (2, "unit_price"), (5, "min_qty"), (6, "sku"), (7, "unit_price")]
    with w.tx() as tx:
        assert [(x["sku"], x["min_qty"]) for x in w.prices.lines(tx, list_id)] == [
            ("A-1", 1), ("A-1", 10), ("A-3", 1)]
        # atomic: one bad row and nothing is saved
        with pytest.raises(InvalidLines):
            w.prices.import_csv(tx, "test", list_id, b"sku,unit_price\nA-2,9\nNOPE,1\n",
                                atomic=True)
    with w.tx() as tx:
        assert len(w.prices.lines(tx, list_id)) == 3
    for bad, field in [(b"sku,price\nA-1,1\n", "file"), (b"\xff\xfe\x00", "file")]:
        with pytest.raises(InvalidInput) as err, w.tx() as tx:
            w.prices.import_csv(tx, "test", list_id, bad)
        assert err.value.field == field


BAD_DISCOUNTS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown kind", {"kind": "bogo"}, "kind"),
    ("percent above 100", {"value": "100.5"}, "value"),
    ("percent 0", {"value": "0"}, "value"),
    ("negative percent", {"value": "-5"}, "value"),
    ("fixed without currency", {"kind": "fixed", "value": "1"}, "currency"),
    ("fixed in an unknown currency", {"kind": "fixed", "value": "1", "currency": "XXY"},
     "currency"),
    ("percent with a currency", {"currency": "EUR"}, "currency"),
    ("unknown target kind", {"target_kind": "colour"}, "target_kind"),
    ("unknown product", {"target_kind": "product", "target": "NOPE"}, "target"),
    ("no audience", {"customer_group": None}, "customer_group"),
    ("two audiences", {"company_id": 1}, "company_id"),
    ("window", {"valid_from": "2026-05-01", "valid_to": "2026-04-01"}, "valid_to"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_DISCOUNTS,
                         ids=[c[0] for c in BAD_DISCOUNTS])
def test_bad_discounts_name_the_field(store: CatalogStore, case: str, change: dict[str, Any],
                                      field: str) -> None:
    w = World(store)
    add_products(store, [{"sku": "A-1"}])
    data = {"name": "D", "kind": "percent", "value": "10", "target_kind": "brand",
            "target": "Acme", "customer_group": "wholesale", **change}
    with pytest.raises(InvalidInput) as err, w.tx() as tx:
        w.prices.create_discount(tx, "test", data)
    assert err.value.field == field, err.value.detail


def test_discount_crud(world: tuple[World, dict[str, int]]) -> None:
    w, c = world
    with w.tx() as tx:
        d = w.prices.create_discount(tx, "test", {
            "name": "Tools", "kind": "percent", "value": "12.5", "target_kind": "category",
            "target": "Tools >", "company_id": c["X"]})
        assert (d["target"], d["value"], d["currency"]) == ("Tools", "12.5000", None)
        d2 = w.prices.update_discount(tx, "test", d["id"], {"kind": "fixed", "value": "0.25",
                                                             "currency": "EUR"})
        assert (d2["kind"], d2["value"], d2["currency"]) == ("fixed", "0.2500", "EUR")
        assert [x["id"] for x in w.prices.discounts(tx, company_id=c["X"])] == [d["id"]]
        w.prices.delete_discount(tx, "test", d["id"])
        with pytest.raises(NotFound):
            w.prices.get_discount(tx, d["id"])
        assert [a for (a,) in tx.execute(select(AuditEntry.action).order_by(AuditEntry.id))] == [
            "discount.create", "discount.update", "discount.delete"]


def test_tax_rates(world: tuple[World, dict[str, int]]) -> None:
    w, _ = world
    with w.tx() as tx:
        assert w.prices.put_tax_rate(tx, "test", "de", "standard", "19") == {
            "tax_class": "standard", "country": "DE", "rate": "19"}
        w.prices.put_tax_rate(tx, "test", "DE", "standard", "19.5")
        assert w.prices.tax_rates(tx, "DE") == [
            {"tax_class": "standard", "country": "DE", "rate": "19.500"}]
        for args, field in [(("Germany", "standard", "19"), "country"),
                            (("DE", "Standard!", "19"), "tax_class"),
                            (("DE", "standard", "100"), "rate"),
                            (("DE", "standard", "-1"), "rate"),
                            (("DE", "standard", "7.0001"), "rate")]:
            with pytest.raises(InvalidInput) as err:
                w.prices.put_tax_rate(tx, "test", *args)
            assert err.value.field == field
        assert w.prices.set_product_tax_class(tx, "test", "A-1", "reduced")["tax_class"] == \
            "reduced"
        with pytest.raises(NotFound):
            w.prices.set_product_tax_class(tx, "test", "NOPE", "reduced")
        w.prices.delete_tax_rate(tx, "test", "DE", "standard")
        with pytest.raises(NotFound):
            w.prices.delete_tax_rate(tx, "test", "DE", "standard")
