"""Approval workflows through the HTTP API on SQLite and PostgreSQL: rules and their
validation, tiers in order, rejection, separation of duties, substitutes within their window,
withdrawal, line changes restarting approval, budgets, and the preview (C10)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from commerce.identity import now_utc
from commerce.roles.models import Delegation
from tests.commerce.orders_world import Shop, shop  # noqa: F401 - fixture


def test_rules_crud(shop: Shop) -> None:  # noqa: F811
    c, h = shop.world.client, shop.cadm.headers
    rid = shop.rule([{"roles": ["approver"]}, {"users": [shop.boss.id]}], currency="EUR",
                    min_net_total="1000", brands=["Bosch"], categories=["Tools"], min_lines=2,
                    buyer_roles=["buyer"],
                    budget={"scope": "department", "period": "quarter", "amount": "5000"})
    got = c.get(f"/v1/companies/{shop.company}/approval-rules/{rid}",
                headers=shop.buyer.headers).json()
    assert got["tiers"] == [{"roles": ["approver"], "users": []},
                            {"roles": [], "users": [shop.boss.id]}]
    assert got["budget"] == {"scope": "department", "period": "quarter", "amount": "5000.0000"}
    r = c.put(f"/v1/companies/{shop.company}/approval-rules/{rid}", headers=h,
              json={"name": "renamed", "tiers": [{"roles": ["company_admin"]}]})
    assert r.status_code == 200 and r.json()["min_net_total"] is None
    listed = c.get(f"/v1/companies/{shop.company}/approval-rules", headers=h).json()["rules"]
    assert [x["name"] for x in listed] == ["renamed"]
    assert c.delete(f"/v1/companies/{shop.company}/approval-rules/{rid}",
                    headers=h).status_code == 204
    assert c.get(f"/v1/companies/{shop.company}/approval-rules/{rid}",
                 headers=h).status_code == 404
    assert [e["action"] for e in shop.world.audit(action="approval_rule.*")] == [
        "approval_rule.delete", "approval_rule.update", "approval_rule.create"]
    # a buyer cannot configure workflows
    r = c.post(f"/v1/companies/{shop.company}/approval-rules", headers=shop.buyer.headers,
               json={"name": "x", "tiers": [{"roles": ["approver"]}]})
    assert r.status_code == 403


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"tiers": []}, 400, "tiers"),
    ({"tiers": [{"roles": ["approver"]}] * 6}, 422, "tiers"),
    ({"tiers": [{}]}, 400, "tiers[0]"),
    ({"tiers": [{"roles": ["pope"]}]}, 400, "tiers[0].roles"),
    ({"tiers": [{"users": [999999]}]}, 400, "tiers[0].users"),
    ({"tiers": [{"roles": ["approver"]}], "min_net_total": "10"}, 400, "currency"),
    ({"tiers": [{"roles": ["approver"]}], "min_net_total": "x", "currency": "EUR"}, 400,
     "min_net_total"),
    ({"tiers": [{"roles": ["approver"]}], "currency": "EUR",
      "budget": {"scope": "team", "period": "month", "amount": 1}}, 400, "budget.scope"),
    ({"tiers": [{"roles": ["approver"]}], "currency": "EUR",
      "budget": {"scope": "user", "period": "week", "amount": 1}}, 400, "budget.period"),
    ({"tiers": [{"roles": ["approver"]}], "min_lines": 0}, 400, "min_lines"),
    ({"tiers": [{"roles": ["approver"]}], "buyer_roles": ["nobody"]}, 400, "buyer_roles"),
])
def test_rule_validation(shop: Shop, body: dict[str, Any], status: int,  # noqa: F811
                         field: str | None) -> None:
    r = shop.world.client.post(f"/v1/companies/{shop.company}/approval-rules",
                               headers=shop.cadm.headers, json={"name": "r", **body})
    assert (r.status_code, r.json().get("field")) == (status, field), r.text


def test_tiers_in_order_and_one_rejection_rejects(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}, {"users": [shop.boss.id]}], currency="EUR",
              min_net_total="100")
    small = shop.submit({"PA-1": 1})  # 10 EUR: no rule matches
    assert small["status"] == "placed" and small["approval"]["tiers"] == []
    oid = shop.submit({"DR-1": 2})["id"]
    state = shop.get(oid)["approval"]
    assert (state["current_tier"], [t["state"] for t in state["tiers"]]) == (
        1, ["waiting", "not yet"])
    # tier 2's approver cannot act before tier 1 (the boss also holds the approver role and
    # approves tier 1 through it)
    shop.act(oid, "approve", shop.pm, expect=403)  # not an approver at all
    def inbox(who: Any) -> list[int]:
        r = shop.world.client.get("/v1/orders?awaiting_me=true", headers=who.headers)
        return [o["id"] for o in r.json()["orders"]]

    assert (inbox(shop.approver), inbox(shop.boss), inbox(shop.pm)) == ([oid], [oid], [])
    after = shop.act(oid, "approve", shop.approver)
    assert (after["status"], after["approval"]["current_tier"]) == ("pending_approval", 2)
    assert (inbox(shop.approver), inbox(shop.boss)) == ([], [oid])
    shop.act(oid, "approve", shop.approver, expect=403)  # not in tier 2
    r = shop.world.client.post(f"/v1/orders/{oid}/reject", json={"reason": " "},
                               headers=shop.boss.headers)
    assert (r.status_code, r.json()["field"]) == (400, "reason")
    done = shop.act(oid, "reject", shop.boss, reason="too expensive")
    assert done["status"] == "rejected"
    assert done["history"][-1]["reason"] == "too expensive"
    assert done["history"][-1]["actor_id"] == shop.boss.id
    shop.act(oid, "approve", shop.boss, expect=409)


def test_no_self_approval_and_no_approving_twice(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["company_admin", "approver"]}, {"roles": ["approver"]}])
    own = shop.submit(by=shop.cadm)["id"]
    r = shop.world.client.post(f"/v1/orders/{own}/approve", headers=shop.cadm.headers)
    assert r.status_code == 403 and "own order" in r.json()["detail"]
    oid = shop.submit()["id"]
    shop.act(oid, "approve", shop.approver)
    r = shop.world.client.post(f"/v1/orders/{oid}/approve", headers=shop.approver.headers)
    assert r.status_code == 409 and "twice" in r.json()["detail"]
    assert shop.act(oid, "approve", shop.boss)["status"] == "approved"


def _substitute(shop: Shop, starts: Any, ends: Any) -> Any:  # noqa: F811
    """A buyer (enrolled in two-factor login) holding the approver's rights in a window."""
    sub = shop.world.session(shop.world.user(company=shop.company, roles=("buyer",),
                                             two_factor=True), company=shop.company)
    with shop.world.uow() as tx:
        tx.add(Delegation(company_id=shop.company, grantor_id=shop.approver.id,
                          substitute_id=sub.id, permissions=["approvals.orders"],
                          starts_at=starts, ends_at=ends, created_at=now_utc()))
    return sub


