"""Tables of customer companies (C2), created by migration 0010."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

import commerce.users.models  # noqa: F401 - companies.sales_rep_id references users
from catalog.models import Base

COMPANY_STATUSES = ("active", "pending", "blocked")


class Company(Base):
    """A customer company. ``customer_group`` selects group price lists; ``sales_rep_id`` is
    the seller's sales representative assigned to it."""

    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'pending', 'blocked')", name="ck_companies_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    customer_group: Mapped[str | None] = mapped_column(String(64), index=True)
    sales_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(64))
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_email: Mapped[str | None] = mapped_column(String(254))
    representative_phone: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Department(Base):
    __tablename__ = "company_departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Address(Base):
    """An address of a department; ``kind``: shipping, billing or other."""

    __tablename__ = "department_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("company_departments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime)
