"""Quick order and shopping-list import through the HTTP API on SQLite and PostgreSQL:
matching by SKU, customer part number, MPN and GTIN; merged duplicates; pack rounding with a
notice; unmatched rows reported with row, field, value and reason while matched rows are
added; .xlsx, .xls and .csv files written by the test; customers' part numbers (CRUD,
permissions)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commerce.carts_world import Shop, shop, world  # noqa: F401 - fixtures
from tests.commerce.test_quick_order_parse import xls_bytes, xlsx_bytes


def _lines(shop: Shop, cart: int) -> dict[str, int]:  # noqa: F811
    view = shop.world.client.get(f"/v1/carts/{cart}", headers=shop.buyer.headers).json()
    return {x["sku"]: x["qty"] for x in view["lines"]}


def _part_numbers(shop: Shop) -> None:  # noqa: F811
    admin = shop.world.session(shop.world.user(company=shop.a, roles=("company_admin",)),
                               company=shop.a)
    r = shop.world.client.post(f"/v1/companies/{shop.a}/part-numbers", headers=admin.headers,
                               json={"part_numbers": [{"part_number": "OUR-77", "sku": "G-1"}]})
    assert r.status_code == 200, r.text


def test_paste_matches_merges_rounds_and_reports(shop: Shop) -> None:  # noqa: F811
    _part_numbers(shop)
    cart = shop.cart()
    text = "\n".join([
        "B-1 3",             # 1 SKU
        "b1;2",              # 2 the same SKU, normalised: merged with row 1
        "our 77, 4",         # 3 the customer's own part number (normalised)
        "BN-934-8\t7",       # 4 N-1's MPN; packages of 10: rounded up to 10
        "",                  # 5 empty
        "NOPE 1",            # 6 unknown
        "B-1 0",             # 7 bad quantity
        "G-1 two",           # 8 bad quantity
        "X-1 -1",            # 9 bad quantity (negative)
        "4006381333931 1",   # 10 B-1 by GTIN: merged too
    ])
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", json={"text": text},
                               headers=shop.buyer.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    added = {x["sku"]: x for x in body["added"]}
    assert {s: (x["added"], x["qty"], x["rows"], x["matched_by"]) for s, x in added.items()} == {
        "B-1": (6, 6, [1, 2, 10], "sku"),
        "G-1": (4, 4, [3], "customer part number"),
        "N-1": (10, 10, [4], "mpn")}
    assert added["B-1"]["notices"] == ["rows 1, 2, 10 name the same product: merged into 6"]
    assert added["N-1"]["notices"] == ["quantity rounded up from 7 to 10 "
                                       "(sold in packages of 10)"]
    assert [(p["row"], p["field"], p["value"]) for p in body["problems"]] == [
        (6, "sku", "NOPE"), (7, "qty", "0"), (8, "qty", "two"), (9, "qty", "-1")]
    assert body["problems"][0]["reason"] == "unknown SKU or part number"
    assert "at least 1" in body["problems"][1]["reason"]
    assert _lines(shop, cart) == {"B-1": 6, "G-1": 4, "N-1": 10}
    view = shop.world.client.get(f"/v1/carts/{cart}", headers=shop.buyer.headers).json()
    assert {x["added_from"] for x in view["lines"]} == {"quick_order"}
    # adding the same again adds to the lines
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", json={"text": "N-1 3"},
                               headers=shop.buyer.headers)
    assert r.json()["added"][0]["qty"] == 20
    for bad in ({"text": ""}, {"text": "   \n"}, {}):
        r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", json=bad,
                                   headers=shop.buyer.headers)
        assert (r.status_code, r.json()["field"]) == (400, "text")


def test_paste_reports_products_outside_the_assortment(shop: Shop) -> None:  # noqa: F811
    from commerce.assortments.service import AssortmentService

    with shop.world.uow() as tx:
        AssortmentService().put(tx, "test", {"exclude_skus": ["X-1"]}, company_id=shop.a)
    cart = shop.cart()
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", json={"text": "X-1 1\nB-1 1"},
                               headers=shop.buyer.headers)
    assert r.json()["problems"] == [{"row": 1, "field": "sku", "value": "X-1", "reason":
                                     "SKU X-1 is not in your company's assortment"}]
    assert _lines(shop, cart) == {"B-1": 1}


CSV_DE = ("Kundenartikelnummer;Artikelnummer;EAN;Menge;Bemerkung\n"
          "OUR-77;;;2;Lager 3\n"
          ";B-1;;4;\n"
          ";;0012345678905;5;\n"     # N-1 by GTIN; 5 -> 10 (packages)
          ";;12345678905;5;\n"       # the same GTIN without its leading zero: merged
          ";;9999999999999;1;\n"     # unknown GTIN
          "UNKNOWN-PN;;;1;\n"        # unknown customer part number
          ";B-1;;1,5;\n")            # not a whole number


def _upload(shop: Shop, cart: int, name: str, data: bytes) -> Any:  # noqa: F811
    return shop.world.client.post(f"/v1/carts/{cart}/import", headers=shop.buyer.headers,
                                  files={"file": (name, data, "application/octet-stream")})


def test_import_csv_with_german_headers(shop: Shop) -> None:  # noqa: F811
    _part_numbers(shop)
    cart = shop.cart()
    r = _upload(shop, cart, "bestellung.csv", CSV_DE.encode("cp1252"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["columns"] == {"Kundenartikelnummer": "customer", "Artikelnummer": "any",
                               "EAN": "gtin", "Menge": "qty", "Bemerkung": "note"}
    assert {x["sku"]: (x["qty"], x["rows"], x["matched_by"]) for x in body["added"]} == {
        "G-1": (2, [2], "customer part number"), "B-1": (4, [3], "sku"),
        "N-1": (10, [4, 5], "gtin")}
    assert [(p["row"], p["field"], p["value"], p["reason"]) for p in body["problems"]] == [
        (6, "EAN", "9999999999999", "unknown GTIN/EAN"),
        (7, "Kundenartikelnummer", "UNKNOWN-PN", "unknown customer part number"),
        (8, "Menge", "1,5", "quantity must be a whole number")]
    view = shop.world.client.get(f"/v1/carts/{cart}", headers=shop.buyer.headers).json()
    assert {x["sku"]: (x["note"], x["added_from"]) for x in view["lines"]}["G-1"] == (
        "Lager 3", "import")


@pytest.mark.parametrize(("writer", "name"), [(xlsx_bytes, "order.xlsx"),
                                               (xls_bytes, "order.xls")])
def test_import_spreadsheets(shop: Shop, writer: Any, name: str) -> None:  # noqa: F811
    cart = shop.cart()
    table = [["Part Number", "Description", "Quantity"], ["B-1", "bolt", 2],
             ["ACM 933 M8", "bolt by MPN", 3], [4006381333931, "bolt by EAN", 1],
             ["G-1", "glove", 2.5], [None, None, None], ["N-1", "nut", None]]
    r = _upload(shop, cart, name, writer(table))
    assert r.status_code == 200, r.text
    body = r.json()
    assert {x["sku"]: (x["qty"], x["rows"]) for x in body["added"]} == {
        "B-1": (6, [2, 3, 4]), "N-1": (10, [7])}
    assert [(p["row"], p["field"], p["value"]) for p in body["problems"]] == [
        (5, "Quantity", 2.5)]
    assert body["added"][1]["notices"] == ["row 7: no quantity given, 1 assumed",
                                           "quantity rounded up from 1 to 10 "
                                           "(sold in packages of 10)"]
    assert body["empty_rows"] == 1


def test_import_refuses_unusable_files_and_others_carts(shop: Shop) -> None:  # noqa: F811
    cart = shop.cart()
    for name, data in [("list.csv", b""), ("list.csv", b"price;text\n1;x\n"),
                       ("list.xlsx", b"PK\x03\x04garbage"), ("list.pdf", b"%PDF-1.4")]:
        r = _upload(shop, cart, name, data)
        assert (r.status_code, r.json()["field"]) == (400, "file"), (name, r.text)
    r = shop.world.client.post(f"/v1/carts/{cart}/import", headers=shop.other.headers,
                               files={"file": ("l.csv", b"sku,qty\nB-1,1\n", "text/csv")})
    assert r.status_code == 404
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", headers=shop.other.headers,
                               json={"text": "B-1 1"})
    assert r.status_code == 404
    assert _lines(shop, cart) == {}


def test_ambiguous_references_are_reported_not_guessed(shop: Shop) -> None:  # noqa: F811
    from tests.factories import make_record

    shop.world.store.upsert([make_record("B-2", "Twin bolt", mpn="ACM-933-M8")])
    cart = shop.cart()
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order",
                               json={"text": "acm933m8 1"}, headers=shop.buyer.headers)
    problem = r.json()["problems"][0]
    assert (problem["row"], problem["value"]) == (1, "acm933m8")
    assert problem["reason"].startswith("matches 2 products by mpn (B-1, B-2)")


def test_customer_part_numbers_crud_and_permissions(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    admin = shop.world.session(shop.world.user(company=shop.a, roles=("company_admin",)),
                               company=shop.a)
    path = f"/v1/companies/{shop.a}/part-numbers"
    body = {"part_numbers": [{"part_number": "Our 1", "sku": "B-1"},
                             {"part_number": "our-2", "sku": "N-1"}]}
    assert c.post(path, json=body, headers=shop.buyer.headers).status_code == 403
    r = c.post(path, json=body, headers=admin.headers)
    assert r.json() == {"saved": 2, "changed": 2}
    r = c.post(path, json={"part_numbers": [{"part_number": "OUR1", "sku": "G-1"}]},
               headers=admin.headers)
    assert r.json() == {"saved": 1, "changed": 1}  # the same part number, normalised
    listed = c.get(path, headers=shop.buyer.headers).json()["part_numbers"]
    assert [(x["part_number"], x["sku"]) for x in listed] == [("OUR1", "G-1"), ("our-2", "N-1")]
    for bad, field in [({"part_numbers": [{"part_number": "A", "sku": "NOPE"}]},
                        "part_numbers[0].sku"),
                       ({"part_numbers": [{"part_number": "--", "sku": "B-1"}]},
                        "part_numbers[0].part_number"),
                       ({"part_numbers": [{"part_number": "A", "sku": "B-1"},
                                          {"part_number": "a", "sku": "G-1"}]},
                        "part_numbers[1].part_number"),
                       ({"part_numbers": "x"}, "part_numbers")]:
        r = c.post(path, json=bad, headers=admin.headers)
        assert (r.status_code, r.json()["field"]) == (400, field), r.text
    # other companies' mappings do not exist for this company's users
    assert c.get(f"/v1/companies/{shop.b}/part-numbers",
                 headers=shop.buyer.headers).status_code == 404
    assert c.get(path, headers=shop.other.headers).status_code == 404
    mapping = listed[0]["id"]
    assert c.delete(f"/v1/companies/{shop.b}/part-numbers/{mapping}",
                    headers=admin.headers).status_code == 404
    assert c.delete(f"{path}/{mapping}", headers=admin.headers).status_code == 204
    r = c.put(path, json={"part_numbers": [{"part_number": "X9", "sku": "B-1"}]},
              headers=admin.headers)
    assert r.status_code == 200
    assert [x["part_number"] for x in c.get(path, headers=admin.headers).json()[
        "part_numbers"]] == ["X9"]
    assert [e["action"] for e in shop.world.audit(company_id=shop.a)
            if e["action"].startswith("part_numbers")].count("part_numbers.put") == 3


def test_pasting_too_much_is_413(shop: Shop) -> None:  # noqa: F811
    cart = shop.cart()
    r = shop.world.client.post(f"/v1/carts/{cart}/quick-order", headers=shop.buyer.headers,
                               json={"text": "B-1 1\n" * 400_000})
    assert (r.status_code, r.json()["field"]) == (413, "text")
