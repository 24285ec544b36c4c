"""``/v1/orders``: submitting orders with an ``Idempotency-Key`` (C7), reading them with
their history and approval path (C6, C10), approving, rejecting, withdrawing, changing lines,
placing, cancelling, and the seller's steps (confirm, ship, deliver, complete).

Who: submitting and placing ``orders.place``; reading ``orders.read`` (own orders; also the
member's department with ``orders.read_department``; the whole company with
``orders.read_all``; sellers the companies they see); approving and rejecting
``approvals.orders``; withdrawing ``approvals.withdraw``; cancelling ``orders.cancel``; the
seller's steps ``orders.edit`` and a seller-side role. Orders of other companies are 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from catalog.errors import InvalidInput
from commerce.db import Tx
from commerce.identity import Principal, require_permission
from commerce.orders.schemas import LinesPatch, OrderIn, ReasonIn, StatusIn
from commerce.orders.service import OrderService, Submission

router = APIRouter(tags=["orders"])
service = OrderService()

Place = Annotated[Principal, Depends(require_permission("orders.place"))]
Read = Annotated[Principal, Depends(require_permission("orders.read"))]
Approve = Annotated[Principal, Depends(require_permission("approvals.orders"))]
Withdraw = Annotated[Principal, Depends(require_permission("approvals.withdraw"))]
Cancel = Annotated[Principal, Depends(require_permission("orders.cancel"))]
Edit = Annotated[Principal, Depends(require_permission("orders.edit"))]


def _naive(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC).replace(tzinfo=None) if value and value.tzinfo else value


def _decimal(value: str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        raise InvalidInput(f"{field} must be a number", field=field) from None


@router.post("/v1/orders", status_code=201)
def submit_order(body: OrderIn, tx: Tx, principal: Place, response: Response,
                 idempotency_key: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """201 with the new order; a retry with the same ``Idempotency-Key`` and body: 200 with the
    same order (header ``Idempotent-Replayed: true``); the same key with another body: 409."""
    lines = None if body.lines is None else [(x.sku, x.qty) for x in body.lines]
    order, created = service.submit(tx, principal, idempotency_key, Submission(
        body.cart_id, lines, body.currency, body.country, body.department_id, body.note))
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return order


@router.get("/v1/orders")
def list_orders(tx: Tx, principal: Read, company_id: int | None = None,
                buyer_id: int | None = None, department_id: int | None = None,
                status: Annotated[list[str] | None, Query()] = None,
                created_from: datetime | None = None, created_to: datetime | None = None,
                min_total: str | None = None, max_total: str | None = None,
                before_id: int | None = None, awaiting_me: bool = False,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Newest first. ``status`` may repeat (or be comma-separated); ``created_to`` is
    exclusive; totals are net. Past orders are included (nothing is archived away).
    ``awaiting_me=true``: the orders waiting for the caller's approval (an approver's inbox,
    a substitute's too)."""
    statuses = tuple(s.strip() for value in status or [] for s in value.split(",") if s.strip())
    return service.search(tx, principal, company_id=company_id, buyer_id=buyer_id,
                          department_id=department_id, statuses=statuses,
                          created_from=_naive(created_from), created_to=_naive(created_to),
                          min_total=_decimal(min_total, "min_total"),
                          max_total=_decimal(max_total, "max_total"), before_id=before_id,
                          limit=limit, awaiting_me=awaiting_me)


@router.get("/v1/orders/{order_id}")
def get_order(order_id: int, tx: Tx, principal: Read) -> dict[str, Any]:
    """The order, its lines, its approval path (who must approve, tier by tier, and what they
    decided) and its history of transitions."""
    return service.detail(tx, service.visible(tx, principal, order_id))


@router.patch("/v1/orders/{order_id}/lines")
def change_lines(order_id: int, body: LinesPatch, tx: Tx, principal: Read) -> dict[str, Any]:
    """While the order waits for approval (or for placing): set quantities, 0 removes a line,
    a new SKU adds one; approval restarts from tier 1. The buyer (``orders.edit``) or an
    approver."""
    return service.change_lines(tx, principal, order_id, [(x.sku, x.qty) for x in body.lines],
                                body.reason)


@router.post("/v1/orders/{order_id}/approve")
def approve_order(order_id: int, tx: Tx, principal: Approve,
                  body: ReasonIn | None = None) -> dict[str, Any]:
    return service.decide(tx, principal, order_id, "approved", body.reason if body else None)


@router.post("/v1/orders/{order_id}/reject")
def reject_order(order_id: int, body: ReasonIn, tx: Tx, principal: Approve) -> dict[str, Any]:
    """One rejection (with a reason) rejects the order."""
    return service.decide(tx, principal, order_id, "rejected", body.reason)


@router.post("/v1/orders/{order_id}/withdraw")
def withdraw_approval(order_id: int, tx: Tx, principal: Withdraw,
                      body: ReasonIn | None = None) -> dict[str, Any]:
    """Withdraw the caller's approval while the next tier has not acted."""
    return service.withdraw(tx, principal, order_id, body.reason if body else None)


@router.post("/v1/orders/{order_id}/place")
def place_order(order_id: int, tx: Tx, principal: Place) -> dict[str, Any]:
    """approved -> placed (credit is reserved)."""
    return service.place(tx, principal, order_id)


@router.post("/v1/orders/{order_id}/cancel")
def cancel_order(order_id: int, tx: Tx, principal: Cancel,
                 body: ReasonIn | None = None) -> dict[str, Any]:
    return service.cancel(tx, principal, order_id, body.reason if body else None)


@router.post("/v1/orders/{order_id}/status")
def seller_step(order_id: int, body: StatusIn, tx: Tx, principal: Edit) -> dict[str, Any]:
    """The seller's steps: confirmed, shipped, delivered, completed."""
    return service.seller_step(tx, principal, order_id, body.status, body.reason)
