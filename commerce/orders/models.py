"""Tables of orders, their lines and their history (created by migration 0013).

Amounts are NUMERIC with four decimals, frozen at submission (the price the buyer saw is the
price of the order, whatever the price lists say later). Times are naive UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - orders reference companies and departments
from catalog.models import Base

ORDER_STATUSES = ("pending_approval", "approved", "placed", "confirmed", "shipped",
                  "delivered", "completed", "rejected", "cancelled")


class Order(Base):
    """One order of a buyer in a company. ``approval_round`` grows each time approval
    restarts (a line change, a withdrawal does not); ``approval_plan`` is the tiers computed
    when the round began (rules changed later do not move an order under way)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_idempotency"),
        CheckConstraint("status IN ('pending_approval', 'approved', 'placed', 'confirmed', "
                        "'shipped', 'delivered', 'completed', 'rejected', 'cancelled')",
                        name="ck_orders_status"),
        Index("ix_orders_company_created", "company_id", "created_at"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("company_departments.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    gross_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    cart_id: Mapped[int | None] = mapped_column(Integer)
    approval_round: Mapped[int] = mapped_column(Integer)
    approval_plan: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class OrderLine(Base):
    """A line with the unit prices frozen at submission and the category and brand the
    approval rules look at."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)
    unit_net: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit_gross: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    net_total: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    gross_total: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    category: Mapped[str | None] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(120))


class OrderTransition(Base):
    """One step of an order's history: from (None when created) and to status, who (and the
    company a seller acted as, the user a substitute stood in for), when, why."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    acting_for_company_id: Mapped[int | None] = mapped_column(Integer)
    on_behalf_of_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)
