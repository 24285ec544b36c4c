"""The approval engine: which rules match an order, the tiers that follow, and what an
approver may do next. Pure functions over plain values (no database), so that the rules are
tested table by table and the service only gathers facts and stores decisions.

Matching. A rule matches when *every* condition it sets holds (unset conditions are ignored;
a rule without conditions matches every order):

* ``min_net_total`` (in ``currency``): the order's net total is at least this. A rule with a
  currency matches only orders in that currency (amounts are never converted).
* ``categories``: some line's category is one of them or lies under one ("Tools" covers
  "Tools > Drills").
* ``brands``: some line's brand is one of them (case-insensitive).
* ``min_lines``: the order has at least this many lines.
* ``buyer_roles``: the buyer holds one of these roles (keys such as ``buyer``).
* a budget (``budget_scope`` user or department, ``budget_period`` month, quarter or year,
  ``budget_amount`` in ``currency``): what the buyer (or the order's department) already
  spent in the current period, plus this order, exceeds the amount. Spent means orders in the
  same currency created in the period and approved or further on (placed, confirmed, shipped,
  delivered, completed). An order without a department never exceeds a department budget.

Merging. The tiers of the matching rules are chained in rule order (by id): the order needs
every matching rule's tiers, one after the other; a tier identical to an earlier one (the same
roles and users) is needed once, where it first appears. So adding a rule never weakens what
another rule demands. An order matching no rule is approved at once.

Deciding. Tiers are approved in order; any one of a tier's roles or users approves it. One
rejection (with a reason) by someone who may decide the current tier rejects the order. The
buyer never decides its own order, also not as somebody's substitute, and no one approves twice
in a round (neither in person nor on behalf of the same grantor). A substitute holding a
delegation decides in the grantor's place while the delegation is live (the caller passes the
grantor; outside the window there is none). An approver withdraws its approval while the next
tier has not acted. Line changes start a new round: earlier decisions no longer count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from catalog.errors import Conflict, DiscoveryError
from catalog.fields import category_levels

MAX_TIERS = 5
PERIODS = ("month", "quarter", "year")
BUDGET_SCOPES = ("user", "department")
SPENDING_STATUSES = ("approved", "placed", "confirmed", "shipped", "delivered", "completed")


class NotAnApprover(DiscoveryError):
    """The user may not decide this order now (not in the current tier, or the buyer)."""

    status_code = 403


@dataclass(frozen=True)
class Tier:
    roles: frozenset[str] = frozenset()
    users: frozenset[int] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"roles": sorted(self.roles), "users": sorted(self.users)}

    @staticmethod
    def of(data: dict[str, Any]) -> Tier:
        return Tier(frozenset(data.get("roles") or ()), frozenset(data.get("users") or ()))


@dataclass(frozen=True)
class Rule:
    id: int
    name: str = ""
    tiers: tuple[Tier, ...] = ()
    currency: str | None = None
    min_net_total: Decimal | None = None
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    min_lines: int | None = None
    buyer_roles: tuple[str, ...] = ()
    budget_scope: str | None = None
    budget_period: str | None = None
    budget_amount: Decimal | None = None


@dataclass(frozen=True)
class Line:
    sku: str
    qty: int
    net_total: Decimal
    category: str | None = None
    brand: str | None = None


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at. ``spent``: (scope, period) -> net already spent in the current
    period in ``currency`` (scope ``user``: by the buyer; ``department``: by the department)."""

    currency: str
    lines: tuple[Line, ...]
    buyer_id: int
    buyer_roles: frozenset[str] = frozenset()
    department_id: int | None = None
    spent: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    @property
    def net_total(self) -> Decimal:
        return sum((line.net_total for line in self.lines), Decimal(0))


