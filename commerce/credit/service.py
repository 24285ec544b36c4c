"""Credit checks, reservations, payments and the overview (C12, C13).

**Amounts** are integer *price units*: 1/10,000 of the currency's main unit, the unit of
:mod:`commerce.prices.money` (``PRICE_SCALE`` = 10,000), whatever the currency's minor unit:
12.34 EUR is ``123_400``, 1,234 JPY is ``12_340_000``. An order total in minor units (cents,
as :func:`commerce.prices.money.line_minor` gives) converts with :func:`minor_to_units`.

**The orders package calls** (inside its own request transaction; nothing here commits)::

    credit = CreditService()
    credit.reserve(tx, company_id, order.id, amount_units, "EUR")  # when the order is placed
    credit.release(tx, order.id)                                   # when it is cancelled

``reserve`` raises :class:`CreditRefused` (409; subclasses :class:`PrepaymentRequired`,
:class:`CurrencyMismatch`, :class:`CreditLimitExceeded`) and reserves nothing then; the caller's
transaction decides the rest (the request rolls back on the error). It is idempotent per
``order_id``: the same order again changes nothing, a new amount for an open order replaces the
old one (checked against the limit). ``release`` frees what the order still owes; an unknown or
already released order is a no-op.

**Atomicity**: every change locks the company's ``credit_accounts`` row first (see
:mod:`commerce.credit.repository`), so concurrent placements are checked one after the other and
the limit is never exceeded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, NotFound
from commerce.audit import service as audit
from commerce.credit.models import (
    LIMIT_SCOPES,
    MODES,
    RECEIVABLE_STATUSES,
    CreditAccount,
    CreditTerms,
    Payment,
    Receivable,
)
from commerce.credit.repository import CreditRepository
from commerce.identity import now_utc
from commerce.prices.money import (
    MAX_PRICE_UNITS,
    MINOR_UNITS,
    PRICE_DECIMALS,
    check_currency,
    to_units,
    unit_decimal,
)

MAX_CREDIT_UNITS = 10**6 * MAX_PRICE_UNITS  # 10^14 currency units: far beyond any limit
MAX_TERM_DAYS = 3650


class CreditRefused(Conflict):
    """The order cannot be placed on credit (409)."""


class PrepaymentRequired(CreditRefused):
    pass


class CurrencyMismatch(CreditRefused):
    pass


class CreditLimitExceeded(CreditRefused):
    pass


def minor_to_units(minor: int, currency: str) -> int:
    """An amount in the currency's minor units (cents) as price units."""
    return minor * 10 ** (PRICE_DECIMALS - MINOR_UNITS[currency])


def money(units: int, currency: str) -> str:
    """Price units as a decimal string with at least the currency's minor digits."""
    return str(unit_decimal(units, currency))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


