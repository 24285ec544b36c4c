"""CreditService (C12): terms, reservations, releases, payments and overdue receivables,
table-driven, on SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.store import CatalogStore
from commerce.companies.models import Company
from commerce.credit.models import CreditAccount, Receivable
from commerce.credit.service import (
    CreditLimitExceeded,
    CreditService,
    CurrencyMismatch,
    PrepaymentRequired,
    minor_to_units,
)
from commerce.db import session_factory, unit_of_work

T0 = datetime(2026, 3, 1, 12, 0)
EUR = 10_000  # price units per euro


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Env:
    store: CatalogStore
    clock: Clock
    credit: CreditService

    def uow(self) -> Any:
        return unit_of_work(session_factory(self.store.engine))

    def company(self, terms: dict[str, Any] | None = None) -> int:
        with self.uow() as tx:
            row = Company(name="Acme", status="active", customer_group="retail",
                          created_at=T0)
            tx.add(row)
            tx.flush()
            if terms is not None:
                self.credit.set_terms(tx, "test", row.id, terms)
            return int(row.id)

    def outstanding(self, company_id: int) -> int:
        with self.uow() as tx:
            account = tx.get(CreditAccount, company_id)
            return 0 if account is None else int(account.outstanding_units)

    def receivable(self, order_id: int) -> Receivable | None:
        with self.uow() as tx:
            return tx.scalar(select(Receivable).where(Receivable.order_id == order_id))


@pytest.fixture
def env(store: CatalogStore) -> Iterator[Env]:
    store.migrate()
    clock = Clock()
    yield Env(store, clock, CreditService(clock=clock))


OUTSTANDING_100 = {"mode": "trade_credit", "limit": "100", "currency": "EUR", "term_days": 30,
                   "limit_scope": "outstanding"}
PER_ORDER_100 = {**OUTSTANDING_100, "limit_scope": "per_order"}

# terms, orders placed before (euros), the order (euros, currency), expected error or None
CASES = [
    ("no terms: prepayment", None, [], (10, "EUR"), PrepaymentRequired),
    ("prepayment set explicitly", {"mode": "prepayment"}, [], (10, "EUR"), PrepaymentRequired),
    ("currency mismatch", OUTSTANDING_100, [], (10, "USD"), CurrencyMismatch),
    ("outstanding: fits", OUTSTANDING_100, [60], (40, "EUR"), None),
    ("outstanding: exact limit", OUTSTANDING_100, [], (100, "EUR"), None),
    ("outstanding: one unit over", OUTSTANDING_100, [60], (40.0001, "EUR"), CreditLimitExceeded),
    ("outstanding: total over", OUTSTANDING_100, [60, 30], (20, "EUR"), CreditLimitExceeded),
    ("per order: each fits", PER_ORDER_100, [90, 90], (100, "EUR"), None),
    ("per order: one order over", PER_ORDER_100, [], (101, "EUR"), CreditLimitExceeded),
]


@pytest.mark.parametrize(("terms", "before", "order", "error"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_credit_reserve_table(env: Env, terms: Any, before: list[float],
                              order: tuple[float, str], error: Any) -> None:
    company = env.company(terms)
    for n, euros in enumerate(before, start=1):
        with env.uow() as tx:
            env.credit.reserve(tx, company, n, round(euros * EUR), "EUR")
    amount = round(order[0] * EUR)
    expected = sum(round(e * EUR) for e in before)
    if error is None:
        with env.uow() as tx:
            env.credit.reserve(tx, company, 99, amount, order[1])
        assert env.outstanding(company) == expected + amount
        row = env.receivable(99)
        assert row is not None and row.status == "open" and row.amount_units == amount
        assert row.due_at == T0 + timedelta(days=30)
    else:
        with pytest.raises(error) as caught, env.uow() as tx:
            env.credit.reserve(tx, company, 99, amount, order[1])
        assert caught.value.status_code == 409
        assert env.outstanding(company) == expected
        assert env.receivable(99) is None


def test_credit_reserve_is_idempotent_per_order(env: Env) -> None:
    company = env.company(OUTSTANDING_100)
    for _ in range(3):
        with env.uow() as tx:
            env.credit.reserve(tx, company, 7, 50 * EUR, "EUR")
    assert env.outstanding(company) == 50 * EUR
    # a new amount replaces the old one and is checked against the limit
    with env.uow() as tx:
        env.credit.reserve(tx, company, 7, 80 * EUR, "EUR")
    assert env.outstanding(company) == 80 * EUR
    with pytest.raises(CreditLimitExceeded), env.uow() as tx:
        env.credit.reserve(tx, company, 7, 101 * EUR, "EUR")
    assert env.outstanding(company) == 80 * EUR


def test_credit_release_frees_and_is_idempotent(env: Env) -> None:
    company = env.company(OUTSTANDING_100)
    with env.uow() as tx:
        env.credit.reserve(tx, company, 1, 70 * EUR, "EUR")
    with pytest.raises(CreditLimitExceeded), env.uow() as tx:
        env.credit.reserve(tx, company, 2, 70 * EUR, "EUR")
    for _ in range(2):
        with env.uow() as tx:
            env.credit.release(tx, 1)
    assert env.outstanding(company) == 0
    row = env.receivable(1)
    assert row is not None and row.status == "cancelled"
    with env.uow() as tx:
        env.credit.reserve(tx, company, 2, 70 * EUR, "EUR")
        env.credit.release(tx, 12345)  # never reserved (e.g. prepaid): nothing to do
    assert env.outstanding(company) == 70 * EUR
    with pytest.raises(Conflict, match="cancelled"), env.uow() as tx:
        env.credit.reserve(tx, company, 1, 70 * EUR, "EUR")


def test_credit_payments_reduce_outstanding(env: Env) -> None:
    company = env.company(OUTSTANDING_100)
    with env.uow() as tx:
        env.credit.reserve(tx, company, 1, 100 * EUR, "EUR")
    with env.uow() as tx:
        paid = env.credit.record_payment(tx, "test", 1, 40 * EUR, T0 + timedelta(days=3))
    assert paid["amount"] == "40.00"
    assert env.outstanding(company) == 60 * EUR
    with env.uow() as tx:  # the payment made room for a new order
        env.credit.reserve(tx, company, 2, 40 * EUR, "EUR")
    with pytest.raises(Conflict, match="more than"), env.uow() as tx:
        env.credit.record_payment(tx, "test", 1, 60 * EUR + 1, T0)
    with env.uow() as tx:
        env.credit.record_payment(tx, "test", 1, 60 * EUR, T0 + timedelta(days=4))
    row = env.receivable(1)
    assert row is not None and row.status == "paid" and row.paid_units == 100 * EUR
    assert env.outstanding(company) == 40 * EUR
    with pytest.raises(Conflict, match="paid"), env.uow() as tx:
        env.credit.record_payment(tx, "test", 1, 1, T0)
    with pytest.raises(NotFound), env.uow() as tx:
        env.credit.record_payment(tx, "test", 404, 1, T0)
    with pytest.raises(InvalidInput), env.uow() as tx:
        env.credit.record_payment(tx, "test", 2, 0, T0)
    # cancelling a partly paid order frees only what was still due
    with env.uow() as tx:
        env.credit.record_payment(tx, "test", 2, 10 * EUR, T0)
        env.credit.release(tx, 2)
    assert env.outstanding(company) == 0


def test_credit_overdue_by_due_date(env: Env) -> None:
    company = env.company({**OUTSTANDING_100, "term_days": 14})
    with env.uow() as tx:
        env.credit.reserve(tx, company, 1, 30 * EUR, "EUR")
    env.clock.now = T0 + timedelta(days=5)
    with env.uow() as tx:
        env.credit.reserve(tx, company, 2, 20 * EUR, "EUR")
    env.clock.now = T0 + timedelta(days=14)  # due exactly now: not overdue yet
    with env.uow() as tx:
        assert env.credit.terms(tx, company)["overdue_count"] == 0
    env.clock.now = T0 + timedelta(days=14, seconds=1)
    with env.uow() as tx:
        summary = env.credit.terms(tx, company)
        overdue = env.credit.receivables(tx, company, overdue=True)
    assert summary["overdue"] == "30.00" and summary["overdue_count"] == 1
    assert summary["outstanding"] == "50.00" and summary["available"] == "50.00"
    assert [r["order_id"] for r in overdue] == [1] and overdue[0]["overdue"] is True
    with env.uow() as tx:
        env.credit.record_payment(tx, "test", 1, 30 * EUR, env.clock.now)
    env.clock.now = T0 + timedelta(days=30)
    with env.uow() as tx:
        summary = env.credit.terms(tx, company)
        overdue = env.credit.receivables(tx, company, overdue=True)
        paid = env.credit.receivables(tx, company, status="paid")
    assert [r["order_id"] for r in overdue] == [2] and summary["overdue"] == "20.00"
    assert [r["order_id"] for r in paid] == [1] and paid[0]["payments"][0]["amount"] == "30.00"


TERMS_ERRORS = [
    ({"mode": "credit"}, "mode"),
    ({**OUTSTANDING_100, "currency": "EURO"}, "currency"),
    ({**OUTSTANDING_100, "limit": "-1"}, "limit"),
    ({**OUTSTANDING_100, "limit": "1.00001"}, "limit"),
    ({**OUTSTANDING_100, "limit": None}, "limit"),
    ({**OUTSTANDING_100, "term_days": -1}, "term_days"),
    ({**OUTSTANDING_100, "term_days": "30"}, "term_days"),
    ({**OUTSTANDING_100, "limit_scope": "total"}, "limit_scope"),
]


@pytest.mark.parametrize(("terms", "field"), TERMS_ERRORS, ids=[f for _, f in TERMS_ERRORS])
def test_credit_terms_validation_names_the_field(env: Env, terms: dict[str, Any],
                                                 field: str) -> None:
    company = env.company()
    with pytest.raises(InvalidInput) as caught, env.uow() as tx:
        env.credit.set_terms(tx, "test", company, terms)
    assert caught.value.field == field


def test_credit_terms_currency_fixed_while_receivables_open(env: Env) -> None:
    company = env.company(OUTSTANDING_100)
    with env.uow() as tx:
        env.credit.reserve(tx, company, 1, 10 * EUR, "EUR")
    with pytest.raises(Conflict, match="currency"), env.uow() as tx:
        env.credit.set_terms(tx, "test", company, {**OUTSTANDING_100, "currency": "USD"})
    with env.uow() as tx:  # switching to prepayment stops new credit; the debt stays
        env.credit.set_terms(tx, "test", company, {"mode": "prepayment"})
    with pytest.raises(PrepaymentRequired), env.uow() as tx:
        env.credit.reserve(tx, company, 2, 1, "EUR")
    assert env.outstanding(company) == 10 * EUR


def test_credit_minor_units_conversion() -> None:
    assert minor_to_units(1234, "EUR") == 123_400
    assert minor_to_units(1234, "JPY") == 12_340_000
    assert minor_to_units(1234, "KWD") == 12_340
