"""The approval engine, table by table: conditions, merging of tiers, decisions (tiers in
order, rejection, separation of duties, delegation), withdrawal and rounds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest

from catalog.errors import Conflict
from commerce.approvals.engine import (
    Approver,
    Decision,
    Line,
    NotAnApprover,
    OrderFacts,
    Rule,
    Tier,
    check_decide,
    check_withdraw,
    match,
    period_start,
    plan,
    progress,
)

BUYER = 1
FIN = Tier(frozenset({"approver"}))
CEO = Tier(users=frozenset({99}))


def facts(total: str = "100", *, lines: int = 1, category: str | None = "Tools > Drills",
          brand: str | None = "Bosch", currency: str = "EUR", roles: tuple[str, ...] = ("buyer",),
          department: int | None = None, spent: dict | None = None) -> OrderFacts:
    each = D(total) / lines
    return OrderFacts(currency, tuple(Line(f"S{i}", 1, each, category if i == 0 else None,
                                           brand if i == 0 else None) for i in range(lines)),
                      BUYER, frozenset(roles), department, spent or {})


def rule(**kw: object) -> Rule:
    return Rule(id=int(kw.pop("id", 1)), tiers=tuple(kw.pop("tiers", (FIN,))),  # type: ignore[arg-type]
                **kw)  # type: ignore[arg-type]


CONDITIONS = [
    # (case, rule, order facts, matches)
    ("no condition matches all", rule(), facts(), True),
    ("total above", rule(currency="EUR", min_net_total=D("1000")), facts("1000"), True),
    ("total below", rule(currency="EUR", min_net_total=D("1000")), facts("999.99"), False),
    ("total in another currency", rule(currency="USD", min_net_total=D("10")), facts("5000"),
     False),
    ("category exact", rule(categories=("Tools > Drills",)), facts(), True),
    ("category subtree", rule(categories=("tools",)), facts(), True),
    ("category elsewhere", rule(categories=("Paint",)), facts(), False),
    ("category of a sibling only", rule(categories=("Tools > Saws",)), facts(), False),
    ("brand any line", rule(brands=("BOSCH",)), facts(lines=3), True),
    ("brand absent", rule(brands=("Makita",)), facts(), False),
    ("lines at least", rule(min_lines=3), facts(lines=3), True),
    ("lines fewer", rule(min_lines=3), facts(lines=2), False),
    ("buyer role", rule(buyer_roles=("buyer",)), facts(), True),
    ("buyer role not held", rule(buyer_roles=("purchasing_manager",)), facts(), False),
    ("user budget exceeded", rule(currency="EUR", budget_scope="user", budget_period="month",
                                  budget_amount=D("500")),
     facts("200", spent={("user", "month"): D("301")}), True),
    ("user budget just met", rule(currency="EUR", budget_scope="user", budget_period="month",
                                  budget_amount=D("500")),
     facts("200", spent={("user", "month"): D("300")}), False),
    ("budget of another period", rule(currency="EUR", budget_scope="user",
                                      budget_period="year", budget_amount=D("500")),
     facts("200", spent={("user", "month"): D("400")}), False),
    ("department budget exceeded", rule(budget_scope="department", budget_period="quarter",
                                        budget_amount=D("100")),
     facts("200", department=7), True),
    ("department budget without department", rule(budget_scope="department",
                                                  budget_period="quarter",
                                                  budget_amount=D("100")),
     facts("200"), False),
    ("all conditions must hold", rule(currency="EUR", min_net_total=D("50"), brands=("Makita",)),
     facts("100"), False),
    ("all conditions hold", rule(currency="EUR", min_net_total=D("50"), brands=("bosch",),
                                 categories=("Tools",), min_lines=1), facts("100"), True),
]


@pytest.mark.parametrize(("rule_", "facts_", "expected"), [c[1:] for c in CONDITIONS],
                         ids=[c[0] for c in CONDITIONS])
def test_conditions(rule_: Rule, facts_: OrderFacts, expected: bool) -> None:
    assert (match(rule_, facts_) is not None) is expected


A, B, C = (Tier(frozenset({r})) for r in ("a", "b", "c"))
MERGES = [
    ("no rule: approved at once", [], []),
    ("one rule", [rule(id=1, tiers=(A, B))], [A, B]),
    ("chained in rule order", [rule(id=2, tiers=(C,)), rule(id=1, tiers=(A, B))], [A, B, C]),
    ("identical tier needed once", [rule(id=1, tiers=(A, B)), rule(id=2, tiers=(B, C))],
     [A, B, C]),
    ("non-matching rule adds nothing", [rule(id=1, tiers=(A,)),
                                        rule(id=2, tiers=(C,), min_lines=10)], [A]),
]


@pytest.mark.parametrize(("rules", "tiers"), [m[1:] for m in MERGES], ids=[m[0] for m in MERGES])
def test_merging(rules: list[Rule], tiers: list[Tier]) -> None:
    result = plan(rules, facts())
    assert [t.tier for t in result.tiers] == tiers
    assert result.needs_approval is bool(tiers)


def test_plan_round_trips_and_names_rules() -> None:
    result = plan([rule(id=1, tiers=(A, B)), rule(id=2, tiers=(B,))], facts())
    stored = result.to_dict()
    assert stored["tiers"][1] == {"tier": 2, "roles": ["b"], "users": [], "rules": [1, 2]}
    assert type(result).of(stored).tiers == result.tiers


TWO = [FIN, CEO]
ANNA = Approver(10, frozenset({"approver"}))
BOSS = Approver(99)
SUB = Approver(20, frozenset(), grantor_id=10, grantor_roles=frozenset({"approver"}))
OTHER = Approver(30, frozenset({"buyer"}))


def ok(tier: int, by: int, behalf: int | None = None) -> Decision:
    return Decision(tier, by, "approved", behalf)


DECISIONS = [
    # (case, tiers, decisions so far, who, decision, expected: (tier, behalf) or error type)
    ("first tier by role", TWO, [], ANNA, "approved", (0, None)),
    ("second tier by user", TWO, [ok(0, 10)], BOSS, "approved", (1, None)),
    ("tiers in order: user of tier 2 cannot act first", TWO, [], BOSS, "approved",
     NotAnApprover),
    ("not in the tier", TWO, [], OTHER, "approved", NotAnApprover),
    ("buyer cannot approve own order", [Tier(users=frozenset({BUYER}))], [],
     Approver(BUYER), "approved", NotAnApprover),
    ("no approving twice across tiers", [FIN, Tier(frozenset({"approver"}), frozenset({10}))],
     [ok(0, 10)], ANNA, "approved", Conflict),
    ("a substitute acts for its grantor", TWO, [], SUB, "approved", (0, 10)),
    ("substitute cannot approve again for the same grantor",
     [FIN, Tier(frozenset({"approver"}))], [ok(0, 10)], SUB, "approved", Conflict),
    ("a substitute without live delegation is nobody", TWO, [], Approver(20), "approved",
     NotAnApprover),
    ("substitute of the buyer cannot decide the buyer's order",
     [Tier(users=frozenset({BUYER}))], [], Approver(20, grantor_id=BUYER), "approved",
     NotAnApprover),
    ("rejection by the current tier", TWO, [ok(0, 10)], BOSS, "rejected", (1, None)),
    ("rejection by someone outside the tier", TWO, [], OTHER, "rejected", NotAnApprover),
    ("nothing to decide once approved", [FIN], [ok(0, 10)], BOSS, "approved", Conflict),
    ("nothing to decide once rejected", TWO,
     [Decision(0, 10, "rejected")], BOSS, "approved", Conflict),
    ("a withdrawn approval is needed again", TWO, [Decision(0, 10, "approved", withdrawn=True)],
     ANNA, "approved", (0, None)),
]


@pytest.mark.parametrize(("tiers", "done", "who", "decision", "expected"),
                         [d[1:] for d in DECISIONS], ids=[d[0] for d in DECISIONS])
def test_decisions(tiers: list[Tier], done: list[Decision], who: Approver, decision: str,
                   expected: object) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected):
            check_decide(tiers, done, BUYER, who, decision)
    else:
        assert check_decide(tiers, done, BUYER, who, decision) == expected


def test_progress() -> None:
    assert progress([], []).status == "approved"
    assert progress(TWO, []).current == 0
    assert progress(TWO, [ok(0, 10)]).current == 1
    assert progress(TWO, [ok(0, 10), ok(1, 99)]).status == "approved"
    assert progress(TWO, [ok(0, 10), Decision(1, 99, "rejected")]).status == "rejected"


WITHDRAWALS = [
    ("before the next tier acted", [ok(0, 10)], 10, 0),
    ("after the next tier acted", [ok(0, 10), ok(1, 99)], 10, Conflict),
    ("the last tier's approval", [ok(0, 10), ok(1, 99)], 99, 1),
    ("nothing given", [ok(0, 10)], 99, Conflict),
    ("after a rejection", [ok(0, 10), Decision(1, 99, "rejected")], 10, Conflict),
]


@pytest.mark.parametrize(("done", "user", "expected"), [w[1:] for w in WITHDRAWALS],
                         ids=[w[0] for w in WITHDRAWALS])
def test_withdraw(done: list[Decision], user: int, expected: object) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected):
            check_withdraw(TWO, done, user)
    else:
        assert check_withdraw(TWO, done, user).tier == expected


@pytest.mark.parametrize(("period", "start"), [
    ("month", datetime(2026, 5, 1)), ("quarter", datetime(2026, 4, 1)),
    ("year", datetime(2026, 1, 1))])
def test_period_start(period: str, start: datetime) -> None:
    assert period_start(period, datetime(2026, 5, 17, 13, 0)) == start
