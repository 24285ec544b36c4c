"""Orders through the HTTP API on SQLite and PostgreSQL: submission with frozen prices,
idempotency, the state machine (every illegal transition, generated from the table), credit
reservation and release, visibility by role and the list's filters."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from commerce.credit.service import CreditService
from commerce.orders.models import ORDER_STATUSES, Order
from commerce.orders.service import TRANSITIONS
from tests.commerce.accounts_world import Account, make_world
from tests.commerce.orders_world import Shop, make_shop, shop  # noqa: F401 - fixture
from tests.factories import make_record


def _receivables(s: Shop) -> dict[int, str]:
    with s.world.uow() as tx:
        rows = CreditService().receivables(tx, s.company)
    return {int(r["order_id"]): str(r["status"]) for r in rows}


def test_no_rule_approves_and_places_at_once_with_frozen_prices(shop: Shop) -> None:  # noqa: F811
    order = shop.submit({"DR-1": 2, "PA-1": 3, "DR-1 ": 1}, country=None)
    assert order["status"] == "placed"
    assert [(x["sku"], x["qty"], x["unit_net"], x["net_total"]) for x in order["lines"]] == [
        ("DR-1", 3, "100.00", "300.00"), ("PA-1", 3, "10.00", "30.00")]
    assert order["net_total"] == "330.00"
    assert [(h["from"], h["to"]) for h in order["history"]] == [
        (None, "pending_approval"), ("pending_approval", "approved"), ("approved", "placed")]
    assert all(h["actor_id"] == shop.buyer.id and h["at"] for h in order["history"])
    assert _receivables(shop) == {order["id"]: "open"}  # credit reserved when placed
    # a later price change does not touch the order
    shop.world.store.upsert([make_record("DR-1", "Drill", category="Tools > Drills",
                                         brand="Bosch", price_per_piece=999.0, currency="EUR")])
    again = shop.get(order["id"])
    assert (again["net_total"], again["lines"][0]["unit_net"]) == ("330.00", "100.00")


def test_same_idempotency_key_gives_one_order(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    body = {"lines": [{"sku": "SA-1", "qty": 2}]}
    headers = {**shop.buyer.headers, "Idempotency-Key": "retry-1"}
    first = c.post("/v1/orders", json=body, headers=headers)
    second = c.post("/v1/orders", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    listed = c.get("/v1/orders", headers=shop.buyer.headers).json()["orders"]
    assert [o["id"] for o in listed] == [first.json()["id"]]
    other = c.post("/v1/orders", json={"lines": [{"sku": "SA-1", "qty": 3}]}, headers=headers)
    assert (other.status_code, other.json()["field"]) == (409, "Idempotency-Key")
    # the key is the buyer's: another buyer's same key is another order
    third = c.post("/v1/orders", json=body, headers={**shop.buyer2.headers,
                                                      "Idempotency-Key": "retry-1"})
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    missing = c.post("/v1/orders", json=body, headers=shop.buyer.headers)
    assert (missing.status_code, missing.json()["field"]) == (400, "Idempotency-Key")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"lines": []}, 400, "lines"),
    ({"lines": [{"sku": "NOPE", "qty": 1}]}, 404, "sku"),
    ({"lines": [{"sku": "DR-1", "qty": 0}]}, 400, "lines[0].qty"),
    ({"lines": [{"sku": "DR-1", "qty": 1}], "currency": "XXX"}, 400, "currency"),
    ({"lines": [{"sku": "DR-1", "qty": 1}], "currency": "USD"}, 400, "lines"),  # no USD price
    ({"lines": [{"sku": "DR-1", "qty": 1}], "department_id": 999}, 404, "department_id"),
    ({}, 400, "lines"),
])
def test_bad_submissions_name_the_field_and_create_nothing(shop: Shop, body: dict[str, Any],  # noqa: F811
                                                            status: int, field: str) -> None:
    r = shop.world.client.post("/v1/orders", json=body,
                               headers={**shop.buyer.headers, "Idempotency-Key": "bad"})
    assert (r.status_code, r.json().get("field")) == (status, field), r.text
    assert shop.world.client.get("/v1/orders", headers=shop.buyer.headers).json()["orders"] == []


def test_happy_path_through_every_state(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}], currency="EUR", min_net_total="100")
    order = shop.submit({"DR-1": 1})
    assert order["status"] == "pending_approval"
    oid = order["id"]
    assert shop.act(oid, "approve", shop.approver)["status"] == "approved"
    assert _receivables(shop) == {}  # not placed yet: nothing reserved
    assert shop.act(oid, "place", shop.buyer)["status"] == "placed"
    for step in ("confirmed", "shipped", "delivered", "completed"):
        assert shop.act(oid, "status", shop.admin, status=step, reason=f"{step}!")["status"] \
            == step
    history = shop.get(oid)["history"]
    assert [h["to"] for h in history] == ["pending_approval", "approved", "placed", "confirmed",
                                          "shipped", "delivered", "completed"]
    assert history[-1]["reason"] == "completed!" and history[-1]["actor_id"] == shop.admin.id
    assert history[-1]["acting_for_company_id"] == shop.company  # a seller acting, recorded


# what each target status is asked for with, and by whom
_ACTIONS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "approved": ("approve", "approver", {}),
    "rejected": ("reject", "approver", {"reason": "no"}),
    "placed": ("place", "buyer", {}),
    "confirmed": ("status", "admin", {"status": "confirmed"}),
    "shipped": ("status", "admin", {"status": "shipped"}),
    "delivered": ("status", "admin", {"status": "delivered"}),
    "completed": ("status", "admin", {"status": "completed"}),
    "cancelled": ("cancel", "buyer", {}),
    "pending_approval": ("withdraw", "approver", {}),
}
ILLEGAL = [(a, b) for a in ORDER_STATUSES for b in ORDER_STATUSES
           if a != b and b not in TRANSITIONS[a]]


def test_the_transition_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(ORDER_STATUSES) == set(_ACTIONS)
    assert len(ILLEGAL) > 50


def test_every_illegal_transition_is_409(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}])
    oid = shop.submit({"GL-1": 1})["id"]
    for current, target in ILLEGAL:
        with shop.world.uow() as tx:
            tx.execute(update(Order).where(Order.id == oid).values(status=current))
        action, who, body = _ACTIONS[target]
        r = shop.world.client.post(f"/v1/orders/{oid}/{action}", json=body or None,
                                   headers=getattr(shop, who).headers)
        assert r.status_code == 409, (current, target, r.text)
        assert f"from {current} to {target}" in r.json()["detail"], (current, target, r.text)
        assert shop.get(oid)["status"] == current  # nothing changed


def test_cancel_releases_credit_and_is_recorded(shop: Shop) -> None:  # noqa: F811
    order = shop.submit({"SA-1": 1})
    assert _receivables(shop) == {order["id"]: "open"}
    done = shop.act(order["id"], "cancel", shop.buyer, reason="ordered twice")
    assert done["status"] == "cancelled"
    assert done["history"][-1]["reason"] == "ordered twice"
    assert _receivables(shop) == {order["id"]: "cancelled"}
    shop.act(order["id"], "cancel", shop.buyer, expect=409)


def test_prepayment_company_order_stays_approved_until_placed(store: Any, tmp_path: Any) -> None:
    for world in make_world(store, tmp_path):
        s = make_shop(world, credit=False)
        order = s.submit({"SA-1": 1})
        assert order["status"] == "approved"
        assert order["history"][-1]["reason"].startswith("not placed: ")
        r = world.client.post(f"/v1/orders/{order['id']}/place", headers=s.buyer.headers)
        assert (r.status_code, r.json()["error"]) == (409, "PrepaymentRequired")


def test_seller_steps_need_a_seller(shop: Shop) -> None:  # noqa: F811
    oid = shop.submit()["id"]
    r = shop.world.client.post(f"/v1/orders/{oid}/status", json={"status": "confirmed"},
                               headers=shop.buyer.headers)
    assert r.status_code == 403
    r = shop.world.client.post(f"/v1/orders/{oid}/status", json={"status": "placed"},
                               headers=shop.admin.headers)
    assert (r.status_code, r.json()["field"]) == (400, "status")


def test_visibility_by_role_and_filters(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    dep = c.post(f"/v1/companies/{shop.company}/departments", json={"name": "Site B"},
                 headers=shop.cadm.headers).json()["id"]
    mine = shop.submit({"DR-1": 1})["id"]  # 100
    theirs = shop.submit({"PA-1": 1}, by=shop.buyer2, department_id=dep)["id"]  # 10
    big = shop.submit({"DR-1": 5}, by=shop.buyer2)["id"]  # 500
    # a buyer sees its own orders only; others' are 404 (not 403)
    assert c.get(f"/v1/orders/{theirs}", headers=shop.buyer.headers).status_code == 404
    own = c.get("/v1/orders", headers=shop.buyer.headers).json()
    assert (own["scope"], [o["id"] for o in own["orders"]]) == ("own", [mine])
    assert c.get(f"/v1/orders?buyer_id={shop.buyer2.id}",
                 headers=shop.buyer.headers).json()["orders"] == []
    # company admin and approver (orders.read_all), the seller: the whole company
    for who in (shop.cadm, shop.approver, shop.admin):
        listed = c.get("/v1/orders", headers=who.headers).json()
        assert [o["id"] for o in listed["orders"]] == [big, theirs, mine], who
        assert shop.get(theirs, by=who)["id"] == theirs

    def ids(query: str) -> list[int]:
        r = c.get(f"/v1/orders?{query}", headers=shop.cadm.headers)
        assert r.status_code == 200, r.text
        return [o["id"] for o in r.json()["orders"]]

    assert ids(f"buyer_id={shop.buyer2.id}") == [big, theirs]
    assert ids(f"department_id={dep}") == [theirs]
    assert ids("min_total=50&max_total=200") == [mine]
    assert ids("status=placed") == [big, theirs, mine]
    assert ids("status=cancelled,rejected") == []
    assert ids("created_from=2000-01-01T00:00:00Z&created_to=2001-01-01T00:00:00Z") == []
    assert ids("created_from=2000-01-01T00:00:00") == [big, theirs, mine]
    assert ids("limit=1") == [big]
    bad = c.get("/v1/orders?status=lost", headers=shop.cadm.headers)
    assert (bad.status_code, bad.json()["field"]) == (400, "status")
    # another company's people and its listing
    stranger = shop.world.session(shop.world.user(company=shop.other,
                                                  roles=("company_admin",)), company=shop.other)
    assert c.get(f"/v1/orders/{mine}", headers=stranger.headers).status_code == 404
    assert c.get(f"/v1/orders?company_id={shop.company}",
                 headers=stranger.headers).status_code == 404
    assert c.get("/v1/orders", headers=stranger.headers).json()["orders"] == []


def test_order_from_a_cart_empties_it(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.buyer.headers
    cart = c.post("/v1/carts", json={"name": "Main"}, headers=h).json()["id"]
    for sku, qty in (("SA-1", 2), ("GL-1", 4)):
        assert c.post(f"/v1/carts/{cart}/lines", json={"sku": sku, "qty": qty},
                      headers=h).status_code == 201
    headers = {**h, "Idempotency-Key": "cart-1"}
    order = c.post("/v1/orders", json={"cart_id": cart}, headers=headers)
    assert order.status_code == 201, order.text
    assert [(x["sku"], x["qty"]) for x in order.json()["lines"]] == [("SA-1", 2), ("GL-1", 4)]
    assert order.json()["cart_id"] == cart
    assert c.get(f"/v1/carts/{cart}", headers=h).json()["lines"] == []
    # the retry finds the order (the cart is empty by now)
    again = c.post("/v1/orders", json={"cart_id": cart}, headers=headers)
    assert (again.status_code, again.json()["id"]) == (200, order.json()["id"])
    # another buyer's cart does not exist for this one; an empty cart orders nothing
    r = c.post("/v1/orders", json={"cart_id": cart},
               headers={**shop.buyer2.headers, "Idempotency-Key": "cart-2"})
    assert r.status_code == 404
    r = c.post("/v1/orders", json={"cart_id": cart}, headers={**h, "Idempotency-Key": "cart-3"})
    assert (r.status_code, r.json()["field"]) == (400, "cart_id")
    r = c.post("/v1/orders", json={"cart_id": cart, "lines": [{"sku": "SA-1", "qty": 1}]},
               headers={**h, "Idempotency-Key": "cart-4"})
    assert (r.status_code, r.json()["field"]) == (400, "lines")


def _submit_together(world: Any, principal: Any, n: int) -> list[int]:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from commerce.orders.service import OrderService, Submission

    barrier = Barrier(n)
    sub = Submission(None, [("SA-1", 1)], "EUR", None, None)

    def submit(_: int) -> int:
        barrier.wait()
        with world.uow() as tx:
            return int(OrderService().submit(tx, principal, "same", sub)[0]["id"])

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(submit, range(n)))


@pytest.mark.integration
def test_concurrent_retries_create_one_order_on_postgresql(tmp_path: Any) -> None:
    """Ten submissions with one key at the same moment (own sessions): one order, and every
    request answers with it."""
    from commerce.identity import now_utc, principal_for
    from commerce.users.models import AuthSession, User
    from commerce.users.passwords import token_hash
    from tests.conftest import _postgres_store

    stores = _postgres_store()
    store = next(stores)
    worlds = make_world(store, tmp_path)
    world = next(worlds)
    try:
        s = make_shop(world)
        with world.uow() as tx:
            principal = principal_for(tx, tx.get(AuthSession, token_hash(s.buyer.token)),
                                      tx.get(User, s.buyer.id), "bearer", now_utc())
        ids = _submit_together(world, principal, 10)
        assert len(set(ids)) == 1
        with world.uow() as tx:
            assert tx.query(Order).count() == 1
    finally:
        worlds.close()
        stores.close()  # drops the schema


# -- departments (C6): a member's department scopes orders.read_department ---------------------
def _department(s: Shop, name: str, company: int | None = None) -> int:
    r = s.world.client.post(f"/v1/companies/{company or s.company}/departments",
                            json={"name": name}, headers=s.admin.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _put_in(s: Shop, who: Account, department_id: int | None, expect: int = 200
            ) -> dict[str, Any]:
    r = s.world.client.put(f"/v1/companies/{s.company}/users/{who.id}/department",
                           json={"department_id": department_id}, headers=s.cadm.headers)
    assert r.status_code == expect, r.text
    return dict(r.json())


def test_members_departments_are_set_checked_audited_and_kept_across_role_changes(
        shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    site_a = _department(shop, "Site A")
    foreign = _department(shop, "Elsewhere", company=shop.other)
    assert _put_in(shop, shop.pm, site_a)["department_id"] == site_a
    # a department of another company, or none at all: 400 naming department_id
    for bad in (foreign, 999_999):
        r = c.put(f"/v1/companies/{shop.company}/users/{shop.pm.id}/department",
                  json={"department_id": bad}, headers=shop.cadm.headers)
        assert (r.status_code, r.json()["field"]) == (400, "department_id"), r.text
    r = c.post(f"/v1/companies/{shop.company}/users", headers=shop.cadm.headers,
               json={"email": "new@example.com", "name": "New", "password": "a long password 1",
                     "roles": ["buyer"], "department_id": foreign})
    assert (r.status_code, r.json()["field"]) == (400, "department_id"), r.text
    # adding an employee with a department
    r = c.post(f"/v1/companies/{shop.company}/users", headers=shop.cadm.headers,
               json={"email": "new@example.com", "name": "New", "password": "a long password 1",
                     "roles": ["buyer"], "department_id": site_a})
    assert (r.status_code, r.json()["department_id"]) == (201, site_a), r.text
    # changing the roles keeps the department; the list shows it
    r = c.put(f"/v1/companies/{shop.company}/users/{shop.pm.id}/roles",
              json={"roles": ["purchasing_manager", "order_recipient"]},
              headers=shop.cadm.headers)
    assert (r.status_code, r.json()["department_id"]) == (200, site_a), r.text
    listed = {u["id"]: u["department_id"] for u in c.get(
        f"/v1/companies/{shop.company}/users", headers=shop.cadm.headers).json()["users"]}
    assert listed[shop.pm.id] == site_a and listed[shop.buyer.id] is None
    # buyers may not set departments; other companies' employees do not exist
    assert c.put(f"/v1/companies/{shop.company}/users/{shop.pm.id}/department",
                 json={"department_id": None}, headers=shop.buyer.headers).status_code == 403
    assert _put_in(shop, shop.pm, None)["department_id"] is None
    entries = shop.world.audit(action="employee.department")
    assert [(e["details"]["from"], e["details"]["to"]) for e in entries] in (
        [(None, site_a), (site_a, None)], [(site_a, None), (None, site_a)])


def test_department_visibility_and_the_default_department_of_an_order(
        shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    site_a, site_b = _department(shop, "Site A"), _department(shop, "Site B")
    _put_in(shop, shop.pm, site_a)
    _put_in(shop, shop.buyer, site_a)
    _put_in(shop, shop.buyer2, site_b)
    # no department_id in the request: the buyer's department; an explicit one wins
    a1 = shop.submit({"DR-1": 1})
    assert a1["department_id"] == site_a
    b1 = shop.submit({"PA-1": 1}, by=shop.buyer2)
    assert b1["department_id"] == site_b
    b_in_a = shop.submit({"GL-1": 2}, by=shop.buyer2, department_id=site_a)
    assert b_in_a["department_id"] == site_a
    pm_own = shop.submit({"SA-1": 1}, by=shop.pm, department_id=site_b)  # its own, elsewhere
    # a department of another company is refused
    foreign = _department(shop, "Elsewhere", company=shop.other)
    r = c.post("/v1/orders", json={"lines": [{"sku": "DR-1", "qty": 1}],
                                   "department_id": foreign},
               headers={**shop.buyer.headers, "Idempotency-Key": "foreign-dep"})
    assert (r.status_code, r.json()["field"]) == (404, "department_id"), r.text

    def listed(who: Account, query: str = "") -> tuple[str, list[int]]:
        r = c.get(f"/v1/orders{query}", headers=who.headers)
        assert r.status_code == 200, r.text
        return r.json()["scope"], [o["id"] for o in r.json()["orders"]]

    # the purchasing manager: its own orders and its department's, not Site B's
    assert listed(shop.pm) == ("department", [pm_own["id"], b_in_a["id"], a1["id"]])
    assert listed(shop.pm, f"?department_id={site_b}") == ("department", [pm_own["id"]])
    assert listed(shop.pm, f"?buyer_id={shop.buyer2.id}") == ("department", [b_in_a["id"]])
    assert shop.get(a1["id"], by=shop.pm)["id"] == a1["id"]
    assert c.get(f"/v1/orders/{b1['id']}", headers=shop.pm.headers).status_code == 404
    assert c.post(f"/v1/orders/{b1['id']}/cancel", json={},
                  headers=shop.pm.headers).status_code == 404
    # a buyer: its own only, even in the same department
    assert listed(shop.buyer) == ("own", [a1["id"]])
    assert c.get(f"/v1/orders/{b_in_a['id']}", headers=shop.buyer.headers).status_code == 404
    # the company admin: everything
    assert listed(shop.cadm) == ("company", [pm_own["id"], b_in_a["id"], b1["id"], a1["id"]])
    # a purchasing manager without a department sees its own orders only
    _put_in(shop, shop.pm, None)
    assert listed(shop.pm) == ("own", [pm_own["id"]])
    assert c.get(f"/v1/orders/{a1['id']}", headers=shop.pm.headers).status_code == 404
    # moved to Site B: that department now
    _put_in(shop, shop.pm, site_b)
    assert listed(shop.pm) == ("department", [pm_own["id"], b1["id"]])
    # and it may cancel an order of its department
    assert shop.act(b1["id"], "cancel", shop.pm)["status"] == "cancelled"
