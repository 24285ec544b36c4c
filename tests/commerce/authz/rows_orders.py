"""Matrix rows of the order and approval endpoints (issue 8). Format: see test_matrix.py.
Columns: anon adm rep cadm appr pm recv buy.

Who: orders are read with ``orders.read`` (a colleague's order only with ``orders.read_all``:
company admin, approver; buyers, order recipients and a purchasing manager of another
department get 404; ``orders.read_department``: the purchasing manager sees a colleague's order
of its own department); approving
and rejecting need ``approvals.orders`` *and* a place in the order's tiers (a seller
administrator holds the permission but is in no tier: 403); the seller's steps need a
seller-side role. Orders of other companies are 404 for customers and for the representative
of another company. ``POST /v1/orders`` without an ``Idempotency-Key`` header (the matrix sends
none) is a 400 once authorised, hence ``pass``; a seller not acting as a company gets 400 too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commerce.approvals.models import ApprovalRecord
from commerce.approvals.service import ApprovalService
from commerce.companies.models import Department
from commerce.credit.service import CreditService
from commerce.identity import now_utc
from commerce.orders.models import Order, OrderLine
from commerce.roles.repository import RoleRepository
from tests.commerce.authz.matrix import Cell, Row
from tests.factories import make_record

SKU = "MX-O1"
READ = "401 ok ok ok ok ok ok ok"
READ_OTHER = "401 ok 404 404 404 404 404 404"
COLLEAGUE = "401 ok ok ok ok 404 404 404"  # a colleague's order: orders.read_all
SAME_DEPARTMENT = "401 ok ok ok ok ok 404 404"  # ... of the subject's department
CONFIGURE = "401 ok 403 ok 403 403 403 403"
CONFIGURE_OTHER = "401 ok 403 404 403 403 403 403"


def _product(cell: Cell) -> str:
    cell.world.store.upsert([make_record(SKU, "Matrix drill", price_per_piece=10.0,
                                         currency="EUR", brand="Acme", category="Tools")])
    return SKU


def _order(cell: Cell, status: str = "pending_approval", tiers: int = 1,
           approved_by_subject: bool = False) -> int:
    """An order of a colleague (a new buyer of the named company)."""
    _product(cell)
    buyer = cell.employee("buyer")
    plan = {"tiers": [{"roles": ["approver", "company_admin"], "users": [], "rules": []}
                      for _ in range(tiers)], "rules": []}
    now = now_utc()
    with cell.world.uow() as tx:
        order = Order(company_id=cell.company_id, buyer_id=buyer.id, status=status,
                      currency="EUR", net_total=Decimal(10), idempotency_key=cell.unique("k"),
                      request_hash="x", approval_round=1, approval_plan=plan, created_at=now,
                      updated_at=now)
        tx.add(order)
        tx.flush()
        tx.add(OrderLine(order_id=order.id, position=0, sku=SKU, qty=1, unit_net=Decimal(10),
                         net_total=Decimal(10), category="Tools", brand="Acme"))
        if approved_by_subject and cell.subject is not None:
            tx.add(ApprovalRecord(order_id=order.id, round=1, tier=0,
                                  approver_id=cell.subject.id, decision="approved", at=now))
        return int(order.id)


def _department_order(cell: Cell) -> int:
    """A colleague's order of a department that the subject (a customer) belongs to."""
    order_id = _order(cell)
    with cell.world.uow() as tx:
        department = Department(company_id=cell.company_id, name=cell.unique("dep"),
                                created_at=now_utc())
        tx.add(department)
        tx.flush()
        tx.get(Order, order_id).department_id = department.id  # type: ignore[union-attr]
        if cell.subject is not None and cell.company_id == cell.home:
            RoleRepository(tx).set_department(cell.subject.id, cell.home, department.id)
    return order_id