def test_substitute_acts_within_its_window_and_both_are_named(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"users": [shop.approver.id]}])
    oid = shop.submit()["id"]
    now = now_utc()
    late = _substitute(shop, now - timedelta(days=2), now - timedelta(days=1))
    assert shop.world.client.post(f"/v1/orders/{oid}/approve",
                                  headers=late.headers).status_code == 403
    early = _substitute(shop, now + timedelta(days=1), now + timedelta(days=2))
    assert shop.world.client.post(f"/v1/orders/{oid}/approve",
                                  headers=early.headers).status_code == 403
    sub = _substitute(shop, now - timedelta(hours=1), now + timedelta(hours=1))
    assert shop.get(oid, by=sub)["id"] == oid  # it sees the order it may decide
    inbox = shop.world.client.get("/v1/orders?awaiting_me=true", headers=sub.headers).json()
    assert [o["id"] for o in inbox["orders"]] == [oid]
    assert shop.world.client.get("/v1/orders?awaiting_me=true",
                                 headers=late.headers).json()["orders"] == []
    done = shop.act(oid, "approve", sub)
    assert done["status"] == "approved"
    decision = done["approval"]["decisions"][0]
    assert (decision["approver_id"], decision["on_behalf_of_id"]) == (sub.id, shop.approver.id)
    assert (done["history"][-1]["actor_id"], done["history"][-1]["on_behalf_of_id"]) == (
        sub.id, shop.approver.id)
    entry = shop.world.audit(action="order.approval.approved")[0]
    assert (entry["actor_id"], entry["on_behalf_of_id"]) == (sub.id, shop.approver.id)