def match(rule: Rule, facts: OrderFacts) -> list[str] | None:
    """Why the rule matches (one phrase per condition), or None when it does not."""
    why: list[str] = []
    money = rule.min_net_total is not None or rule.budget_amount is not None
    if money and rule.currency is not None and rule.currency != facts.currency:
        return None
    total = facts.net_total
    if rule.min_net_total is not None:
        if total < rule.min_net_total:
            return None
        why.append(f"net total {total} {facts.currency} >= {rule.min_net_total}")
    if rule.categories:
        wanted = {c.strip().casefold() for c in rule.categories}
        hit = next((line.category for line in facts.lines if wanted & {
            level.casefold() for level in category_levels(line.category)}), None)
        if hit is None:
            return None
        why.append(f"a line in category {hit}")
    if rule.brands:
        brands = {b.strip().casefold() for b in rule.brands}
        hit = next((line.brand for line in facts.lines
                    if line.brand and line.brand.strip().casefold() in brands), None)
        if hit is None:
            return None
        why.append(f"a line of brand {hit}")
    if rule.min_lines is not None:
        if len(facts.lines) < rule.min_lines:
            return None
        why.append(f"{len(facts.lines)} lines >= {rule.min_lines}")
    if rule.buyer_roles:
        held = facts.buyer_roles & set(rule.buyer_roles)
        if not held:
            return None
        why.append(f"the buyer holds the role {sorted(held)[0]}")
    if rule.budget_amount is not None and rule.budget_scope and rule.budget_period:
        if rule.budget_scope == "department" and facts.department_id is None:
            return None
        spent = facts.spent.get((rule.budget_scope, rule.budget_period), Decimal(0))
        if spent + total <= rule.budget_amount:
            return None
        why.append(f"{rule.budget_scope} budget per {rule.budget_period} of "
                   f"{rule.budget_amount} exceeded ({spent} spent + {total})")
    return why


@dataclass(frozen=True)
class PlanTier:
    tier: Tier
    rules: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    tiers: tuple[PlanTier, ...]
    matched: tuple[tuple[Rule, tuple[str, ...]], ...]

    @property
    def needs_approval(self) -> bool:
        return bool(self.tiers)

    def to_dict(self) -> dict[str, Any]:
        return {"tiers": [{"tier": i + 1, **t.tier.to_dict(), "rules": list(t.rules)}
                          for i, t in enumerate(self.tiers)],
                "rules": [{"id": r.id, "name": r.name, "why": list(why)}
                          for r, why in self.matched]}

    @staticmethod
    def of(data: dict[str, Any]) -> Plan:
        """The stored form back (rules as ids and names only)."""
        tiers = tuple(PlanTier(Tier.of(t), tuple(t.get("rules") or ()))
                      for t in data.get("tiers") or ())
        matched = tuple((Rule(int(r["id"]), str(r.get("name", ""))), tuple(r.get("why") or ()))
                        for r in data.get("rules") or ())
        return Plan(tiers, matched)


def plan(rules: Iterable[Rule], facts: OrderFacts) -> Plan:
    """The matching rules and the chained tiers (see the module docstring)."""
    matched: list[tuple[Rule, tuple[str, ...]]] = []
    tiers: list[PlanTier] = []
    for rule in sorted(rules, key=lambda r: r.id):
        why = match(rule, facts)
        if why is None or not rule.tiers:
            continue
        matched.append((rule, tuple(why)))
        for tier in rule.tiers:
            same = next((i for i, t in enumerate(tiers) if t.tier == tier), None)
            if same is None:
                tiers.append(PlanTier(tier, (rule.id,)))
            elif rule.id not in tiers[same].rules:
                tiers[same] = PlanTier(tier, (*tiers[same].rules, rule.id))
    return Plan(tuple(tiers), tuple(matched))


# -- decisions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """A stored decision of the current round; ``tier`` counts from 0."""

    tier: int
    approver_id: int
    decision: str  # approved | rejected
    on_behalf_of_id: int | None = None
    withdrawn: bool = False
    id: int | None = None


