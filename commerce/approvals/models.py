"""Tables of approval rules and approval decisions (created by migration 0013)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

import commerce.orders.models  # noqa: F401 - approval records reference orders
from catalog.models import Base


class ApprovalRule(Base):
    """A company's rule: every condition that is set must hold for the rule to match (see
    :mod:`commerce.approvals.engine`); ``tiers``: up to 5 ``{"roles": [...], "users": [...]}``,
    in order, each approved by any one of its roles or users."""

    __tablename__ = "approval_rules"
    __table_args__ = (
        CheckConstraint("budget_period IS NULL OR budget_period IN ('month', 'quarter', 'year')",
                        name="ck_approval_rules_period"),
        CheckConstraint("budget_scope IS NULL OR budget_scope IN ('user', 'department')",
                        name="ck_approval_rules_scope"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str | None] = mapped_column(String(3))
    min_net_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    categories: Mapped[list] = mapped_column(JSON)
    brands: Mapped[list] = mapped_column(JSON)
    min_lines: Mapped[int | None] = mapped_column(Integer)
    buyer_roles: Mapped[list] = mapped_column(JSON)
    budget_scope: Mapped[str | None] = mapped_column(String(10))
    budget_period: Mapped[str | None] = mapped_column(String(10))
    budget_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    tiers: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ApprovalRecord(Base):
    """One decision on an order in one approval round: ``approver_id`` decided at ``tier``
    (``on_behalf_of_id``: the user whose delegated rights were used). A withdrawn approval keeps
    its row with ``withdrawn_at``."""

    __tablename__ = "approval_records"
    __table_args__ = (
        CheckConstraint("decision IN ('approved', 'rejected')", name="ck_approval_records_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    tier: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
