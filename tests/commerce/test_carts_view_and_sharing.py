"""The cart view (W5: net and gross prices per line with the customer's discounts at once,
totals, unpriced lines flagged, the approval path), sharing with colleagues (read-only vs
editable) and saved lists, through the HTTP API on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete

from catalog.models import Product
from commerce.assortments.service import AssortmentService
from commerce.prices.service import PriceService
from tests.commerce.carts_world import Shop, add_address, shop, world  # noqa: F401 - fixtures


def _prices(shop: Shop) -> None:  # noqa: F811
    add_address(shop.world, shop.a, "DE")
    with shop.world.uow() as tx:
        prices = PriceService()
        prices.put_tax_rate(tx, "test", "DE", "standard", "19")
        prices.create_list(tx, "test", {"name": "Base", "kind": "base", "currency": "EUR",
                                        "lines": [{"sku": "B-1", "unit_price": "1.00"},
                                                  {"sku": "B-1", "min_qty": 100,
                                                   "unit_price": "0.80"}]})
        prices.create_discount(tx, "test", {"name": "A 10", "kind": "percent", "value": "10",
                                            "target_kind": "brand", "target": "Acme",
                                            "company_id": shop.a})


def test_cart_view_prices_discounts_vat_totals(shop: Shop) -> None:  # noqa: F811
    _prices(shop)
    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart()
    for sku, qty in (("B-1", 3), ("G-1", 1), ("N-1", 10)):
        c.post(f"/v1/carts/{cart}/lines", json={"sku": sku, "qty": qty}, headers=h)
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    got = {x["sku"]: (x["list_unit"], x["net_unit"], x["gross_unit"], x["net_total"],
                      x["vat_total"], x["gross_total"]) for x in view["lines"]}
    assert got == {  # B-1: the company's 10 % on Acme applied to the list price at once
        "B-1": ("1.00", "0.90", "1.071", "2.70", "0.51", "3.21"),
        "G-1": ("5.00", "5.00", "5.95", "5.00", "0.95", "5.95"),
        "N-1": ("0.20", "0.20", "0.238", "2.00", "0.38", "2.38")}
    assert view["lines"][0]["discount"]["name"] == "A 10"
    assert view["totals"] == {"net": "9.70", "vat": "1.84", "gross": "11.54",
                              "currency": "EUR", "complete": True, "unpriced_lines": 0}
    assert view["country"] == "DE"
    # a quantity tier: 100 pieces at 0.80 less 10 %
    line = view["lines"][0]["id"]
    c.patch(f"/v1/carts/{cart}/lines/{line}", json={"qty": 100}, headers=h)
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert (view["lines"][0]["net_unit"], view["lines"][0]["net_total"]) == ("0.72", "72.00")
    # the approval path of the approvals package: no rules, approved at once
    assert view["approval_path"]["needs_approval"] is False
    assert view["approval_path"]["net_total"] == view["totals"]["net"]


def test_unpriced_lines_are_flagged_and_left_out_of_totals(shop: Shop) -> None:  # noqa: F811
    _prices(shop)
    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart()
    for sku in ("B-1", "G-1", "X-1"):
        c.post(f"/v1/carts/{cart}/lines", json={"sku": sku, "qty": 1}, headers=h)
    with shop.world.uow() as tx:
        AssortmentService().put(tx, "test", {"exclude_skus": ["X-1"]}, company_id=shop.a)
        tx.execute(delete(Product).where(Product.sku == "G-1"))
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert [(x["sku"], x["priced"], x["problem"]) for x in view["lines"]] == [
        ("B-1", True, None), ("G-1", False, "unknown SKU (no longer in the catalog)"),
        ("X-1", False, "not in your company's assortment")]
    assert view["totals"]["net"] == "0.90"
    assert (view["totals"]["complete"], view["totals"]["unpriced_lines"]) == (False, 2)
    # in a currency nothing is priced in, every line is flagged
    view = c.get(f"/v1/carts/{cart}?currency=USD", headers=h).json()
    assert view["lines"][0]["problem"] == "no price in USD"
    assert view["totals"]["net"] == "0"
    r = c.get(f"/v1/carts/{cart}?currency=EURO", headers=h)
    assert (r.status_code, r.json()["field"]) == (400, "currency")


def test_without_an_address_there_are_net_prices_only(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart()
    c.post(f"/v1/carts/{cart}/lines", json={"sku": "G-1", "qty": 2}, headers=h)
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert (view["country"], view["lines"][0]["net_total"], view["lines"][0]["gross_total"]) \
        == (None, "10.00", None)
    assert (view["totals"]["net"], view["totals"]["gross"]) == ("10.00", None)


def test_sharing_read_only_and_editable(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    owner, mate = shop.buyer.headers, shop.colleague.headers
    cart = shop.cart(name="Team")
    line = c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 1},
                  headers=owner).json()["line_id"]
    assert c.get(f"/v1/carts/{cart}", headers=mate).status_code == 404
    # only colleagues of the same company who may order; never the owner itself
    for user, field in [(shop.other.id, "user_id"), (shop.approver.id, "user_id"),
                        (shop.buyer.id, "user_id"), (999_999, "user_id")]:
        r = c.put(f"/v1/carts/{cart}/shares/{user}", json={"access": "read"}, headers=owner)
        assert (r.status_code, r.json()["field"]) == (400, field), r.text
    r = c.put(f"/v1/carts/{cart}/shares/{shop.colleague.id}", json={"access": "all"},
              headers=owner)
    assert (r.status_code, r.json()["field"]) == (400, "access")
    r = c.put(f"/v1/carts/{cart}/shares/{shop.colleague.id}", json={"access": "read"},
              headers=owner)
    assert r.status_code == 200
    # read-only: sees it (in the list too), cannot change anything
    listed = c.get("/v1/carts", headers=mate).json()["carts"]
    assert [(x["id"], x["access"], x["owner_id"]) for x in listed] == [
        (cart, "read", shop.buyer.id)]
    view = c.get(f"/v1/carts/{cart}", headers=mate).json()
    assert (view["access"], view["shares"]) == ("read", [])
    for method, path, body in [("POST", f"/v1/carts/{cart}/lines", {"sku": "B-1"}),
                               ("PATCH", f"/v1/carts/{cart}/lines/{line}", {"qty": 5}),
                               ("DELETE", f"/v1/carts/{cart}/lines/{line}", None),
                               ("POST", f"/v1/carts/{cart}/quick-order", {"text": "B-1 1"}),
                               ("PATCH", f"/v1/carts/{cart}", {"name": "Mine"}),
                               ("DELETE", f"/v1/carts/{cart}", None),
                               ("PUT", f"/v1/carts/{cart}/shares/{shop.colleague.id}",
                                {"access": "edit"})]:
        r = c.request(method, path, json=body, headers=mate)
        assert r.status_code == 403, (method, path, r.text)
    # editable: changes lines, still not rename, delete or share
    c.put(f"/v1/carts/{cart}/shares/{shop.colleague.id}", json={"access": "edit"},
          headers=owner)
    assert c.patch(f"/v1/carts/{cart}/lines/{line}", json={"qty": 5},
                   headers=mate).status_code == 200
    assert c.post(f"/v1/carts/{cart}/quick-order", json={"text": "G-1 2"},
                  headers=mate).status_code == 200
    assert c.patch(f"/v1/carts/{cart}", json={"name": "Mine"}, headers=mate).status_code == 403
    assert c.delete(f"/v1/carts/{cart}", headers=mate).status_code == 403
    view = c.get(f"/v1/carts/{cart}", headers=owner).json()
    assert {x["sku"]: x["qty"] for x in view["lines"]} == {"B-1": 5, "G-1": 2}
    assert [(s["user_id"], s["access"]) for s in view["shares"]] == [
        (shop.colleague.id, "edit")]
    # the colleague may leave; the owner ends shares; afterwards the cart is gone for it
    assert c.delete(f"/v1/carts/{cart}/shares/{shop.colleague.id}",
                    headers=mate).status_code == 204
    assert c.get(f"/v1/carts/{cart}", headers=mate).status_code == 404
    assert c.delete(f"/v1/carts/{cart}/shares/{shop.colleague.id}",
                    headers=owner).status_code == 404
    assert sorted(e["action"] for e in shop.world.audit(company_id=shop.a)
                  if e["action"].startswith("cart.")) == [
        "cart.share", "cart.share", "cart.unshare"]


def test_saved_lists_and_adding_from_them(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    r = c.post("/v1/carts/saved-lists", headers=h, json={
        "name": "Weekly", "lines": [{"sku": "B-1", "qty": 4}, {"sku": "N-1", "qty": 10},
                                    {"sku": "B-1", "qty": 1, "note": "twice"}]})
    assert r.status_code == 201, r.text
    weekly = r.json()
    assert [(x["sku"], x["qty"]) for x in weekly["lines"]] == [("B-1", 5), ("N-1", 10)]
    for body, field in [({"name": "Weekly"}, "name"),
                        ({"name": "Bad", "lines": [{"sku": "NOPE", "qty": 1}]},
                         "lines[0].sku"),
                        ({"name": "Bad", "lines": [{"sku": "B-1", "qty": 0}]},
                         "lines[0].qty")]:
        r = c.post("/v1/carts/saved-lists", json=body, headers=h)
        assert r.json()["field"] == field and r.status_code in (400, 409), r.text
    cart = shop.cart()
    c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 1}, headers=h)
    r = c.post(f"/v1/carts/{cart}/lines/from-list", json={"list_id": weekly["id"]}, headers=h)
    assert r.status_code == 201, r.text
    assert [(x["sku"], x["added"], x["qty"]) for x in r.json()["added"]] == [
        ("B-1", 5, 6), ("N-1", 10, 10)]
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert [x["added_from"] for x in view["lines"]] == ["sku", "list"]
    # only some SKUs of the list; a SKU the list lacks is named
    r = c.post(f"/v1/carts/{cart}/lines/from-list",
               json={"list_id": weekly["id"], "skus": ["N-1"]}, headers=h)
    assert [x["sku"] for x in r.json()["added"]] == ["N-1"]
    r = c.post(f"/v1/carts/{cart}/lines/from-list",
               json={"list_id": weekly["id"], "skus": ["G-1"]}, headers=h)
    assert (r.status_code, r.json()["field"]) == (400, "skus")
    # private lists are invisible to colleagues until shared; only the owner changes them
    mate = shop.colleague.headers
    assert c.get(f"/v1/carts/saved-lists/{weekly['id']}", headers=mate).status_code == 404
    r = c.patch(f"/v1/carts/saved-lists/{weekly['id']}", json={"shared": True}, headers=h)
    assert r.json()["shared"] is True
    assert c.get(f"/v1/carts/saved-lists/{weekly['id']}", headers=mate).status_code == 200
    assert c.patch(f"/v1/carts/saved-lists/{weekly['id']}", json={"name": "x"},
                   headers=mate).status_code == 403
    assert c.get(f"/v1/carts/saved-lists/{weekly['id']}",
                 headers=shop.other.headers).status_code == 404
    mate_cart = shop.cart(shop.colleague, name="Mine")
    r = c.post(f"/v1/carts/{mate_cart}/lines/from-list", json={"list_id": weekly["id"]},
               headers=mate)
    assert r.status_code == 201
    # lines replaced; products that left the assortment are skipped with the reason
    r = c.patch(f"/v1/carts/saved-lists/{weekly['id']}", headers=h,
                json={"lines": [{"sku": "X-1", "qty": 1}, {"sku": "G-1", "qty": 2}]})
    assert [x["sku"] for x in r.json()["lines"]] == ["X-1", "G-1"]
    with shop.world.uow() as tx:
        AssortmentService().put(tx, "test", {"exclude_skus": ["X-1"]}, company_id=shop.a)
    r = c.post(f"/v1/carts/{cart}/lines/from-list", json={"list_id": weekly["id"]}, headers=h)
    assert r.json()["skipped"] == [{"sku": "X-1", "reason": "not in your company's assortment"}]
    # save a cart as a list; list, delete
    r = c.post(f"/v1/carts/{cart}/save-as-list", json={"name": "From cart"}, headers=h)
    assert r.status_code == 201 and {x["sku"] for x in r.json()["lines"]} == {"B-1", "N-1",
                                                                              "G-1"}
    names = [x["name"] for x in c.get("/v1/carts/saved-lists", headers=h).json()["saved_lists"]]
    assert names == ["Weekly", "From cart"]
    assert c.delete(f"/v1/carts/saved-lists/{weekly['id']}", headers=mate).status_code == 403
    assert c.delete(f"/v1/carts/saved-lists/{weekly['id']}", headers=h).status_code == 204
    assert c.get(f"/v1/carts/saved-lists/{weekly['id']}", headers=h).status_code == 404
