"""Tables of credit terms, credit accounts, receivables and payments (C12, C13), created by
migration 0014.

Amounts are integer *price units* (BigInteger): 1/10,000 of the currency's main unit, the unit
of :mod:`commerce.prices.money` (``PRICE_SCALE``), so 12.34 EUR is 123400 and 1,234 JPY is
12,340,000. Times are naive UTC like every other table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - credit rows reference companies
from catalog.models import Base

MODES = ("prepayment", "trade_credit")
LIMIT_SCOPES = ("per_order", "outstanding")
RECEIVABLE_STATUSES = ("open", "paid", "cancelled")


class CreditTerms(Base):
    """A company's settlement terms. No row means prepayment (new customers)."""

    __tablename__ = "credit_terms"
    __table_args__ = (
        CheckConstraint("mode IN ('prepayment', 'trade_credit')", name="ck_credit_terms_mode"),
        CheckConstraint("limit_scope IN ('per_order', 'outstanding')",
                        name="ck_credit_terms_limit_scope"),
        CheckConstraint("limit_units >= 0", name="ck_credit_terms_limit"),
        CheckConstraint("term_days >= 0", name="ck_credit_terms_term_days"),
    )

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    limit_units: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    term_days: Mapped[int] = mapped_column(Integer)
    limit_scope: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class CreditAccount(Base):
    """What a company owes on credit now: the row every reservation, release and payment locks
    (``SELECT ... FOR UPDATE`` on PostgreSQL), so checks against the limit are serialised."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        CheckConstraint("outstanding_units >= 0", name="ck_credit_accounts_outstanding"),
    )

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    outstanding_units: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Receivable(Base):
    """The credit one order uses: from placement until paid or cancelled. ``order_id`` is not a
    foreign key (orders live in another package's migration); it is unique: one per order."""

    __tablename__ = "credit_receivables"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'paid', 'cancelled')",
                        name="ck_credit_receivables_status"),
        CheckConstraint("amount_units >= 0 AND paid_units >= 0 AND paid_units <= amount_units",
                        name="ck_credit_receivables_amounts"),
        Index("ix_credit_receivables_company_status", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(Integer, unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    amount_units: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    paid_units: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)


class Payment(Base):
    """A payment recorded against an order's receivable (by the seller's staff)."""

    __tablename__ = "credit_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    receivable_id: Mapped[int] = mapped_column(
        ForeignKey("credit_receivables.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    company_id: Mapped[int] = mapped_column(Integer)
    amount_units: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int | None] = mapped_column(Integer)
    recorded_by_label: Mapped[str] = mapped_column(String(254))
