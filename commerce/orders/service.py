"""Orders (C6, C7): submission, the state machine, approval decisions, visibility.

Submission takes an idempotency key: the first request with a key creates the order, a retry
with the same key and the same body returns that order again, the same key with another body
is a 409. Prices are quoted once, at submission (``PriceService.quote_many``), and stored on
the lines: later price changes do not touch the order. A line change re-quotes only the lines
it adds or whose quantity it changes.

The state machine is :data:`TRANSITIONS`; anything else is a 409 naming both states. Every
transition is written to ``order_transitions`` (who, when, why; a seller acting as the company
and the grantor a substitute stood in for) and to the audit log.

Approval (the rules: :mod:`commerce.approvals.engine`): the tiers are computed at submission
and again whenever the lines change (a new round: earlier decisions no longer count). An
order whose round needs no approval is approved at once and placed straight away; an order
approved by its approvers waits for the buyer to place it (``POST /v1/orders/{id}/place``).
Placing reserves credit, cancelling a placed order releases it (the credit package, when it
is installed: see :func:`_credit`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from commerce.approvals import engine
from commerce.approvals.models import ApprovalRecord
from commerce.approvals.repository import ApprovalRepository
from commerce.approvals.service import ApprovalService
from commerce.audit.service import record
from commerce.companies.repository import CompanyRepository
from commerce.identity import Forbidden, Principal, company_in_scope, now_utc
from commerce.orders.models import ORDER_STATUSES, Order, OrderLine, OrderTransition
from commerce.orders.repository import OrderFilter, OrderRepository
from commerce.prices.money import (
    MINOR_UNITS,
    PRICE_DECIMALS,
    PRICE_SCALE,
    check_country,
    check_currency,
)
from commerce.prices.service import PriceService
from commerce.roles.repository import RoleRepository

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending_approval": frozenset({"approved", "rejected", "cancelled"}),
    "approved": frozenset({"placed", "pending_approval", "cancelled"}),
    "placed": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "cancelled"}),
    "shipped": frozenset({"delivered"}),
    "delivered": frozenset({"completed"}),
    "completed": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
"""status -> the statuses it may go to. ``approved -> pending_approval``: an approval withdrawn
or lines changed before the order is placed."""

SELLER_STEPS = ("confirmed", "shipped", "delivered", "completed")
RESERVED = ("placed", "confirmed")  # credit is held while an order is in one of these
MAX_LINES = 1000
MAX_QTY = 10**9
MAX_KEY = 200


class IllegalTransition(Conflict):
    """The order's state does not allow the step asked for."""


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing (final)"
        raise IllegalTransition(f"an order cannot go from {current} to {target} "
                                f"(from {current}: {allowed})", field="status")


def _credit() -> Any | None:
    """``commerce.credit.service.CreditService`` (issue 8, credit); None when that package is
    not installed (no credit check then)."""
    try:
        from commerce.credit.service import CreditService
    except ModuleNotFoundError as exc:
        if exc.name in ("commerce.credit", "commerce.credit.service"):
            return None
        raise
    return CreditService()


def _carts() -> Any | None:
    """``commerce.carts.service.CartService`` (issue 8, carts); None when not installed."""
    try:
        from commerce.carts.service import CartService
    except ModuleNotFoundError as exc:
        if exc.name in ("commerce.carts", "commerce.carts.service"):
            return None
        raise
    return CartService()


