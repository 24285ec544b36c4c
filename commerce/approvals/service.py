"""Approval rules of a company and the facts the engine needs (C7, C10).

``ApprovalService().preview(tx, principal, lines)`` tells a cart which rules its order would
match and who must approve it, tier by tier (the carts' view calls it); the orders service
uses :meth:`ApprovalService.plan_for` at submission and whenever the lines change, and
:meth:`ApprovalService.approver` to learn whom a decision comes from (a substitute's grantor
included). The rules themselves are in :mod:`commerce.approvals.engine`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, NotFound
from commerce.approvals import engine
from commerce.approvals.models import ApprovalRule
from commerce.approvals.repository import ApprovalRepository
from commerce.audit.service import record
from commerce.identity import Principal, now_utc
from commerce.orders.repository import OrderRepository
from commerce.prices.money import check_currency, to_units, units_to_decimal
from commerce.roles.permissions import CUSTOMER_ROLES
from commerce.roles.repository import RoleRepository
from commerce.users.repository import UserRepository

MAX_RULES_PER_COMPANY = 200


def to_rule(row: ApprovalRule) -> engine.Rule:
    return engine.Rule(
        id=row.id, name=row.name, tiers=tuple(engine.Tier.of(t) for t in row.tiers),
        currency=row.currency, min_net_total=row.min_net_total,
        categories=tuple(row.categories or ()), brands=tuple(row.brands or ()),
        min_lines=row.min_lines, buyer_roles=tuple(row.buyer_roles or ()),
        budget_scope=row.budget_scope, budget_period=row.budget_period,
        budget_amount=row.budget_amount)


def rule_dict(row: ApprovalRule) -> dict[str, Any]:
    budget = None
    if row.budget_scope is not None:
        budget = {"scope": row.budget_scope, "period": row.budget_period,
                  "amount": str(row.budget_amount)}
    return {"id": row.id, "company_id": row.company_id, "name": row.name, "active": row.active,
            "currency": row.currency,
            "min_net_total": None if row.min_net_total is None else str(row.min_net_total),
            "categories": row.categories, "brands": row.brands, "min_lines": row.min_lines,
            "buyer_roles": row.buyer_roles, "budget": budget, "tiers": row.tiers,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def _amount(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    return units_to_decimal(to_units(value, field, maximum=10**17, what="amount"))


def _strings(values: Any, field: str, limit: int = 50) -> list[str]:
    if not isinstance(values, list) or len(values) > limit or not all(
            isinstance(v, str) and 0 < len(v.strip()) <= 300 for v in values):
        raise InvalidInput(f"{field} is a list of up to {limit} non-empty names", field=field)
    return list(dict.fromkeys(v.strip() for v in values))


class ApprovalService:
    """Stateless: one instance serves every request."""

    # -- facts and plans -----------------------------------------------------------------
    def rules(self, tx: Session, company_id: int) -> list[engine.Rule]:
        return [to_rule(r) for r in ApprovalRepository(tx).rules(company_id, active_only=True)]

    def facts(self, tx: Session, company_id: int, buyer_id: int, department_id: int | None,
              currency: str, lines: Sequence[engine.Line], rules: Iterable[engine.Rule], *,
              exclude_order_id: int | None = None, now: datetime | None = None
              ) -> engine.OrderFacts:
        """The order-like input of the engine; spending is read only for the budgets the
        rules name."""
        now = now or now_utc()
        roles = frozenset(r.key for r in RoleRepository(tx).roles_of(buyer_id, company_id))
        spent: dict[tuple[str, str], Decimal] = {}
        orders = OrderRepository(tx)
        for rule in rules:
            if rule.budget_scope is None or rule.budget_period is None:
                continue
            key = (rule.budget_scope, rule.budget_period)
            if key in spent or (rule.budget_scope == "department" and department_id is None):
                continue
            spent[key] = orders.spent(
                company_id, currency, engine.period_start(rule.budget_period, now),
                engine.SPENDING_STATUSES,
                buyer_id=buyer_id if rule.budget_scope == "user" else None,
                department_id=department_id if rule.budget_scope == "department" else None,
                exclude_order_id=exclude_order_id)
        return engine.OrderFacts(currency, tuple(lines), buyer_id, roles, department_id, spent)

    def plan_for(self, tx: Session, company_id: int, buyer_id: int, department_id: int | None,
                 currency: str, lines: Sequence[engine.Line], *,
                 exclude_order_id: int | None = None) -> engine.Plan:
        rules = self.rules(tx, company_id)
        facts = self.facts(tx, company_id, buyer_id, department_id, currency, lines, rules,
                           exclude_order_id=exclude_order_id)
        return engine.plan(rules, facts)

    def approvers(self, tx: Session, company_id: int, tier: engine.Tier,
                  exclude: int | None = None) -> list[dict[str, Any]]:
        """The company's active employees who may decide ``tier`` in person (``exclude``: the
        buyer, who never decides its own order)."""
        ids = set(tier.users)
        for user_id, role in RoleRepository(tx).members(company_id):
            if role.key in tier.roles:
                ids.add(user_id)
        ids.discard(exclude or -1)
        users = UserRepository(tx)
        out = []
        for user_id in sorted(ids):
            user = users.get(user_id)
            if user is not None and user.status == "active":
                out.append({"user_id": user.id, "name": user.name, "email": user.email})
        return out

    def describe(self, tx: Session, company_id: int, plan: engine.Plan, buyer_id: int
                 ) -> list[dict[str, Any]]:
        tiers = plan.to_dict()["tiers"]
        for item, tier in zip(tiers, plan.tiers, strict=True):
            item["approvers"] = self.approvers(tx, company_id, tier.tier, exclude=buyer_id)
        return tiers

    def preview(self, tx: Session, principal: Principal, lines: Sequence[dict[str, Any]], *,
                currency: str = "EUR", country: str | None = None,
                department_id: int | None = None) -> dict[str, Any]:
        """Which rules an order of ``lines`` (dicts with ``sku`` and ``qty``; ``net_total``,
        ``category`` and ``brand`` when the caller knows them, else they are looked up and
        priced for the principal's company) would match, and who must approve it, per tier.
        The buyer is the principal."""
        if principal.company_id is None:
            raise InvalidInput("choose the company to order for first (POST /v1/account/company)",
                               field="company_id")
        currency = check_currency(currency)
        company_id = principal.company_id
        skus = [str(line["sku"]) for line in lines]
        known = OrderRepository(tx).product_facts(skus)
        unknown = [s for s in skus if s not in known]
        priced: dict[int, Decimal] = {}
        need = [(i, line) for i, line in enumerate(lines)
                if line.get("net_total") is None and str(line["sku"]) in known]
        if need:
            from commerce.prices.service import PriceService

            quotes = PriceService().quote_many(tx, company_id, [
                (str(line["sku"]), int(line["qty"])) for _, line in need], currency, country)
            for (i, _), quote in zip(need, quotes, strict=True):
                if quote.net_total is not None:
                    priced[i] = quote.net_total
        unpriced: list[str] = []
        facts: list[engine.Line] = []
        for i, line in enumerate(lines):
            sku = str(line["sku"])
            if sku not in known:
                continue
            category, brand = known[sku]
            given = line.get("net_total")
            if given is not None:
                net = Decimal(str(given))
            elif i in priced:
                net = priced[i]
            else:
                unpriced.append(sku)
                net = Decimal(0)
            facts.append(engine.Line(sku, int(line["qty"]), net,
                                     line.get("category", category), line.get("brand", brand)))
        if department_id is None:  # as a submission does: the buyer's own department
            department_id = RoleRepository(tx).department_of(principal.user_id, company_id)
        plan = self.plan_for(tx, company_id, principal.user_id, department_id, currency, facts)
        total = sum((f.net_total for f in facts), Decimal(0))
        return {"currency": currency, "net_total": str(total), "lines": len(facts),
                "needs_approval": plan.needs_approval,
                "rules": plan.to_dict()["rules"],
                "tiers": self.describe(tx, company_id, plan, principal.user_id),
                "unknown_skus": unknown, "unpriced_skus": unpriced}

    def approver(self, tx: Session, principal: Principal) -> engine.Approver:
        """Who decides: the principal's roles in its company and, when it holds
        ``approvals.orders`` only through a live delegation, the grantor and its roles."""
        if principal.company_id is None:
            return engine.Approver(principal.user_id)
        repo = RoleRepository(tx)
        own = frozenset(r.key for r in repo.roles_of(principal.user_id, principal.company_id))
        grantor = principal.delegated_by("approvals.orders")
        if grantor is None:
            # the principal holds the permission itself; a live delegation may still let it
            # decide a tier its grantor belongs to
            grantors = [g.grantor_id for g in repo.active_delegations_to(
                principal.user_id, principal.company_id, now_utc())
                if "approvals.orders" in (g.permissions or [])]
            grantor = grantors[0] if grantors else None
        grantor_roles = frozenset(r.key for r in repo.roles_of(grantor, principal.company_id)
                                  ) if grantor is not None else frozenset()
        return engine.Approver(principal.user_id, own, grantor, grantor_roles)

    # -- rules -----------------------------------------------------------------------------
    def list_rules(self, tx: Session, company_id: int) -> list[dict[str, Any]]:
        return [rule_dict(r) for r in ApprovalRepository(tx).rules(company_id)]

    def _values(self, tx: Session, company_id: int, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise InvalidInput("name needs 1-200 characters", field="name")
        min_total = _amount(data.get("min_net_total"), "min_net_total")
        budget = data.get("budget")
        scope = period = None
        budget_amount = None
        if budget is not None:
            if not isinstance(budget, dict):
                raise InvalidInput("budget is {scope, period, amount}", field="budget")
            scope, period = budget.get("scope"), budget.get("period")
            if scope not in engine.BUDGET_SCOPES:
                raise InvalidInput("budget.scope is user or department", field="budget.scope")
            if period not in engine.PERIODS:
                raise InvalidInput("budget.period is month, quarter or year",
                                   field="budget.period")
            budget_amount = _amount(budget.get("amount"), "budget.amount")
            if budget_amount is None:
                raise InvalidInput("budget.amount is required", field="budget.amount")
        currency = data.get("currency")
        if currency is not None:
            currency = check_currency(currency)
        elif min_total is not None or budget_amount is not None:
            raise InvalidInput("an amount condition needs its currency", field="currency")
        min_lines = data.get("min_lines")
        if min_lines is not None and (isinstance(min_lines, bool) or not isinstance(
                min_lines, int) or min_lines < 1):
            raise InvalidInput("min_lines is a whole number from 1", field="min_lines")
        buyer_roles = _strings(data.get("buyer_roles") or [], "buyer_roles")
        tiers = self._tiers(tx, company_id, data.get("tiers"))
        known_roles = set(CUSTOMER_ROLES) | {r.key for r in RoleRepository(tx).custom()}
        unknown = [r for r in buyer_roles if r not in known_roles]
        if unknown:
            raise InvalidInput(f"unknown roles: {', '.join(unknown)}", field="buyer_roles")
        return {"name": name.strip(), "active": bool(data.get("active", True)),
                "currency": currency, "min_net_total": min_total,
                "categories": _strings(data.get("categories") or [], "categories"),
                "brands": _strings(data.get("brands") or [], "brands"),
                "min_lines": min_lines, "buyer_roles": buyer_roles, "budget_scope": scope,
                "budget_period": period, "budget_amount": budget_amount, "tiers": tiers}

    def _tiers(self, tx: Session, company_id: int, raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not 1 <= len(raw) <= engine.MAX_TIERS:
            raise InvalidInput(f"tiers: 1 to {engine.MAX_TIERS} tiers, each "
                               "{roles: [...], users: [...]}", field="tiers")
        known_roles = set(CUSTOMER_ROLES) | {r.key for r in RoleRepository(tx).custom()}
        members = {uid for uid, _ in RoleRepository(tx).members(company_id)}
        out = []
        for i, tier in enumerate(raw):
            field = f"tiers[{i}]"
            if not isinstance(tier, dict):
                raise InvalidInput("a tier is {roles: [...], users: [...]}", field=field)
            roles = _strings(tier.get("roles") or [], f"{field}.roles")
            users = tier.get("users") or []
            if not isinstance(users, list) or not all(
                    isinstance(u, int) and not isinstance(u, bool) for u in users):
                raise InvalidInput("users is a list of user ids", field=f"{field}.users")
            if not roles and not users:
                raise InvalidInput("a tier names at least one role or user", field=field)
            bad_roles = [r for r in roles if r not in known_roles]
            if bad_roles:
                raise InvalidInput(f"unknown roles: {', '.join(bad_roles)}",
                                   field=f"{field}.roles")
            strangers = [u for u in users if u not in members]
            if strangers:
                raise InvalidInput(f"not employees of the company: {strangers}",
                                   field=f"{field}.users")
            out.append({"roles": sorted(roles), "users": sorted(set(users))})
        return out

    def create_rule(self, tx: Session, principal: Principal, company_id: int,
                    data: dict[str, Any]) -> dict[str, Any]:
        repo = ApprovalRepository(tx)
        if len(repo.rules(company_id)) >= MAX_RULES_PER_COMPANY:
            raise InvalidInput(f"a company has at most {MAX_RULES_PER_COMPANY} approval rules")
        now = now_utc()
        row = ApprovalRule(company_id=company_id, created_at=now, updated_at=now,
                           **self._values(tx, company_id, data))
        repo.add(row)
        record(tx, principal, "approval_rule.create", ("approval_rule", row.id), rule_dict(row),
               company_id=company_id)
        return rule_dict(row)

    def _row(self, tx: Session, company_id: int, rule_id: int) -> ApprovalRule:
        row = ApprovalRepository(tx).rule(rule_id)
        if row is None or row.company_id != company_id:
            raise NotFound(f"no approval rule {rule_id}", field="rule_id")
        return row

    def get_rule(self, tx: Session, company_id: int, rule_id: int) -> dict[str, Any]:
        return rule_dict(self._row(tx, company_id, rule_id))

    def update_rule(self, tx: Session, principal: Principal, company_id: int, rule_id: int,
                    data: dict[str, Any]) -> dict[str, Any]:
        """Replaces the rule (PUT). Orders already under way keep the tiers they started with."""
        row = self._row(tx, company_id, rule_id)
        before = rule_dict(row)
        for key, value in self._values(tx, company_id, data).items():
            setattr(row, key, value)
        row.updated_at = now_utc()
        tx.flush()
        record(tx, principal, "approval_rule.update", ("approval_rule", row.id),
               {"before": before, "after": rule_dict(row)}, company_id=company_id)
        return rule_dict(row)

    def delete_rule(self, tx: Session, principal: Principal, company_id: int, rule_id: int
                    ) -> None:
        row = self._row(tx, company_id, rule_id)
        before = rule_dict(row)
        ApprovalRepository(tx).delete(row)
        record(tx, principal, "approval_rule.delete", ("approval_rule", rule_id), before,
               company_id=company_id)