def _approved_order(cell: Cell) -> int:
    with cell.world.uow() as tx:
        CreditService().set_terms(tx, "matrix", cell.company_id, {
            "mode": "trade_credit", "currency": "EUR", "limit": "100000", "term_days": 30})
    return _order(cell, "approved")


def _rule_id(cell: Cell) -> int:
    with cell.world.uow() as tx:
        return int(ApprovalService().create_rule(
            tx, "matrix", cell.company_id,  # type: ignore[arg-type]
            {"name": cell.unique("rule "), "tiers": [{"roles": ["approver"]}]})["id"])


def _lines(cell: Cell) -> dict[str, Any]:
    return {"lines": [{"sku": _product(cell), "qty": 2}]}


FILLS = {"order_id": _order, "rule_id": _rule_id}
RULE = {"name": "Big orders", "currency": "EUR", "min_net_total": "1000",
        "tiers": [{"roles": ["approver"]}]}

ROWS = [
    Row("POST", "/v1/orders", "401 pass pass pass 403 pass 403 pass", ok=201, body=_lines),
    Row("GET", "/v1/orders?company_id={company_id}", READ, READ_OTHER),
    Row("GET", "/v1/orders/{order_id}", COLLEAGUE, READ_OTHER),
    # the same endpoints with an order of the subject's department (the query only names the row)
    Row("GET", "/v1/orders/{order_id}?of=department", SAME_DEPARTMENT, READ_OTHER,
        fill={"order_id": _department_order}),
    Row("PATCH", "/v1/orders/{order_id}/lines", "401 ok ok ok ok 404 404 404", READ_OTHER,
        body=_lines),
    Row("POST", "/v1/orders/{order_id}/approve", "401 403 403 ok ok 403 403 403",
        "401 403 403 404 404 403 403 403"),
    Row("POST", "/v1/orders/{order_id}/reject", "401 403 403 ok ok 403 403 403",
        "401 403 403 404 404 403 403 403", body={"reason": "too dear"}),
    Row("POST", "/v1/orders/{order_id}/withdraw", "401 ok 403 ok ok 403 403 403",
        "401 ok 403 404 404 403 403 403",
        fill={"order_id": lambda c: _order(c, tiers=2, approved_by_subject=True)}),
    Row("POST", "/v1/orders/{order_id}/place", "401 ok ok ok 403 404 403 404",
        "401 ok 404 404 403 404 403 404", fill={"order_id": _approved_order}),
    Row("POST", "/v1/orders/{order_id}/cancel", "401 ok ok ok 403 404 403 404",
        "401 ok 404 404 403 404 403 404"),
    Row("POST", "/v1/orders/{order_id}/cancel?of=department", "401 ok ok ok 403 ok 403 404",
        "401 ok 404 404 403 404 403 404", fill={"order_id": _department_order}),
    Row("POST", "/v1/orders/{order_id}/status", "401 ok ok 403 403 404 403 404",
        "401 ok 404 404 403 404 403 404", body={"status": "confirmed"},
        fill={"order_id": lambda c: _order(c, "placed")}),
    Row("POST", "/v1/approvals/preview", "401 pass pass ok 403 ok 403 ok",
        body=lambda c: {"lines": [{"sku": _product(c), "qty": 1}]}),
    Row("GET", "/v1/companies/{company_id}/approval-rules", READ, READ_OTHER),
    Row("POST", "/v1/companies/{company_id}/approval-rules", CONFIGURE, CONFIGURE_OTHER,
        ok=201, body=RULE),
    Row("GET", "/v1/companies/{company_id}/approval-rules/{rule_id}", READ, READ_OTHER),
    Row("PUT", "/v1/companies/{company_id}/approval-rules/{rule_id}", CONFIGURE,
        CONFIGURE_OTHER, body=RULE),
    Row("DELETE", "/v1/companies/{company_id}/approval-rules/{rule_id}", CONFIGURE,
        CONFIGURE_OTHER, ok=204),
]
