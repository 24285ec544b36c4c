"""All SQL of credit terms, credit accounts, receivables and payments. Nothing here commits.

Locking: :meth:`CreditRepository.lock_account` is what makes reservations atomic. On
PostgreSQL it reads the company's ``credit_accounts`` row with ``SELECT ... FOR UPDATE``: a
second transaction locking the same row waits until the first commits or rolls back, then
reads the new outstanding amount. SQLite has no row locks (``FOR UPDATE`` is not rendered);
there the first statement is an ``UPDATE`` of the same row, which takes the database's single
write lock (other writers wait, up to ``busy_timeout``) before anything is read, so every
read that follows in the transaction is current: reservations are serialised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from commerce.companies.models import Company
from commerce.credit.models import CreditAccount, CreditTerms, Payment, Receivable


class CreditRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    # -- terms and the account row --------------------------------------------------------
    def terms(self, company_id: int) -> CreditTerms | None:
        return self.tx.execute(
            select(CreditTerms).where(CreditTerms.company_id == company_id)
            .execution_options(populate_existing=True)).scalar_one_or_none()

    def add_terms(self, terms: CreditTerms) -> None:
        self.tx.add(terms)
        self.tx.flush()

    def lock_account(self, company_id: int) -> CreditAccount | None:
        """The company's account row, locked until the transaction ends (see the module
        docstring); None when the company has none (it never had credit terms)."""
        if self.tx.get_bind().dialect.name == "sqlite":
            # take SQLite's write lock first: reads after it cannot be stale
            self.tx.execute(update(CreditAccount).where(CreditAccount.company_id == company_id)
                            .values(version=CreditAccount.version + 1)
                            .execution_options(synchronize_session=False))
        return self.tx.execute(
            select(CreditAccount).where(CreditAccount.company_id == company_id)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()

    def ensure_account(self, company_id: int, now: datetime) -> CreditAccount:
        """The company's account row, created when missing (two first terms at once: the
        second insert waits for the first and does nothing), locked like :meth:`lock_account`."""
        dialect = self.tx.get_bind().dialect.name
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.tx.execute(insert_(CreditAccount).values(
            company_id=company_id, outstanding_units=0, version=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["company_id"]))
        account = self.lock_account(company_id)
        assert account is not None
        return account

    def account(self, company_id: int) -> CreditAccount | None:
        return self.tx.execute(
            select(CreditAccount).where(CreditAccount.company_id == company_id)
            .execution_options(populate_existing=True)).scalar_one_or_none()

    # -- receivables and payments ---------------------------------------------------------
    def receivable_of_order(self, order_id: int) -> Receivable | None:
        return self.tx.execute(
            select(Receivable).where(Receivable.order_id == order_id)
            .execution_options(populate_existing=True)).scalar_one_or_none()

    def add(self, row: Receivable | Payment) -> None:
        self.tx.add(row)
        self.tx.flush()

    def receivables(self, company_id: int, *, status: str | None = None,
                    overdue_at: datetime | None = None, limit: int = 500, offset: int = 0
                    ) -> Sequence[Receivable]:
        """A company's receivables, newest first; ``overdue_at``: only open ones due before."""
        query = select(Receivable).where(Receivable.company_id == company_id)
        if status is not None:
            query = query.where(Receivable.status == status)
        if overdue_at is not None:
            query = query.where(Receivable.status == "open", Receivable.due_at < overdue_at)
        query = query.order_by(Receivable.placed_at.desc(), Receivable.id.desc())
        return self.tx.execute(query.limit(limit).offset(offset)).scalars().all()

    def payments_of(self, receivable_ids: Sequence[int]) -> Sequence[Payment]:
        if not receivable_ids:
            return []
        return self.tx.execute(
            select(Payment).where(Payment.receivable_id.in_(receivable_ids))
            .order_by(Payment.paid_at, Payment.id)).scalars().all()

    def overdue_units(self, company_ids: Sequence[int] | None, now: datetime
                      ) -> dict[int, tuple[int, int]]:
        """company id -> (overdue units, overdue receivables) of open receivables due before
        ``now``; ``company_ids`` None: every company."""
        query = (select(Receivable.company_id,
                        func.sum(Receivable.amount_units - Receivable.paid_units),
                        func.count())
                 .where(Receivable.status == "open", Receivable.due_at < now)
                 .group_by(Receivable.company_id))
        if company_ids is not None:
            query = query.where(Receivable.company_id.in_(company_ids))
        return {int(c): (int(s or 0), int(n)) for c, s, n in self.tx.execute(query)}

    def open_counts(self, company_ids: Sequence[int] | None) -> dict[int, int]:
        query = (select(Receivable.company_id, func.count())
                 .where(Receivable.status == "open").group_by(Receivable.company_id))
        if company_ids is not None:
            query = query.where(Receivable.company_id.in_(company_ids))
        return {int(c): int(n) for c, n in self.tx.execute(query)}

    # -- companies for the seller's overview ----------------------------------------------
    def companies(self, sales_rep_id: int | None, also: int | None = None
                  ) -> list[tuple[Company, CreditTerms | None, CreditAccount | None]]:
        """Companies (every one, or the ones assigned to ``sales_rep_id`` plus ``also``) with
        their terms and account, by name."""
        query: Any = (select(Company, CreditTerms, CreditAccount)
                      .outerjoin(CreditTerms, CreditTerms.company_id == Company.id)
                      .outerjoin(CreditAccount, CreditAccount.company_id == Company.id))
        if sales_rep_id is not None:
            condition = Company.sales_rep_id == sales_rep_id
            if also is not None:
                condition = condition | (Company.id == also)
            query = query.where(condition)
        query = query.order_by(Company.name, Company.id)
        return [(c, t, a) for c, t, a in self.tx.execute(query).all()]