def _dec(value: Decimal | None, currency: str, *, unit: bool = False) -> str | None:
    """An amount as a string with the currency's minor digits (a unit price keeps up to four
    decimals when it has them): the same text whether the value comes from a quote or the
    database."""
    if value is None:
        return None
    minor = MINOR_UNITS.get(currency, 2)
    exact = value.quantize(Decimal(1).scaleb(-PRICE_DECIMALS))
    if unit:
        text = format(exact, "f").rstrip("0") if "." in format(exact, "f") else format(exact, "f")
        decimals = len(text.split(".")[1]) if "." in text else 0
        return format(exact.quantize(Decimal(1).scaleb(-max(decimals, minor))), "f")
    return format(exact.quantize(Decimal(1).scaleb(-minor)), "f")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class Submission:
    cart_id: int | None
    lines: list[tuple[str, int]] | None
    currency: str
    country: str | None
    department_id: int | None
    note: str | None = None

    def digest(self) -> str:
        body = {"cart_id": self.cart_id, "lines": self.lines, "currency": self.currency,
                "country": self.country, "department_id": self.department_id,
                "note": self.note}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _merge_lines(raw: list[tuple[str, int]], field: str = "lines") -> list[tuple[str, int]]:
    """Validated (sku, qty) with repeated SKUs added up, in first-seen order."""
    if not raw:
        raise InvalidInput("an order needs at least one line", field=field)
    if len(raw) > MAX_LINES:
        raise InvalidInput(f"an order has at most {MAX_LINES} lines", field=field)
    merged: dict[str, int] = {}
    for i, (sku, qty) in enumerate(raw):
        sku = str(sku).strip()
        if not sku or len(sku) > 64:
            raise InvalidInput("a SKU has 1-64 characters", field=f"{field}[{i}].sku")
        if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_QTY:
            raise InvalidInput(f"quantity must be a whole number from 1 to {MAX_QTY}",
                               field=f"{field}[{i}].qty")
        merged[sku] = merged.get(sku, 0) + qty
    return list(merged.items())