class CreditService:
    """``clock`` gives naive UTC now (tests inject one to move past due dates)."""

    def __init__(self, clock: Callable[[], datetime] = now_utc) -> None:
        self.clock = clock

    # -- the API the orders package calls -------------------------------------------------
    def reserve(self, tx: Session, company_id: int, order_id: int, amount_units: int,
                currency: str) -> None:
        """Reserve ``amount_units`` (price units) of the company's credit for ``order_id``."""
        if isinstance(amount_units, bool) or not isinstance(amount_units, int) \
                or amount_units < 0:
            raise InvalidInput(f"amount_units must be a non-negative integer, got "
                               f"{amount_units!r}", field="amount_units")
        currency = check_currency(currency)
        repo = CreditRepository(tx)
        account = repo.lock_account(company_id)
        existing = repo.receivable_of_order(order_id)
        if existing is not None:
            if existing.company_id != company_id:
                raise CreditRefused(f"order {order_id} already holds credit of company "
                                    f"{existing.company_id}", field="order_id")
            if existing.amount_units == amount_units and existing.currency == currency \
                    and existing.status != "cancelled":
                return  # the same reservation again: idempotent
            if existing.status != "open":
                raise CreditRefused(f"order {order_id} is {existing.status}: its credit cannot "
                                    "be reserved again", field="order_id")
        terms = repo.terms(company_id)
        if account is None or terms is None or terms.mode == "prepayment":
            raise PrepaymentRequired(f"company {company_id} must pay in advance (prepayment): "
                                     "it has no trade credit", field="company_id")
        if currency != terms.currency:
            raise CurrencyMismatch(f"the order is in {currency} but company {company_id}'s "
                                   f"credit limit is in {terms.currency}", field="currency")
        # what the order owes now (0 when new) and would owe after this reservation
        paid = existing.paid_units if existing is not None else 0
        previous = existing.amount_units - paid if existing is not None else 0
        if amount_units < paid:
            raise CreditRefused(f"order {order_id} has {money(paid, currency)} "
                                f"{currency} paid already, more than the new amount",
                                field="amount_units")
        if terms.limit_scope == "per_order":
            if amount_units > terms.limit_units:
                raise CreditLimitExceeded(
                    f"the order total {money(amount_units, currency)} {currency} exceeds "
                    f"company {company_id}'s credit limit per order of "
                    f"{money(terms.limit_units, currency)} {currency}", field="amount_units")
        else:
            after = account.outstanding_units - previous + amount_units - paid
            if after > terms.limit_units:
                available = max(terms.limit_units - account.outstanding_units + previous, 0)
                raise CreditLimitExceeded(
                    f"the order total {money(amount_units, currency)} {currency} exceeds "
                    f"company {company_id}'s available credit of {money(available, currency)} "
                    f"{currency} (limit {money(terms.limit_units, currency)}, outstanding "
                    f"{money(account.outstanding_units - previous, currency)})",
                    field="amount_units")
        now = self.clock()
        account.outstanding_units += amount_units - paid - previous
        account.updated_at = now
        if existing is not None:
            existing.amount_units = amount_units
            if existing.paid_units == amount_units:
                existing.status, existing.settled_at = "paid", now
            tx.flush()
            return
        repo.add(Receivable(order_id=order_id, company_id=company_id,
                            amount_units=amount_units, currency=currency, placed_at=now,
                            due_at=now + timedelta(days=terms.term_days), paid_units=0,
                            status="paid" if amount_units == 0 else "open",
                            settled_at=now if amount_units == 0 else None))

    def release(self, tx: Session, order_id: int) -> None:
        """The order was cancelled: free what it still owes. Idempotent; an order that never
        held credit (prepayment) is a no-op. Payments already recorded stay recorded."""
        repo = CreditRepository(tx)
        found = repo.receivable_of_order(order_id)
        if found is None or found.status == "cancelled":
            return
        account = repo.lock_account(found.company_id)
        found = repo.receivable_of_order(order_id)  # read again under the lock
        if found is None or found.status == "cancelled":
            return
        now = self.clock()
        if account is not None and found.status == "open":
            account.outstanding_units -= found.amount_units - found.paid_units
            account.updated_at = now
        found.status, found.settled_at = "cancelled", now
        tx.flush()

    def record_payment(self, tx: Session, actor: Any, order_id: int, amount_units: int,
                       paid_at: datetime, *, company_id: int | None = None) -> dict[str, Any]:
        """A payment of ``amount_units`` (price units) for the order; reduces what is
        outstanding; the receivable is paid when nothing is left. Audited. ``company_id``:
        the order must be that company's (404 otherwise)."""
        if isinstance(amount_units, bool) or not isinstance(amount_units, int) \
                or amount_units <= 0:
            raise InvalidInput("the amount must be more than 0", field="amount")
        repo = CreditRepository(tx)
        found = repo.receivable_of_order(order_id)
        if found is None or company_id not in (None, found.company_id):
            raise NotFound(f"no order {order_id} on credit"
                           + (f" in company {company_id}" if company_id else ""),
                           field="order_id")
        account = repo.lock_account(found.company_id)
        found = repo.receivable_of_order(order_id)
        assert found is not None
        if found.status != "open":
            raise Conflict(f"order {order_id} is {found.status}: no payment is due",
                           field="order_id")
        left = found.amount_units - found.paid_units
        if amount_units > left:
            raise Conflict(f"the payment {money(amount_units, found.currency)} "
                           f"{found.currency} is more than the "
                           f"{money(left, found.currency)} {found.currency} still due",
                           field="amount")
        now = self.clock()
        found.paid_units += amount_units
        if found.paid_units == found.amount_units:
            found.status, found.settled_at = "paid", paid_at
        if account is not None:
            account.outstanding_units -= amount_units
            account.updated_at = now
        user_id = getattr(actor, "user_id", None)
        label = getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system")
        payment = Payment(receivable_id=found.id, order_id=order_id,
                          company_id=found.company_id, amount_units=amount_units,
                          paid_at=paid_at, recorded_at=now, recorded_by=user_id,
                          recorded_by_label=str(label)[:254])
        repo.add(payment)
        audit.record(tx, actor, "credit.payment", ("order", order_id),
                     {"amount": money(amount_units, found.currency),
                      "currency": found.currency, "paid_at": paid_at.isoformat(),
                      "status": found.status}, company_id=found.company_id,
                     permission="payments.record")
        return self.payment_dict(payment, found.currency)

    # -- terms ----------------------------------------------------------------------------
    def terms(self, tx: Session, company_id: int) -> dict[str, Any]:
        """The company's terms with what it owes now (prepayment when none were set)."""
        repo = CreditRepository(tx)
        return self._summary(company_id, repo.terms(company_id), repo.account(company_id),
                             repo.overdue_units([company_id], self.clock()).get(company_id),
                             repo.open_counts([company_id]).get(company_id, 0))

    def set_terms(self, tx: Session, actor: Any, company_id: int, data: dict[str, Any]
                  ) -> dict[str, Any]:
        """Replace the company's terms (validated; audited with before and after)."""
        repo = CreditRepository(tx)
        repo.ensure_account(company_id, self.clock())
        old = repo.terms(company_id)
        mode = data.get("mode")
        if mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)} (got {mode!r})",
                               field="mode")
        raw_currency = data.get("currency")
        if raw_currency is None and mode == "prepayment":
            raw_currency = old.currency if old is not None else "EUR"
        if raw_currency is None:
            raise InvalidInput("currency is required for trade credit", field="currency")
        currency = check_currency(raw_currency)
        raw_limit = data.get("limit")
        if raw_limit is None:
            if mode == "trade_credit":
                raise InvalidInput("limit is required for trade credit", field="limit")
            raw_limit = 0
        limit_units = to_units(raw_limit, "limit", maximum=MAX_CREDIT_UNITS, what="limit")
        term_days = data.get("term_days", 0 if mode == "prepayment" else None)
        if isinstance(term_days, bool) or not isinstance(term_days, int) \
                or not 0 <= term_days <= MAX_TERM_DAYS:
            raise InvalidInput(f"term_days must be a whole number of days from 0 to "
                               f"{MAX_TERM_DAYS} (got {term_days!r})", field="term_days")
        scope = data.get("limit_scope") or "outstanding"
        if scope not in LIMIT_SCOPES:
            raise InvalidInput(f"limit_scope must be one of {', '.join(LIMIT_SCOPES)} "
                               f"(got {scope!r})", field="limit_scope")
        if old is not None and old.currency != currency \
                and repo.receivables(company_id, status="open", limit=1):
            raise Conflict(f"company {company_id} has open receivables in {old.currency}: "
                           "the currency of its terms cannot change until they are settled",
                           field="currency")
        before = self._terms_dict(old) if old is not None else None
        now = self.clock()
        user_id = getattr(actor, "user_id", None)
        if old is None:
            old = CreditTerms(company_id=company_id)
            tx.add(old)
        old.mode, old.limit_units, old.currency = mode, limit_units, currency
        old.term_days, old.limit_scope = term_days, scope
        old.updated_at, old.updated_by = now, user_id
        tx.flush()
        after = self._terms_dict(old)
        audit.record(tx, actor, "credit_terms.update", ("company", company_id),
                     {"before": before, "after": after}, company_id=company_id)
        return self.terms(tx, company_id)

    # -- reading --------------------------------------------------------------------------
    def receivables(self, tx: Session, company_id: int, *, status: str | None = None,
                    overdue: bool = False, limit: int = 500, offset: int = 0
                    ) -> list[dict[str, Any]]:
        if status is not None and status not in RECEIVABLE_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(RECEIVABLE_STATUSES)} "
                               f"(got {status!r})", field="status")
        repo = CreditRepository(tx)
        now = self.clock()
        rows = repo.receivables(company_id, status=status, overdue_at=now if overdue else None,
                                limit=limit, offset=offset)
        payments: dict[int, list[dict[str, Any]]] = {}
        currency_of = {r.id: r.currency for r in rows}
        for p in repo.payments_of([r.id for r in rows]):
            payments.setdefault(p.receivable_id, []).append(
                self.payment_dict(p, currency_of[p.receivable_id]))
        return [self.receivable_dict(r, now, payments.get(r.id, [])) for r in rows]

    def company_overview(self, tx: Session, company_id: int, *, status: str | None = None,
                         overdue: bool = False) -> dict[str, Any]:
        return {"company": self.terms(tx, company_id),
                "receivables": self.receivables(tx, company_id, status=status,
                                                overdue=overdue)}

    def companies_overview(self, tx: Session, *, sales_rep_id: int | None,
                           also: int | None = None, overdue: bool = False,
                           status: str | None = None) -> list[dict[str, Any]]:
        """Every company the seller sees with its terms, outstanding and overdue amounts.
        ``overdue``: only companies with something overdue; ``status`` ``open``: only
        companies with open receivables."""
        if status is not None and status != "open":
            raise InvalidInput("the companies overview filters by status 'open' only (name a "
                               "company_id for its receivables by status)", field="status")
        repo = CreditRepository(tx)
        rows = repo.companies(sales_rep_id, also)
        ids = None if sales_rep_id is None else [c.id for c, _, _ in rows]
        overdue_of = repo.overdue_units(ids, self.clock())
        open_of = repo.open_counts(ids)
        items = []
        for company, terms, account in rows:
            item = self._summary(company.id, terms, account, overdue_of.get(company.id),
                                 open_of.get(company.id, 0))
            if overdue and not item["overdue_count"]:
                continue
            if status == "open" and not item["open_count"]:
                continue
            item["name"] = company.name
            items.append(item)
        return items

    # -- shapes ---------------------------------------------------------------------------
    @staticmethod
    def _terms_dict(terms: CreditTerms) -> dict[str, Any]:
        return {"mode": terms.mode, "limit": money(terms.limit_units, terms.currency),
                "currency": terms.currency, "term_days": terms.term_days,
                "limit_scope": terms.limit_scope}

    def _summary(self, company_id: int, terms: CreditTerms | None,
                 account: CreditAccount | None, overdue: tuple[int, int] | None,
                 open_count: int) -> dict[str, Any]:
        currency = terms.currency if terms is not None else "EUR"
        outstanding = account.outstanding_units if account is not None else 0
        overdue_units, overdue_count = overdue or (0, 0)
        if terms is None or terms.mode == "prepayment":
            available = 0
        elif terms.limit_scope == "per_order":
            available = terms.limit_units
        else:
            available = max(terms.limit_units - outstanding, 0)
        return {
            "company_id": company_id,
            "mode": terms.mode if terms is not None else "prepayment",
            "limit": money(terms.limit_units, currency) if terms is not None else None,
            "currency": currency if terms is not None else None,
            "term_days": terms.term_days if terms is not None else None,
            "limit_scope": terms.limit_scope if terms is not None else None,
            "outstanding": money(outstanding, currency),
            "available": money(available, currency),
            "overdue": money(overdue_units, currency),
            "overdue_count": overdue_count,
            "open_count": open_count,
            "terms_set": terms is not None,
            "updated_at": _iso(terms.updated_at) if terms is not None else None,
        }

    @staticmethod
    def receivable_dict(row: Receivable, now: datetime, payments: list[dict[str, Any]]
                        ) -> dict[str, Any]:
        due = row.amount_units - row.paid_units if row.status == "open" else 0
        return {"order_id": row.order_id, "company_id": row.company_id,
                "amount": money(row.amount_units, row.currency), "currency": row.currency,
                "paid": money(row.paid_units, row.currency),
                "outstanding": money(due, row.currency), "status": row.status,
                "placed_at": _iso(row.placed_at), "due_at": _iso(row.due_at),
                "settled_at": _iso(row.settled_at),
                "overdue": row.status == "open" and row.due_at < now,
                "payments": payments}

    @staticmethod
    def payment_dict(row: Payment, currency: str) -> dict[str, Any]:
        return {"id": row.id, "order_id": row.order_id,
                "amount": money(row.amount_units, currency), "currency": currency,
                "paid_at": _iso(row.paid_at), "recorded_at": _iso(row.recorded_at),
                "recorded_by": row.recorded_by_label}
