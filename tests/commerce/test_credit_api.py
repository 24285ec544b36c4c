"""The credit endpoints through the HTTP API (real routers, Tx and error handler) on SQLite and
PostgreSQL: terms set by the seller's staff and audited, what buyers see, payments, the
overview with its filters, 4xx naming the field, other companies 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from commerce.credit.service import CreditService
from commerce.identity import now_utc
from tests.commerce.accounts_world import World, world  # noqa: F401 - the fixture

EUR = 10_000
TERMS = {"mode": "trade_credit", "limit": "1000.00", "currency": "EUR", "term_days": 30,
         "limit_scope": "outstanding"}


@pytest.fixture
def api(world: World) -> dict[str, Any]:  # noqa: F811
    admin = world.session(world.user(seller_role="administrator"))
    rep = world.session(world.user(seller_role="sales_representative"))
    a = world.company("A", sales_rep=rep)
    b = world.company("B")
    buyer = world.session(world.user(company=a, roles=("buyer",)), company=a)
    # the overview needs orders.read_all: a company admin (a purchasing manager sees only its
    # department's orders, test_orders_api)
    manager = world.session(world.user(company=a, roles=("company_admin",)), company=a)
    other = world.session(world.user(company=b, roles=("company_admin",)), company=b)
    return {"admin": admin.headers, "rep": rep.headers, "buyer": buyer.headers,
            "manager": manager.headers, "other": other.headers, "a": a, "b": b}


def _place(world: World, company: int, order_id: int, euros: int, days_ago: int = 0) -> None:  # noqa: F811
    """What the orders package does when an order is placed (``days_ago``: placed earlier)."""
    placed = now_utc() - timedelta(days=days_ago)
    with world.uow() as tx:
        CreditService(clock=lambda: placed).reserve(tx, company, order_id, euros * EUR, "EUR")


def test_credit_terms_are_set_by_the_sellers_staff_and_audited(
        world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c, a, b = world.client, api["a"], api["b"]
    r = c.get(f"/v1/companies/{a}/credit-terms", headers=api["admin"])
    assert r.status_code == 200 and r.json()["mode"] == "prepayment"  # new customers
    assert r.json()["terms_set"] is False
    r = c.put(f"/v1/companies/{a}/credit-terms", json=TERMS, headers=api["rep"])
    assert r.status_code == 200, r.text
    assert (r.json()["mode"], r.json()["limit"], r.json()["available"]) == (
        "trade_credit", "1000.00", "1000.00")
    # the representative of A does not see B; customers never set terms
    assert c.put(f"/v1/companies/{b}/credit-terms", json=TERMS,
                 headers=api["rep"]).status_code == 404
    assert c.put(f"/v1/companies/{a}/credit-terms", json=TERMS,
                 headers=api["buyer"]).status_code == 403
    r = c.put(f"/v1/companies/{a}/credit-terms", json={**TERMS, "limit_scope": "per_order",
                                                      "limit": 250}, headers=api["admin"])
    assert r.status_code == 200 and r.json()["limit_scope"] == "per_order"
    entries = world.audit(action="credit_terms.update")
    assert len(entries) == 2
    assert entries[0]["details"]["before"]["limit"] == "1000.00"
    assert entries[0]["details"]["after"] == {
        "mode": "trade_credit", "limit": "250.00", "currency": "EUR", "term_days": 30,
        "limit_scope": "per_order"}
    assert entries[1]["details"]["before"] is None
    # a buyer reads its own company's terms, not another's
    assert c.get(f"/v1/companies/{a}/credit-terms", headers=api["buyer"]).status_code == 200
    assert c.get(f"/v1/companies/{b}/credit-terms", headers=api["buyer"]).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"mode": "later"}, "mode"), ({"currency": "XYZ"}, "currency"), ({"limit": "ten"}, "limit"),
    ({"limit": "-5"}, "limit"), ({"term_days": "soon"}, "term_days"),
    ({"term_days": 5000}, "term_days"), ({"limit_scope": "total"}, "limit_scope"),
])
def test_credit_terms_validation_names_the_field_over_http(
        world: World, api: dict[str, Any], change: dict[str, Any], field: str) -> None:  # noqa: F811
    r = world.client.put(f"/v1/companies/{api['a']}/credit-terms", json={**TERMS, **change},
                         headers=api["admin"])
    assert (r.status_code, r.json().get("field")) == (400, field), r.text
    r = world.client.put(f"/v1/companies/{api['a']}/credit-terms",
                         json={**TERMS, "limit_days": 3}, headers=api["admin"])
    assert r.status_code == 422 and "limit_days" in r.text
    assert world.audit(action="credit_terms.update") == []


def test_credit_buyer_view_and_payments(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c, a, b = world.client, api["a"], api["b"]
    assert c.put(f"/v1/companies/{a}/credit-terms", json=TERMS,
                 headers=api["admin"]).status_code == 200
    _place(world, a, 501, 300)
    _place(world, a, 502, 200, days_ago=40)  # due 10 days ago
    r = c.get("/v1/credit", headers=api["buyer"])
    assert r.status_code == 200, r.text
    mine = r.json()
    assert (mine["outstanding"], mine["available"], mine["overdue"], mine["overdue_count"]) == (
        "500.00", "500.00", "200.00", 1)
    assert c.get(f"/v1/credit?company_id={b}", headers=api["buyer"]).status_code == 404
    # a seller names the company (or acts as one)
    r = c.get("/v1/credit", headers=api["admin"])
    assert (r.status_code, r.json()["field"]) == (400, "company_id")
    assert c.get(f"/v1/credit?company_id={a}", headers=api["admin"]).json()["limit"] == "1000.00"

    pay = f"/v1/companies/{a}/payments"
    r = c.post(pay, json={"order_id": 502, "amount": "150.25", "paid_at": "2026-03-02T10:00"},
               headers=api["rep"])
    assert r.status_code == 201, r.text
    assert (r.json()["amount"], r.json()["paid_at"]) == ("150.25", "2026-03-02T10:00:00")
    assert c.get("/v1/credit", headers=api["buyer"]).json()["outstanding"] == "349.75"
    for body, status, field in [
        ({"order_id": 502, "amount": "49.76"}, 409, "amount"),  # more than is due
        ({"order_id": 502, "amount": "0"}, 400, "amount"),
        ({"order_id": 502, "amount": "1.00001"}, 400, "amount"),
        ({"order_id": 502, "amount": "1", "paid_at": "yesterday"}, 400, "paid_at"),
        ({"order_id": 999, "amount": "1"}, 404, "order_id"),
    ]:
        r = c.post(pay, json=body, headers=api["admin"])
        assert (r.status_code, r.json().get("field")) == (status, field), (body, r.text)
    # an order of A is not found through B's path; customers do not record payments
    r = c.post(f"/v1/companies/{b}/payments", json={"order_id": 501, "amount": "1"},
               headers=api["admin"])
    assert (r.status_code, r.json()["field"]) == (404, "order_id")
    assert c.post(pay, json={"order_id": 501, "amount": "1"},
                  headers=api["manager"]).status_code == 403
    r = c.post(pay, json={"order_id": 502, "amount": "49.75"}, headers=api["admin"])
    assert r.status_code == 201
    mine = c.get("/v1/credit", headers=api["buyer"]).json()
    assert (mine["outstanding"], mine["overdue"], mine["overdue_count"]) == (
        "300.00", "0.00", 0)
    entries = world.audit(action="credit.payment")
    assert [e["details"]["amount"] for e in entries] == ["49.75", "150.25"]
    assert entries[0]["company_id"] == a and entries[0]["details"]["status"] == "paid"


def test_credit_overview_for_sellers_and_buyers(world: World, api: dict[str, Any]) -> None:  # noqa: F811
    c, a, b = world.client, api["a"], api["b"]
    for company in (a, b):
        assert c.put(f"/v1/companies/{company}/credit-terms", json=TERMS,
                     headers=api["admin"]).status_code == 200
    _place(world, a, 601, 100, days_ago=45)
    _place(world, a, 602, 50)
    _place(world, a, 603, 70)
    _place(world, b, 611, 80)
    with world.uow() as tx:
        CreditService().release(tx, 603)  # cancelled
    r = c.get("/v1/credit/overview", headers=api["admin"])
    assert r.status_code == 200, r.text
    rows = {x["company_id"]: x for x in r.json()["companies"]}
    assert (rows[a]["outstanding"], rows[a]["overdue"], rows[a]["open_count"]) == (
        "150.00", "100.00", 2)
    assert (rows[b]["outstanding"], rows[b]["overdue"]) == ("80.00", "0.00")
    r = c.get("/v1/credit/overview?overdue=true", headers=api["admin"])
    assert [x["company_id"] for x in r.json()["companies"]] == [a]
    # the representative sees the companies assigned to it
    r = c.get("/v1/credit/overview", headers=api["rep"])
    assert [x["company_id"] for x in r.json()["companies"]] == [a]
    # a buyer's company: every order on credit with its payment status
    r = c.get("/v1/credit/overview", headers=api["manager"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["company"]["outstanding"] == "150.00"
    assert {x["order_id"]: (x["status"], x["overdue"]) for x in body["receivables"]} == {
        601: ("open", True), 602: ("open", False), 603: ("cancelled", False)}
    r = c.get("/v1/credit/overview?overdue=true", headers=api["manager"])
    assert [x["order_id"] for x in r.json()["receivables"]] == [601]
    r = c.get("/v1/credit/overview?status=cancelled", headers=api["manager"])
    assert [x["order_id"] for x in r.json()["receivables"]] == [603]
    r = c.get("/v1/credit/overview?status=late", headers=api["manager"])
    assert (r.status_code, r.json()["field"]) == (400, "status")
    assert c.get(f"/v1/credit/overview?company_id={b}",
                 headers=api["manager"]).status_code == 404
    assert c.get(f"/v1/credit/overview?company_id={b}",
                 headers=api["rep"]).status_code == 404
    r = c.get(f"/v1/credit/overview?company_id={b}", headers=api["other"])
    assert [x["order_id"] for x in r.json()["receivables"]] == [611]
    assert c.get("/v1/credit/overview", headers=api["buyer"]).status_code == 403
