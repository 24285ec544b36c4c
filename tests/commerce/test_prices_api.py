"""The price, discount, VAT, quote and assortment endpoints through the HTTP API (real routers,
Tx and error handler) on SQLite and PostgreSQL: who may do what, 4xx naming the field, CSV
upload, quotes for the signed-in buyer, audit entries."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from commerce.audit.models import AuditEntry
from tests.commerce.accounts_world import World, world  # noqa: F401 - the fixture
from tests.factories import make_record


@pytest.fixture
def api(world: World) -> dict[str, Any]:  # noqa: F811
    world.store.upsert([make_record(sku, sku, brand=brand, category=cat, price_per_piece=p,
                                    currency="EUR")
                        for sku, brand, cat, p in [("B-1", "Acme", "Fasteners > Bolts", 1.0),
                                                   ("N-1", "Bolto", "Fasteners > Nuts", 0.2),
                                                   ("G-1", "Safe", "Safety > Gloves", 5.0)]])
    admin = world.sign_in(world.user(seller_role="administrator"))
    rep = world.sign_in(world.user(seller_role="sales_representative"))
    rep_account = rep
    a = world.company("A", group="wholesale", sales_rep=rep_account)
    b = world.company("B", group="wholesale")
    buyer = world.sign_in(world.user(company=a, roles=("buyer",)), company=a)
    other = world.sign_in(world.user(company=b, roles=("buyer",)), company=b)
    return {"admin": admin.headers, "rep": rep.headers, "buyer": buyer.headers,
            "other": other.headers, "a": a, "b": b}


def test_price_lists_permissions_and_validation(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c = world.client
    base = {"name": "Base", "kind": "base", "currency": "EUR",
            "lines": [{"sku": "B-1", "unit_price": "0.90"}, {"sku": "N-1", "unit_price": 0.15}]}
    # customers never change prices; a sales rep not base lists
    assert c.post("/v1/price-lists", json=base, headers=api["buyer"]).status_code == 403
    assert c.post("/v1/price-lists", json=base, headers=api["rep"]).status_code == 403
    r = c.post("/v1/price-lists", json=base, headers=api["admin"])
    assert r.status_code == 201, r.text
    base_id = r.json()["id"]
    # a sales rep: contract lists of its companies only (another company: 404)
    contract = {"name": "A contract", "kind": "customer", "company_id": api["a"],
                "currency": "EUR", "lines": [{"sku": "B-1", "unit_price": "0.50"}]}
    r = c.post("/v1/price-lists", json=contract, headers=api["rep"])
    assert r.status_code == 201, r.text
    a_list = r.json()["id"]
    r = c.post("/v1/price-lists", json={**contract, "company_id": api["b"]}, headers=api["rep"])
    assert r.status_code == 404
    # validation: 400 naming the field; lines reported one by one
    for change, field in [({"currency": "EURO"}, "currency"),
                          ({"valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "valid_to"),
                          ({"kind": "group"}, "customer_group")]:
        r = c.post("/v1/price-lists", json={**base, **change}, headers=api["admin"])
        assert (r.status_code, r.json()["field"]) == (400, field), r.text
    r = c.post("/v1/price-lists", headers=api["admin"], json={**base, "lines": [
        {"sku": "B-1", "unit_price": "-1"}, {"sku": "ZZZ", "unit_price": "1"},
        {"sku": "N-1", "min_qty": 5, "unit_price": "1"}, {"sku": "N-1", "min_qty": 5,
                                                          "unit_price": "2"}]})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "InvalidLines" and body["field"] == "lines"
    assert [(p["index"], p["field"]) for p in body["lines"]] == [
        (0, "unit_price"), (1, "sku"), (3, "min_qty")]
    # reading: the buyer sees its company's list only
    seen = [x["id"] for x in c.get("/v1/price-lists", headers=api["buyer"]).json()["price_lists"]]
    assert seen == [a_list]
    assert c.get(f"/v1/price-lists/{base_id}", headers=api["buyer"]).status_code == 404
    assert c.get(f"/v1/price-lists/{a_list}", headers=api["other"]).status_code == 404
    assert c.get(f"/v1/price-lists/{a_list}/lines", headers=api["buyer"]).json()["lines"] == [
        {"sku": "B-1", "min_qty": 1, "unit_price": "0.5000"}]
    admin_seen = c.get("/v1/price-lists", headers=api["admin"]).json()["price_lists"]
    assert [x["id"] for x in admin_seen] == [base_id, a_list]
    # lines, patch, delete
    r = c.post(f"/v1/price-lists/{a_list}/lines", headers=api["rep"],
               json={"lines": [{"sku": "B-1", "min_qty": 100, "unit_price": "0.40"}]})
    assert r.json() == {"saved": 1}
    r = c.patch(f"/v1/price-lists/{a_list}", json={"priority": 7}, headers=api["rep"])
    assert r.json()["priority"] == 7 and r.json()["line_count"] == 2
    assert c.patch(f"/v1/price-lists/{base_id}", json={"priority": 7},
                   headers=api["rep"]).status_code == 403
    assert c.delete(f"/v1/price-lists/{a_list}/lines/B-1?min_qty=100",
                    headers=api["rep"]).status_code == 204
    assert c.delete(f"/v1/price-lists/{a_list}/lines/B-1?min_qty=100",
                    headers=api["rep"]).status_code == 404
    assert c.delete(f"/v1/price-lists/{base_id}", headers=api["admin"]).status_code == 204
    with world.uow() as tx:
        actions = [a for (a,) in tx.execute(select(AuditEntry.action).where(
            AuditEntry.action.like("price_list.%")).order_by(AuditEntry.id))]
    assert actions == ["price_list.create", "price_list.create", "price_list.lines_put",
                       "price_list.update", "price_list.line_delete", "price_list.delete"]


def test_csv_import_over_http(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c = world.client
    list_id = c.post("/v1/price-lists", headers=api["admin"], json={
        "name": "Base", "kind": "base", "currency": "EUR"}).json()["id"]
    csv = b"sku,unit_price,min_qty\nB-1,0.80,1\nB-1,0.70,10\nNOPE,1,1\nN-1,x,1\n"
    r = c.post(f"/v1/price-lists/{list_id}/import", headers=api["admin"],
               files={"file": ("prices.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 2
    assert [(p["row"], p["field"]) for p in r.json()["rejected"]] == [(4, "sku"),
                                                                       (5, "unit_price")]
    r = c.post(f"/v1/price-lists/{list_id}/import?atomic=true", headers=api["admin"],
               files={"file": ("prices.csv", b"sku,unit_price\nG-1,1\nNOPE,2\n", "text/csv")})
    assert r.status_code == 400 and r.json()["lines"][0]["row"] == 3
    lines = c.get(f"/v1/price-lists/{list_id}/lines", headers=api["admin"]).json()["lines"]
    assert [x["sku"] for x in lines] == ["B-1", "B-1"]


def test_discounts_tax_rates_and_quotes(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c = world.client
    c.post("/v1/price-lists", headers=api["admin"], json={
        "name": "Base", "kind": "base", "currency": "EUR",
        "lines": [{"sku": "B-1", "unit_price": "0.90"}, {"sku": "B-1", "min_qty": 10,
                                                         "unit_price": "0.80"}]})
    group_discount = {"name": "Bolts", "kind": "percent", "value": "10",
                      "target_kind": "category", "target": "Fasteners",
                      "customer_group": "wholesale"}
    assert c.post("/v1/discounts", json=group_discount, headers=api["rep"]).status_code == 403
    r = c.post("/v1/discounts", json=group_discount, headers=api["admin"])
    assert r.status_code == 201, r.text
    r = c.post("/v1/discounts", headers=api["rep"], json={
        **group_discount, "customer_group": None, "company_id": api["a"], "value": "150"})
    assert (r.status_code, r.json()["field"]) == (400, "value")
    r = c.post("/v1/discounts", headers=api["rep"], json={
        **group_discount, "name": "A gloves", "customer_group": None, "company_id": api["a"],
        "kind": "fixed", "value": "1", "currency": "EUR", "target_kind": "product",
        "target": "G-1"})
    assert r.status_code == 201, r.text
    assert [d["name"] for d in c.get("/v1/discounts", headers=api["buyer"]).json()[
        "discounts"]] == ["A gloves"]
    assert c.get("/v1/discounts", headers=api["other"]).json()["discounts"] == []
    # VAT: administrators only
    assert c.put("/v1/tax-rates/DE/standard", json={"rate": "19"},
                 headers=api["rep"]).status_code == 403
    assert c.put("/v1/tax-rates/DE/standard", json={"rate": "19"},
                 headers=api["admin"]).status_code == 200
    r = c.put("/v1/tax-rates/DE/standard", json={"rate": "101"}, headers=api["admin"])
    assert (r.status_code, r.json()["field"]) == (400, "rate")
    assert c.put("/v1/tax-rates/products/G-1", json={"tax_class": "reduced"},
                 headers=api["admin"]).json()["tax_class"] == "reduced"
    assert c.put("/v1/tax-rates/DE/reduced", json={"rate": 7},
                 headers=api["admin"]).status_code == 200
    assert len(c.get("/v1/tax-rates?country=DE", headers=api["buyer"]).json()["tax_rates"]) == 2
    # quotes for the signed-in buyer's company
    r = c.get("/v1/prices/quote?sku=B-1&qty=10&currency=EUR&country=DE", headers=api["buyer"])
    assert r.status_code == 200, r.text
    q = r.json()
    assert (q["company_id"], q["net_unit"], q["net_total"], q["vat_total"], q["gross_total"]) == (
        api["a"], "0.72", "7.20", "1.37", "8.57")
    assert q["price_list"]["name"] == "Base" and q["tier_min_qty"] == 10
    assert q["discount"]["name"] == "Bolts"
    assert c.get(f"/v1/prices/quote?sku=B-1&currency=EUR&company_id={api['b']}",
                 headers=api["buyer"]).status_code == 404
    # a seller names a company it sees; none: base prices
    assert c.get(f"/v1/prices/quote?sku=B-1&currency=EUR&company_id={api['b']}",
                 headers=api["rep"]).status_code == 404
    assert c.get("/v1/prices/quote?sku=B-1&currency=EUR",
                 headers=api["admin"]).json()["net_unit"] == "0.90"
    r = c.post("/v1/prices/quote", headers=api["buyer"], json={
        "items": [{"sku": "G-1", "qty": 2}, {"sku": "B-1"}], "currency": "EUR",
        "country": "DE"})
    assert [(x["sku"], x["net_unit"], x["gross_total"]) for x in r.json()["quotes"]] == [
        ("G-1", "4.00", "8.56"), ("B-1", "0.81", "0.96")]
    for url, field in [("/v1/prices/quote?sku=B-1&currency=XXX", "currency"),
                       ("/v1/prices/quote?sku=NOPE&currency=EUR", "sku"),
                       ("/v1/prices/quote?sku=B-1&currency=EUR&country=FR", "country"),
                       ("/v1/prices/quote?sku=B-1&currency=EUR&at=soon", "at")]:
        r = c.get(url, headers=api["buyer"])
        assert r.status_code in (400, 404) and r.json()["field"] == field, (url, r.text)
    assert c.get("/v1/prices/quote?sku=B-1&currency=EUR").status_code == 401


def test_assortments_over_http(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c = world.client
    rules = {"include_categories": ["Fasteners"], "exclude_skus": ["N-1"]}
    assert c.put(f"/v1/assortments/companies/{api['a']}", json=rules,
                 headers=api["buyer"]).status_code == 403
    assert c.put(f"/v1/assortments/companies/{api['b']}", json=rules,
                 headers=api["rep"]).status_code == 404
    r = c.put(f"/v1/assortments/companies/{api['a']}", json=rules, headers=api["rep"])
    assert r.status_code == 200 and r.json()["include_categories"] == ["Fasteners"]
    r = c.put(f"/v1/assortments/companies/{api['a']}", headers=api["rep"],
              json={"include_skus": ["NOPE"]})
    assert (r.status_code, r.json()["field"]) == (400, "include_skus")
    assert c.put("/v1/assortments/groups/wholesale", json=rules,
                 headers=api["rep"]).status_code == 403
    assert c.put("/v1/assortments/groups/wholesale", json={"exclude_brands": ["Safe"]},
                 headers=api["admin"]).status_code == 200
    listed = c.get("/v1/assortments", headers=api["rep"]).json()["assortments"]
    assert listed == [{"company_id": api["a"], "customer_group": None, "rules": 2},
                      {"company_id": None, "customer_group": "wholesale", "rules": 1}]
    assert c.get(f"/v1/assortments/companies/{api['a']}", headers=api["rep"]).json()[
        "exclude_skus"] == ["N-1"]
    assert c.delete(f"/v1/assortments/companies/{api['a']}",
                    headers=api["rep"]).status_code == 204
    with world.uow() as tx:
        actions = [a for (a,) in tx.execute(select(AuditEntry.action).where(
            AuditEntry.action.like("assortment.%")).order_by(AuditEntry.id))]
    assert actions == ["assortment.put", "assortment.put", "assortment.delete"]