def test_withdraw_while_the_next_tier_has_not_acted(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"users": [shop.approver.id]}, {"users": [shop.boss.id]}])
    oid = shop.submit()["id"]
    shop.act(oid, "approve", shop.approver)
    back = shop.act(oid, "withdraw", shop.approver, reason="wrong supplier")
    assert back["approval"]["current_tier"] == 1
    assert back["approval"]["decisions"][0]["withdrawn_at"] is not None
    shop.act(oid, "approve", shop.approver)
    assert shop.act(oid, "approve", shop.boss)["status"] == "approved"
    shop.act(oid, "withdraw", shop.approver, expect=409)  # tier 2 has acted
    again = shop.act(oid, "withdraw", shop.boss)  # the last tier, before placing
    assert (again["status"], again["approval"]["current_tier"]) == ("pending_approval", 2)
    assert again["history"][-1]["from"] == "approved"
    shop.act(oid, "withdraw", shop.pm, expect=403)  # no approvals.withdraw


def test_line_changes_restart_approval(shop: Shop) -> None:  # noqa: F811
    c = shop.world.client
    shop.rule([{"users": [shop.approver.id]}, {"users": [shop.boss.id]}], currency="EUR",
              min_net_total="100")
    oid = shop.submit({"DR-1": 1, "PA-1": 2})["id"]
    shop.act(oid, "approve", shop.approver)
    r = c.patch(f"/v1/orders/{oid}/lines", headers=shop.boss.headers,  # an approver edits
                json={"lines": [{"sku": "DR-1", "qty": 2}, {"sku": "GL-1", "qty": 4}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["sku"], x["qty"]) for x in body["lines"]] == [
        ("DR-1", 2), ("PA-1", 2), ("GL-1", 4)]
    assert body["net_total"] == "230.00"
    assert (body["approval"]["round"], body["approval"]["current_tier"]) == (2, 1)
    assert body["history"][-1]["reason"].startswith("lines changed")
    # the first round's approval no longer counts: tier 1 decides again
    shop.act(oid, "approve", shop.boss, expect=403)
    # the buyer removes lines; below the threshold the order is approved and placed at once
    r = c.patch(f"/v1/orders/{oid}/lines", headers=shop.buyer.headers,
                json={"lines": [{"sku": "DR-1", "qty": 0}, {"sku": "GL-1", "qty": 0}]})
    assert r.status_code == 200 and r.json()["status"] == "placed", r.text
    r = c.patch(f"/v1/orders/{oid}/lines", headers=shop.buyer.headers,
                json={"lines": [{"sku": "PA-1", "qty": 1}]})
    assert r.status_code == 409 and "from placed to pending_approval" in r.json()["detail"]
    # another buyer cannot see, let alone change, the order
    other = c.patch(f"/v1/orders/{oid}/lines", headers=shop.buyer2.headers,
                    json={"lines": [{"sku": "PA-1", "qty": 1}]})
    assert other.status_code == 404


def test_line_change_validation(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}])
    oid = shop.submit({"DR-1": 1})["id"]
    c = shop.world.client
    for lines, field in (([{"sku": "DR-1", "qty": 0}], "lines"),
                         ([{"sku": "SA-1", "qty": 0}], "lines[0].sku"),
                         ([{"sku": "DR-1", "qty": -1}], "lines[0].qty"), ([], "lines")):
        r = c.patch(f"/v1/orders/{oid}/lines", headers=shop.buyer.headers, json={"lines": lines})
        assert (r.status_code, r.json()["field"]) == (400, field), r.text
    assert shop.get(oid)["approval"]["round"] == 1