@dataclass(frozen=True)
class Approver:
    """Who wants to decide: its roles in the company and, when it holds approval rights through
    a live delegation, the grantor and the grantor's roles."""

    user_id: int
    roles: frozenset[str] = frozenset()
    grantor_id: int | None = None
    grantor_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Progress:
    status: str  # pending | approved | rejected
    current: int | None  # the tier to decide next (0-based), None when decided
    approved: dict[int, Decision]  # tier -> its live approval


def progress(tiers: Sequence[Tier], decisions: Iterable[Decision]) -> Progress:
    live = [d for d in decisions if not d.withdrawn]
    approved = {d.tier: d for d in live if d.decision == "approved"}
    if any(d.decision == "rejected" for d in live):
        return Progress("rejected", None, approved)
    current = next((i for i in range(len(tiers)) if i not in approved), None)
    return Progress("approved" if current is None else "pending", current, approved)


def _eligible(tier: Tier, user_id: int, roles: frozenset[str]) -> bool:
    return user_id in tier.users or bool(tier.roles & roles)


def describe_tier(tier: Tier) -> str:
    parts = [f"role {r}" for r in sorted(tier.roles)] + [f"user {u}" for u in sorted(tier.users)]
    return " or ".join(parts) or "nobody"


def check_decide(tiers: Sequence[Tier], decisions: Sequence[Decision], buyer_id: int,
                 who: Approver, decision: str) -> tuple[int, int | None]:
    """(the tier decided, the grantor acted for or None) when ``who`` may approve or reject now;
    raises Conflict (the order is not waiting for a decision, or ``who`` already approved) or
    NotAnApprover otherwise."""
    state = progress(tiers, decisions)
    if state.current is None:
        raise Conflict(f"the order's approval is already {state.status}; nothing to "
                       f"{'approve' if decision == 'approved' else 'reject'}")
    tier_no = state.current
    if who.user_id == buyer_id:
        raise NotAnApprover("the buyer cannot approve or reject its own order")
    tier = tiers[tier_no]
    on_behalf: int | None = None
    if not _eligible(tier, who.user_id, who.roles):
        if who.grantor_id is not None and _eligible(tier, who.grantor_id, who.grantor_roles):
            on_behalf = who.grantor_id
        else:
            raise NotAnApprover(f"tier {tier_no + 1} is decided by {describe_tier(tier)}")
    if on_behalf == buyer_id:
        raise NotAnApprover("a substitute cannot decide the order of the user it stands in for")
    if decision == "approved":
        people = {who.user_id} | ({on_behalf} if on_behalf is not None else set())
        for d in state.approved.values():
            if {d.approver_id, d.on_behalf_of_id} & people:
                raise Conflict(f"already approved tier {d.tier + 1} of this order: the same "
                               "person cannot approve twice")
    return tier_no, on_behalf


def check_withdraw(tiers: Sequence[Tier], decisions: Sequence[Decision], user_id: int
                   ) -> Decision:
    """The live approval ``user_id`` gave (in person) that it may withdraw: the next tier has
    not acted yet. Conflict otherwise."""
    state = progress(tiers, decisions)
    if state.status == "rejected":
        raise Conflict("the order was rejected; there is no approval to withdraw")
    mine = [d for d in state.approved.values() if d.approver_id == user_id]
    if not mine:
        raise Conflict("you have no approval of this order to withdraw")
    given = mine[0]
    if given.tier + 1 in state.approved:
        raise Conflict(f"tier {given.tier + 2} has already approved; the approval of tier "
                       f"{given.tier + 1} can no longer be withdrawn")
    return given


def period_start(period: str, now: datetime) -> datetime:
    """The start of the current month, quarter or year."""
    if period == "month":
        return datetime(now.year, now.month, 1)
    if period == "quarter":
        return datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1)
    if period == "year":
        return datetime(now.year, 1, 1)
    raise ValueError(f"unknown period {period!r}")