class OrderService:
    """Stateless: one instance serves every request. Never commits."""

    def __init__(self) -> None:
        self.approvals = ApprovalService()
        self.prices = PriceService()

    # -- helpers -------------------------------------------------------------------------
    def _priced_lines(self, tx: Session, company_id: int, items: list[tuple[str, int]],
                      currency: str, country: str | None) -> list[OrderLine]:
        quotes = self.prices.quote_many(tx, company_id, items, currency, country)
        unpriced = [q.sku for q in quotes if q.net_unit is None or q.net_total is None]
        if unpriced:
            raise InvalidInput(f"no price in {currency} for: {', '.join(unpriced[:20])}",
                               field="lines")
        facts = OrderRepository(tx).product_facts([sku for sku, _ in items])
        out = []
        for q in quotes:
            category, brand = facts.get(q.sku, (None, None))
            assert q.net_unit is not None and q.net_total is not None
            out.append(OrderLine(sku=q.sku, qty=q.qty, unit_net=q.net_unit,
                                 unit_gross=q.gross_unit, net_total=q.net_total,
                                 gross_total=q.gross_total, category=category, brand=brand))
        return out

    @staticmethod
    def _totals(order: Order, lines: list[OrderLine]) -> None:
        order.net_total = sum((line.net_total for line in lines), Decimal(0))
        grosses = [line.gross_total for line in lines]
        order.gross_total = (None if any(g is None for g in grosses)
                             else sum((g for g in grosses if g is not None), Decimal(0)))

    @staticmethod
    def _engine_lines(lines: list[OrderLine]) -> list[engine.Line]:
        return [engine.Line(line.sku, line.qty, line.net_total, line.category, line.brand)
                for line in lines]

    def _new_round(self, tx: Session, order: Order, lines: list[OrderLine]) -> engine.Plan:
        plan = self.approvals.plan_for(tx, order.company_id, order.buyer_id, order.department_id,
                                       order.currency, self._engine_lines(lines),
                                       exclude_order_id=order.id)
        order.approval_round = (order.approval_round or 0) + 1
        order.approval_plan = plan.to_dict()
        return plan

    def _move(self, tx: Session, principal: Principal | None, order: Order, target: str,
              reason: str | None, *, permission: str | None = None,
              on_behalf_of: int | None = None) -> None:
        """One step of the state machine, recorded (``order_transitions`` and the audit)."""
        current = order.status
        if target != current:
            check_transition(current, target)
        now = now_utc()
        order.status = target
        order.updated_at = now
        behalf = on_behalf_of
        if behalf is None and principal is not None and permission is not None:
            behalf = principal.delegated_by(permission)
        OrderRepository(tx).add(OrderTransition(
            order_id=order.id, from_status=current, to_status=target,
            actor_id=principal.user_id if principal else None,
            actor=principal.email if principal else "system",
            acting_for_company_id=principal.company_id if principal and principal.acting
            else None, on_behalf_of_id=behalf, reason=reason, at=now))
        record(tx, principal, f"order.{target}", ("order", order.id),
               {"from": current, "to": target, "reason": reason,
                **({"on_behalf_of_id": behalf} if behalf else {})},
               company_id=order.company_id, permission=permission)

    def _place(self, tx: Session, principal: Principal | None, order: Order, reason: str) -> None:
        check_transition(order.status, "placed")
        credit = _credit()
        if credit is not None:
            amount = order.gross_total if order.gross_total is not None else order.net_total
            credit.reserve(tx, order.company_id, order.id, int(amount * PRICE_SCALE),
                           order.currency)
        self._move(tx, principal, order, "placed", reason)

    def _settle(self, tx: Session, principal: Principal | None, order: Order,
                plan: engine.Plan) -> None:
        """After a new round: approved (and placed) at once when no rule matches."""
        if not plan.needs_approval:
            self._move(tx, principal, order, "approved", "no approval rule matches the order")
            try:
                self._place(tx, principal, order, "approved at once: placed")
            except Conflict as exc:  # the credit check refused (prepayment, limit): the order
                if isinstance(exc, IllegalTransition):  # stays approved, placed later
                    raise
                self._move(tx, principal, order, "approved", f"not placed: {exc.detail}")

    # -- submission ----------------------------------------------------------------------
    def submit(self, tx: Session, principal: Principal, key: str | None, sub: Submission
               ) -> tuple[dict[str, Any], bool]:
        """(the order, True when created now; False for a retried submission)."""
        if principal.company_id is None:
            raise InvalidInput("choose the company to order for first (POST /v1/account/company)",
                               field="company_id")
        if not key or len(key) > MAX_KEY or not key.isprintable():
            raise InvalidInput(f"the Idempotency-Key header is required (1-{MAX_KEY} "
                               "printable characters, e.g. a UUID)", field="Idempotency-Key")
        sub = Submission(sub.cart_id, sub.lines, check_currency(sub.currency),
                         check_country(sub.country) if sub.country is not None else None,
                         sub.department_id, sub.note)
        digest = sub.digest()
        repo = OrderRepository(tx)
        existing = repo.by_key(principal.user_id, key)
        if existing is not None:
            return self._replay(tx, existing, digest), False
        company_id = principal.company_id
        if sub.department_id is not None:
            dep = CompanyRepository(tx).department(sub.department_id)
            if dep is None or dep.company_id != company_id:
                raise NotFound(f"no department {sub.department_id} in this company",
                               field="department_id")
        # the buyer's own department when the request names none (C6: it scopes who sees the
        # order and which department budget it counts against); the request digest above is
        # of the request as sent, so a retry still matches
        department_id = sub.department_id
        if department_id is None:
            department_id = RoleRepository(tx).department_of(principal.user_id, company_id)
        if (sub.cart_id is None) == (sub.lines is None):
            raise InvalidInput("give either cart_id or lines", field="lines")
        if sub.cart_id is not None:
            carts = _carts()
            if carts is None:
                raise InvalidInput("ordering from a cart needs the carts package (not installed "
                                   "yet); send lines instead", field="cart_id")
            items = _merge_lines([(str(x["sku"]), x["qty"]) for x in
                                  carts.lines_for_order(tx, principal, sub.cart_id)],
                                 field="cart_id")
        else:
            items = _merge_lines(sub.lines or [])
        lines = self._priced_lines(tx, company_id, items, sub.currency, sub.country)
        now = now_utc()
        order = Order(company_id=company_id, buyer_id=principal.user_id,
                      department_id=department_id, status="pending_approval",
                      currency=sub.currency, country=sub.country, idempotency_key=key,
                      request_hash=digest, cart_id=sub.cart_id, approval_round=0,
                      approval_plan={}, created_at=now, updated_at=now, net_total=Decimal(0))
        self._totals(order, lines)
        if not self._insert(tx, order):
            found = repo.by_key(principal.user_id, key)
            assert found is not None
            return self._replay(tx, found, digest), False
        for i, line in enumerate(lines):
            line.order_id, line.position = order.id, i
            repo.add(line)
        plan = self._new_round(tx, order, lines)
        repo.add(OrderTransition(order_id=order.id, from_status=None, to_status=order.status,
                                 actor_id=principal.user_id, actor=principal.email,
                                 acting_for_company_id=company_id if principal.acting else None,
                                 reason=sub.note or "submitted", at=now))
        record(tx, principal, "order.submit", ("order", order.id),
               {"lines": len(lines), "net_total": str(order.net_total),
                "currency": order.currency, "cart_id": sub.cart_id,
                "needs_approval": plan.needs_approval}, company_id=company_id)
        self._settle(tx, principal, order, plan)
        if sub.cart_id is not None:
            carts = _carts()
            if carts is not None:
                carts.clear(tx, sub.cart_id)
        repo.flush()
        return self.detail(tx, order), True

    @staticmethod
    def _insert(tx: Session, order: Order) -> bool:
        """Insert the order; False when a concurrent request with the same key won (the unique
        constraint; PostgreSQL: in a savepoint so the request's transaction lives on)."""
        if tx.get_bind().dialect.name != "postgresql":
            tx.add(order)
            tx.flush()  # SQLite: one writer at a time, the key was checked under the lock
            return True
        try:
            with tx.begin_nested():
                tx.add(order)
                tx.flush()
        except IntegrityError:
            return False
        return True

    def _replay(self, tx: Session, order: Order, digest: str) -> dict[str, Any]:
        if order.request_hash != digest:
            raise Conflict("this Idempotency-Key was used for another order (a different "
                           f"request: order {order.id}); use a new key for a new order",
                           field="Idempotency-Key")
        return self.detail(tx, order)

    # -- reading -------------------------------------------------------------------------
    def visible(self, tx: Session, principal: Principal, order_id: int, *,
                lock: bool = False) -> Order:
        """The order when the principal may see it, else 404: sellers who see the company;
        ``orders.read_all`` the whole company; ``orders.read_department`` also the orders of
        the member's department; others their own orders and the orders they may decide now
        or decided (approvers without ``orders.read_all``, substitutes)."""
        order = OrderRepository(tx).get(order_id, lock=lock)
        if order is None:
            raise NotFound(f"no order {order_id}", field="order_id")
        try:
            company_in_scope(tx, principal, order.company_id)
        except NotFound:
            raise NotFound(f"no order {order_id}", field="order_id") from None
        if principal.is_seller or principal.has("orders.read_all") \
                or order.buyer_id == principal.user_id \
                or self._of_my_department(tx, principal, order):
            return order
        if principal.has("approvals.orders") and self._concerns(tx, principal, order):
            return order
        raise NotFound(f"no order {order_id}", field="order_id")

    @staticmethod
    def _department(tx: Session, principal: Principal, company_id: int) -> int | None:
        """The member's department when it holds ``orders.read_department`` (else None)."""
        if principal.is_seller or not principal.has("orders.read_department"):
            return None
        return RoleRepository(tx).department_of(principal.user_id, company_id)

    def _of_my_department(self, tx: Session, principal: Principal, order: Order) -> bool:
        if order.department_id is None:
            return False
        return self._department(tx, principal, order.company_id) == order.department_id

    def _concerns(self, tx: Session, principal: Principal, order: Order) -> bool:
        who = self.approvals.approver(tx, principal)
        plan = engine.Plan.of(order.approval_plan)
        for t in plan.tiers:
            if principal.user_id in t.tier.users or t.tier.roles & who.roles:
                return True
            if who.grantor_id is not None and (who.grantor_id in t.tier.users
                                               or t.tier.roles & who.grantor_roles):
                return True
        return any(r.approver_id == principal.user_id
                   for r in ApprovalRepository(tx).records(order.id))

    def detail(self, tx: Session, order: Order) -> dict[str, Any]:
        repo = OrderRepository(tx)
        lines = repo.lines(order.id)
        return {**self.summary(order),
                "lines": [{"sku": x.sku, "qty": x.qty,
                           "unit_net": _dec(x.unit_net, order.currency, unit=True),
                           "unit_gross": _dec(x.unit_gross, order.currency, unit=True),
                           "net_total": _dec(x.net_total, order.currency),
                           "gross_total": _dec(x.gross_total, order.currency),
                           "category": x.category,
                           "brand": x.brand} for x in lines],
                "approval": self.approval_state(tx, order),
                "history": [{"from": t.from_status, "to": t.to_status, "actor_id": t.actor_id,
                             "actor": t.actor, "acting_for_company_id": t.acting_for_company_id,
                             "on_behalf_of_id": t.on_behalf_of_id, "reason": t.reason,
                             "at": t.at.isoformat()} for t in repo.transitions(order.id)]}

    @staticmethod
    def summary(order: Order) -> dict[str, Any]:
        return {"id": order.id, "company_id": order.company_id, "buyer_id": order.buyer_id,
                "department_id": order.department_id, "status": order.status,
                "currency": order.currency, "country": order.country,
                "net_total": _dec(order.net_total, order.currency),
                "gross_total": _dec(order.gross_total, order.currency),
                "cart_id": order.cart_id, "created_at": order.created_at.isoformat(),
                "updated_at": order.updated_at.isoformat()}

    def approval_state(self, tx: Session, order: Order) -> dict[str, Any]:
        """The plan of the current round (C10: during approval), each tier with who may decide
        it and its live decision, and every decision of every round."""
        plan = engine.Plan.of(order.approval_plan)
        records = ApprovalRepository(tx).records(order.id)
        current = [r for r in records if r.round == order.approval_round]
        state = engine.progress([t.tier for t in plan.tiers], self._decisions(current))
        tiers = self.approvals.describe(tx, order.company_id, plan, order.buyer_id)
        for i, item in enumerate(tiers):
            live = state.approved.get(i)
            item["state"] = ("approved" if live is not None else
                             "waiting" if state.current == i else
                             "rejected" if state.status == "rejected" and any(
                                 r.tier == i and r.decision == "rejected" and not r.withdrawn_at
                                 for r in current) else "not yet")
        return {"round": order.approval_round, "status": state.status,
                "current_tier": None if state.current is None else state.current + 1,
                "rules": plan.to_dict()["rules"], "tiers": tiers,
                "decisions": [{"id": r.id, "round": r.round, "tier": r.tier + 1,
                               "approver_id": r.approver_id,
                               "on_behalf_of_id": r.on_behalf_of_id, "decision": r.decision,
                               "reason": r.reason, "at": r.at.isoformat(),
                               "withdrawn_at": _iso(r.withdrawn_at)} for r in records]}

    @staticmethod
    def _decisions(records: list[ApprovalRecord]) -> list[engine.Decision]:
        return [engine.Decision(r.tier, r.approver_id, r.decision, r.on_behalf_of_id,
                                r.withdrawn_at is not None, r.id) for r in records]

    def search(self, tx: Session, principal: Principal, *, company_id: int | None,
               buyer_id: int | None = None, department_id: int | None = None,
               statuses: tuple[str, ...] = (), created_from: datetime | None = None,
               created_to: datetime | None = None, min_total: Decimal | None = None,
               max_total: Decimal | None = None, before_id: int | None = None,
               limit: int = 100, awaiting_me: bool = False) -> dict[str, Any]:
        """Orders the principal may see, newest first (``scope`` says which). With
        ``orders.read_all`` the company; with ``orders.read_department`` (and a department)
        its own orders and those of its department; otherwise a customer sees its own orders
        only (``buyer_id`` of someone else: an empty list). Filters narrow the scope.
        ``awaiting_me``: the orders waiting for the principal's decision (the current tier
        names it, its role or the user it stands in for), also for an approver or substitute
        without ``orders.read_all``."""
        bad = [s for s in statuses if s not in ORDER_STATUSES]
        if bad:
            raise InvalidInput(f"unknown status {bad[0]!r} (one of {', '.join(ORDER_STATUSES)})",
                               field="status")
        if company_id is None:
            company_id = principal.company_id
            if company_id is None:
                raise InvalidInput("company_id is required (the company whose orders to list)",
                                   field="company_id")
        company_in_scope(tx, principal, company_id)
        if awaiting_me:
            return self._awaiting(tx, principal, company_id, limit)
        own_or_department: tuple[int, int] | None = None
        if principal.is_seller or principal.has("orders.read_all"):
            scope = "company"
        elif (mine := self._department(tx, principal, company_id)) is not None:
            scope = "department"
            own_or_department = (principal.user_id, mine)
        else:
            if buyer_id is not None and buyer_id != principal.user_id:
                return {"orders": [], "next_before_id": None, "scope": "own"}
            buyer_id = principal.user_id
            scope = "own"
        rows = OrderRepository(tx).search(OrderFilter(
            company_id, buyer_id, department_id, statuses, created_from, created_to, min_total,
            max_total, before_id, limit, own_or_department))
        return {"orders": [self.summary(o) for o in rows], "scope": scope,
                "next_before_id": rows[-1].id if len(rows) == limit else None}

    def _awaiting(self, tx: Session, principal: Principal, company_id: int, limit: int
                  ) -> dict[str, Any]:
        if not principal.has("approvals.orders"):
            return {"orders": [], "next_before_id": None, "scope": "awaiting_me"}
        who = self.approvals.approver(tx, principal)
        records = ApprovalRepository(tx)
        out = []
        for order in OrderRepository(tx).search(OrderFilter(
                company_id, statuses=("pending_approval",), limit=5000)):
            tiers = [t.tier for t in engine.Plan.of(order.approval_plan).tiers]
            current = records.records(order.id, order.approval_round)
            try:
                engine.check_decide(tiers, self._decisions(current), order.buyer_id, who,
                                    "approved")
            except (Conflict, engine.NotAnApprover):
                continue
            out.append(self.summary(order))
            if len(out) == limit:
                break
        return {"orders": out, "next_before_id": None, "scope": "awaiting_me"}

    # -- approval decisions ----------------------------------------------------------------
    def decide(self, tx: Session, principal: Principal, order_id: int, decision: str,
               reason: str | None) -> dict[str, Any]:
        order = self.visible(tx, principal, order_id, lock=True)
        target = "rejected" if decision == "rejected" else "approved"
        if order.status != "pending_approval":
            check_transition(order.status, target)
        if decision == "rejected" and not (reason and reason.strip()):
            raise InvalidInput("a rejection needs a reason", field="reason")
        plan = engine.Plan.of(order.approval_plan)
        tiers = [t.tier for t in plan.tiers]
        repo = ApprovalRepository(tx)
        current = [r for r in repo.records(order.id) if r.round == order.approval_round]
        who = self.approvals.approver(tx, principal)
        tier, behalf = engine.check_decide(tiers, self._decisions(current), order.buyer_id, who,
                                           decision)
        now = now_utc()
        row = ApprovalRecord(order_id=order.id, round=order.approval_round, tier=tier,
                             approver_id=principal.user_id, on_behalf_of_id=behalf,
                             decision=decision, reason=(reason or "").strip() or None, at=now)
        repo.add(row)
        record(tx, principal, f"order.approval.{decision}", ("order", order.id),
               {"tier": tier + 1, "round": order.approval_round, "reason": row.reason,
                "on_behalf_of_id": behalf}, company_id=order.company_id,
               permission="approvals.orders" if behalf is not None else None)
        if decision == "rejected":
            self._move(tx, principal, order, "rejected", row.reason, on_behalf_of=behalf)
        else:
            state = engine.progress(tiers, self._decisions([*current, row]))
            if state.status == "approved":
                self._move(tx, principal, order, "approved",
                           f"tier {tier + 1} of {len(tiers)} approved: all tiers approved",
                           on_behalf_of=behalf)
            else:
                order.updated_at = now
        return self.detail(tx, order)

    def withdraw(self, tx: Session, principal: Principal, order_id: int, reason: str | None
                 ) -> dict[str, Any]:
        order = self.visible(tx, principal, order_id, lock=True)
        if order.status not in ("pending_approval", "approved"):
            check_transition(order.status, "pending_approval")
        plan = engine.Plan.of(order.approval_plan)
        repo = ApprovalRepository(tx)
        current = [r for r in repo.records(order.id) if r.round == order.approval_round]
        given = engine.check_withdraw([t.tier for t in plan.tiers], self._decisions(current),
                                      principal.user_id)
        row = next(r for r in current if r.id == given.id)
        row.withdrawn_at = now_utc()
        record(tx, principal, "order.approval.withdraw", ("order", order.id),
               {"tier": row.tier + 1, "round": row.round, "reason": reason},
               company_id=order.company_id)
        if order.status == "approved":
            self._move(tx, principal, order, "pending_approval",
                       reason or f"approval of tier {row.tier + 1} withdrawn")
        else:
            order.updated_at = now_utc()
        tx.flush()
        return self.detail(tx, order)

    # -- changes ---------------------------------------------------------------------------
    def change_lines(self, tx: Session, principal: Principal, order_id: int,
                     changes: list[tuple[str, int]], reason: str | None) -> dict[str, Any]:
        """Set quantities (0 removes a line, a new SKU adds one) while the order waits for
        approval or for placing; approval restarts from tier 1."""
        order = self.visible(tx, principal, order_id, lock=True)
        if order.status not in ("pending_approval", "approved"):
            check_transition(order.status, "pending_approval")
        is_buyer = order.buyer_id == principal.user_id and principal.has("orders.edit")
        if not (is_buyer or principal.is_seller and principal.has("orders.edit")
                or principal.has("approvals.orders")):
            raise Forbidden("the buyer (orders.edit) or an approver changes an order's lines")
        if not changes:
            raise InvalidInput("no line changes given", field="lines")
        repo = OrderRepository(tx)
        lines = {x.sku: x for x in repo.lines(order.id)}
        wanted: dict[str, int] = {}
        for i, (sku, qty) in enumerate(changes):
            if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= MAX_QTY:
                raise InvalidInput(f"quantity must be a whole number from 0 (remove) to "
                                   f"{MAX_QTY}", field=f"lines[{i}].qty")
            if qty == 0 and sku not in lines:
                raise InvalidInput(f"the order has no line {sku} to remove",
                                   field=f"lines[{i}].sku")
            wanted[sku] = qty
        kept = [x for sku, x in lines.items() if wanted.get(sku, x.qty) == x.qty]
        requote = [(sku, qty) for sku, qty in wanted.items()
                   if qty > 0 and (sku not in lines or lines[sku].qty != qty)]
        if not kept and not requote:
            raise InvalidInput("an order keeps at least one line (cancel it instead)",
                               field="lines")
        if len(kept) + len(requote) > MAX_LINES:
            raise InvalidInput(f"an order has at most {MAX_LINES} lines", field="lines")
        fresh = self._priced_lines(tx, order.company_id, requote, order.currency,
                                   order.country) if requote else []
        before = {sku: x.qty for sku, x in lines.items()}
        order_of = {sku: i for i, sku in enumerate(dict.fromkeys(
            [*lines, *[s for s, _ in requote]]))}
        new_lines = [OrderLine(order_id=order.id, sku=x.sku, qty=x.qty, unit_net=x.unit_net,
                               unit_gross=x.unit_gross, net_total=x.net_total,
                               gross_total=x.gross_total, category=x.category, brand=x.brand)
                     for x in kept] + fresh
        new_lines.sort(key=lambda x: order_of[x.sku])
        for i, x in enumerate(new_lines):
            x.order_id, x.position = order.id, i
        repo.replace_lines(order.id, new_lines)
        self._totals(order, new_lines)
        plan = self._new_round(tx, order, new_lines)
        why = reason or "lines changed: approval restarts from tier 1"
        record(tx, principal, "order.lines", ("order", order.id),
               {"before": before, "after": {x.sku: x.qty for x in new_lines},
                "round": order.approval_round}, company_id=order.company_id)
        self._move(tx, principal, order, "pending_approval", why)
        self._settle(tx, principal, order, plan)
        repo.flush()
        return self.detail(tx, order)

    # -- steps -----------------------------------------------------------------------------
    def place(self, tx: Session, principal: Principal, order_id: int) -> dict[str, Any]:
        order = self.visible(tx, principal, order_id, lock=True)
        self._place(tx, principal, order, "placed by the buyer after approval")
        return self.detail(tx, order)

    def cancel(self, tx: Session, principal: Principal, order_id: int, reason: str | None
               ) -> dict[str, Any]:
        order = self.visible(tx, principal, order_id, lock=True)
        if not (order.buyer_id == principal.user_id or principal.is_seller
                or principal.has("orders.read_all")
                or self._of_my_department(tx, principal, order)):
            raise Forbidden("only the buyer, the company's purchasing staff (of the order's "
                            "department, or all) or the seller cancel an order")
        held = order.status in RESERVED
        check_transition(order.status, "cancelled")
        if held:
            credit = _credit()
            if credit is not None:
                credit.release(tx, order.id)
        self._move(tx, principal, order, "cancelled", reason or "cancelled")
        return self.detail(tx, order)

    def seller_step(self, tx: Session, principal: Principal, order_id: int, target: str,
                    reason: str | None) -> dict[str, Any]:
        if target not in SELLER_STEPS:
            raise InvalidInput(f"status is one of {', '.join(SELLER_STEPS)} (others have their "
                               "own endpoints)", field="status")
        order = self.visible(tx, principal, order_id, lock=True)
        if not principal.is_seller:
            raise Forbidden("only the seller's staff confirm, ship, deliver and complete orders")
        self._move(tx, principal, order, target, reason)
        return self.detail(tx, order)