def test_budget_boundary(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}], currency="EUR",
              budget={"scope": "user", "period": "month", "amount": "250"})
    assert shop.submit({"DR-1": 2})["status"] == "placed"  # 200 spent
    assert shop.submit({"PA-1": 5})["status"] == "placed"  # 200 + 50 = 250: within
    assert shop.submit({"PA-1": 1})["status"] == "pending_approval"  # 260 > 250
    assert shop.submit({"PA-1": 1}, by=shop.buyer2)["status"] == "placed"  # its own budget


def test_department_budget_counts_orders_of_the_buyers_default_department(
        shop: Shop) -> None:  # noqa: F811
    """Orders without a department_id take the buyer's (membership) department, so both
    buyers of Site A spend one budget; the preview plans with the same department."""
    c = shop.world.client
    deps = [c.post(f"/v1/companies/{shop.company}/departments", json={"name": n},
                   headers=shop.cadm.headers).json()["id"] for n in ("Site A", "Site B")]
    for who, dep in ((shop.buyer, deps[0]), (shop.buyer2, deps[0]), (shop.pm, deps[1])):
        r = c.put(f"/v1/companies/{shop.company}/users/{who.id}/department",
                  json={"department_id": dep}, headers=shop.cadm.headers)
        assert r.status_code == 200, r.text
    shop.rule([{"roles": ["approver"]}], currency="EUR",
              budget={"scope": "department", "period": "month", "amount": "250"})
    assert shop.submit({"DR-1": 2})["status"] == "placed"  # Site A: 200
    r = c.post("/v1/approvals/preview", headers=shop.buyer2.headers,
               json={"lines": [{"sku": "PA-1", "qty": 6}]})
    assert r.json()["needs_approval"] is True, r.text  # 200 + 60 > 250
    assert shop.submit({"PA-1": 6}, by=shop.buyer2)["status"] == "pending_approval"
    assert shop.submit({"PA-1": 6}, by=shop.pm)["status"] == "placed"  # Site B: its own


def test_preview_names_rules_and_approvers(shop: Shop) -> None:  # noqa: F811
    shop.rule([{"roles": ["approver"]}], brands=["makita"])
    shop.rule([{"users": [shop.cadm.id, shop.buyer.id]}], categories=["Tools"], min_lines=2)
    c = shop.world.client
    r = c.post("/v1/approvals/preview", headers=shop.buyer.headers,
               json={"lines": [{"sku": "SA-1", "qty": 2}, {"sku": "PA-1", "qty": 1},
                               {"sku": "NOPE", "qty": 1}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["needs_approval"] and body["net_total"] == "110.00"
    assert body["unknown_skus"] == ["NOPE"]
    assert [t["tier"] for t in body["tiers"]] == [1, 2]
    assert {a["user_id"] for a in body["tiers"][0]["approvers"]} == {shop.approver.id,
                                                                       shop.boss.id}
    # the buyer is never among the approvers of its own order
    assert [a["user_id"] for a in body["tiers"][1]["approvers"]] == [shop.cadm.id]
    assert len(body["rules"]) == 2 and body["rules"][0]["why"] == ["a line of brand Makita"]
    plain = c.post("/v1/approvals/preview", headers=shop.buyer.headers,
                   json={"lines": [{"sku": "PA-1", "qty": 1}]}).json()
    assert (plain["needs_approval"], plain["tiers"]) == (False, [])
