"""Carts through the HTTP API on SQLite and PostgreSQL: several named carts, adding by SKU and
from a search result, quantities and pack rounding, validation naming the field, other
companies' carts as 404, and what the orders package calls (lines_for_order, clear)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import NotFound
from commerce.carts.service import CartService
from commerce.identity import principal_for
from commerce.users.models import AuthSession, User
from commerce.users.passwords import token_hash
from tests.commerce.accounts_world import World
from tests.commerce.carts_world import Shop, shop, world  # noqa: F401 - fixtures


def test_several_named_carts_create_rename_delete(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    main = shop.cart()
    spare = shop.cart(name="Site B")
    r = c.post("/v1/carts", json={"name": "Main"}, headers=h)
    assert (r.status_code, r.json()["field"]) == (409, "name")
    for bad in ({"name": ""}, {"name": "x" * 201}, {}):
        r = c.post("/v1/carts", json=bad, headers=h)
        assert (r.status_code, r.json()["field"]) == (400, "name"), r.text
    carts = c.get("/v1/carts", headers=h).json()["carts"]
    assert [(x["id"], x["name"], x["access"]) for x in carts] == [
        (main, "Main", "owner"), (spare, "Site B", "owner")]
    r = c.patch(f"/v1/carts/{spare}", json={"name": "Site C"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Site C"
    assert c.patch(f"/v1/carts/{spare}", json={"name": "Main"}, headers=h).status_code == 409
    assert c.delete(f"/v1/carts/{spare}", headers=h).status_code == 204
    assert c.get(f"/v1/carts/{spare}", headers=h).status_code == 404
    assert [x["id"] for x in c.get("/v1/carts", headers=h).json()["carts"]] == [main]


def test_add_by_sku_and_from_search_merge_and_round_to_packs(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart()
    r = c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 3, "note": "hall 2"},
               headers=h)
    assert r.status_code == 201, r.text
    assert (r.json()["qty"], r.json()["notices"]) == (3, [])
    r = c.post(f"/v1/carts/{cart}/lines/from-search",
               json={"sku": "B-1", "qty": 2, "search_id": "q-123"}, headers=h)
    assert (r.json()["added"], r.json()["qty"]) == (2, 5)  # the same SKU: one line
    r = c.post(f"/v1/carts/{cart}/lines/from-search", json={"sku": " N-1 ", "qty": 7},
               headers=h)  # surrounding spaces of a pasted SKU do not matter
    assert r.json()["qty"] == 10  # N-1 comes in packages of 10
    assert r.json()["notices"] == ["quantity rounded up from 7 to 10 (sold in packages of 10)"]
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert [(x["sku"], x["qty"], x["note"], x["added_from"], x["search_id"])
            for x in view["lines"]] == [("B-1", 5, "hall 2", "sku", None),
                                               ("N-1", 10, None, "search", None)]
    line = view["lines"][1]["id"]
    r = c.patch(f"/v1/carts/{cart}/lines/{line}", json={"qty": 21}, headers=h)
    assert (r.status_code, r.json()["qty"]) == (200, 30)
    assert c.delete(f"/v1/carts/{cart}/lines/{line}", headers=h).status_code == 204
    assert c.delete(f"/v1/carts/{cart}/lines/{line}", headers=h).status_code == 404
    assert [x["sku"] for x in c.get(f"/v1/carts/{cart}", headers=h).json()["lines"]] \
        == ["B-1"]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"sku": "B-1", "qty": 0}, "qty", "whole number"),
    ({"sku": "B-1", "qty": -2}, "qty", "whole number"),
    ({"sku": "B-1", "qty": 1.5}, "qty", "whole number"),
    ({"sku": "B-1", "qty": "3"}, "qty", "whole number"),
    ({"sku": "B-1", "qty": True}, "qty", "whole number"),
    ({"sku": "B-1", "qty": 10**7}, "qty", "whole number"),
    ({"sku": "NOPE", "qty": 1}, "sku", "unknown SKU 'NOPE'"),
    ({"sku": "", "qty": 1}, "sku", "SKU"),
    ({"sku": "X-1", "qty": 1}, "sku", "not in your company's assortment"),
    ({"sku": "B-1", "qty": 1, "note": "n" * 501}, "note", "500"),
])
def test_add_refuses_bad_lines_naming_the_field(shop: Shop, body: dict[str, Any], field: str,  # noqa: F811
                                                words: str) -> None:
    with shop.world.uow() as tx:
        from commerce.assortments.service import AssortmentService

        AssortmentService().put(tx, "test", {"exclude_skus": ["X-1"]}, company_id=shop.a)
    cart = shop.cart()
    r = shop.world.client.post(f"/v1/carts/{cart}/lines", json=body, headers=shop.buyer.headers)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and words in r.json()["detail"]
    assert shop.world.client.get(f"/v1/carts/{cart}", headers=shop.buyer.headers
                                 ).json()["lines"] == []


def test_other_companies_carts_are_404_and_roles_without_orders_place_403(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    cart = shop.cart()
    line = c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 1},
                  headers=shop.buyer.headers).json()["line_id"]
    for method, path, body in [("GET", f"/v1/carts/{cart}", None),
                               ("PATCH", f"/v1/carts/{cart}", {"name": "x"}),
                               ("DELETE", f"/v1/carts/{cart}", None),
                               ("POST", f"/v1/carts/{cart}/lines", {"sku": "B-1"}),
                               ("PATCH", f"/v1/carts/{cart}/lines/{line}", {"qty": 2}),
                               ("DELETE", f"/v1/carts/{cart}/lines/{line}", None)]:
        # another company's buyer, and a colleague it was not shared with
        for who in (shop.other, shop.colleague):
            r = c.request(method, path, json=body, headers=who.headers)
            assert r.status_code == 404, (method, path, r.text)
        r = c.request(method, path, json=body, headers=shop.approver.headers)
        assert r.status_code == 403, (method, path)  # approvers do not place orders
    assert c.get("/v1/carts", headers=shop.other.headers).json()["carts"] == []
    assert c.get(f"/v1/carts/{cart}", headers=shop.buyer.headers).json()["line_count"] == 1


def _principal(world: World, account: Any) -> Any:  # noqa: F811
    with world.uow() as tx:
        row = tx.get(AuthSession, token_hash(account.token))
        user = tx.get(User, account.id)
        from commerce.identity import now_utc

        return principal_for(tx, row, user, "bearer", now_utc())


def test_lines_for_order_and_clear(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart(name="For order")
    for sku, qty in (("G-1", 2), ("B-1", 4)):
        c.post(f"/v1/carts/{cart}/lines", json={"sku": sku, "qty": qty}, headers=h)
    service = CartService()
    buyer = _principal(shop.world, shop.buyer)
    with shop.world.uow() as tx:
        assert service.lines_for_order(tx, buyer, cart) == [
            {"sku": "G-1", "qty": 2, "note": None, "cart_id": cart, "cart_name": "For order"},
            {"sku": "B-1", "qty": 4, "note": None, "cart_id": cart, "cart_name": "For order"}]
    for who in (shop.other, shop.colleague):  # not shared / other company
        with shop.world.uow() as tx, pytest.raises(NotFound):
            service.lines_for_order(tx, _principal(shop.world, who), cart)
    # read-only share: may look, may not order from it
    c.put(f"/v1/carts/{cart}/shares/{shop.colleague.id}", json={"access": "read"}, headers=h)
    with shop.world.uow() as tx, pytest.raises(Exception) as caught:
        service.lines_for_order(tx, _principal(shop.world, shop.colleague), cart)
    assert getattr(caught.value, "status_code", None) == 403
    c.put(f"/v1/carts/{cart}/shares/{shop.colleague.id}", json={"access": "edit"}, headers=h)
    with shop.world.uow() as tx:
        assert len(service.lines_for_order(tx, _principal(shop.world, shop.colleague), cart)) == 2
    with shop.world.uow() as tx:
        service.clear(tx, cart)
    view = c.get(f"/v1/carts/{cart}", headers=h).json()
    assert (view["name"], view["lines"]) == ("For order", [])
    with shop.world.uow() as tx, pytest.raises(NotFound):
        service.clear(tx, 999_999)


def test_a_concurrent_add_of_the_same_sku_is_a_409_not_a_500(shop: Shop,  # noqa: F811
                                                              monkeypatch: Any) -> None:
    from commerce.carts.repository import CartRepository

    c, h = shop.world.client, shop.buyer.headers
    cart = shop.cart()
    c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 1}, headers=h)
    # what a request sees that read the cart's lines before another one added the SKU
    monkeypatch.setattr(CartRepository, "lines_by_sku", lambda self, cart_id: {})
    r = c.post(f"/v1/carts/{cart}/lines", json={"sku": "B-1", "qty": 2}, headers=h)
    assert (r.status_code, r.json()["error"]) == (409, "Conflict"), r.text
    monkeypatch.undo()
    assert [(x["sku"], x["qty"]) for x in c.get(f"/v1/carts/{cart}", headers=h).json()[
        "lines"]] == [("B-1", 1)]


def test_a_seller_acting_as_the_company_has_its_own_carts(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    rep = shop.world.session(shop.world.user(seller_role="administrator"), company=shop.a)
    r = c.post("/v1/carts", json={"name": "For the customer"}, headers=rep.headers)
    assert r.status_code == 201, r.text
    assert (r.json()["company_id"], r.json()["owner_id"]) == (shop.a, rep.id)
    assert c.get(f"/v1/carts/{r.json()['id']}", headers=shop.buyer.headers).status_code == 404
    not_acting = shop.world.session(shop.world.user(seller_role="administrator"))
    r = c.post("/v1/carts", json={"name": "x"}, headers=not_acting.headers)
    assert r.status_code == 403 and "choose one first" in r.json()["detail"]
