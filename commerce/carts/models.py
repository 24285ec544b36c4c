"""Tables of carts, their lines and shares, and saved lists (W2), created by migration 0012.

A cart belongs to one user (``owner_id``) in one company; several named carts per owner. A
line is one SKU (adding the SKU again adds to its quantity); ``added_from`` says how it came
in. A share lends a cart to a colleague of the same company, read-only or editable. Saved
lists are named lists of SKUs and quantities a buyer adds to carts from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - carts reference companies and users
from catalog.models import Base

ADDED_FROM = ("sku", "search", "list", "quick_order", "import")
SHARE_ACCESS = ("read", "edit")


class Cart(Base):
    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("company_id", "owner_id", "name", name="uq_carts_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "sku", name="uq_cart_lines_sku"),
        CheckConstraint("qty >= 1", name="ck_cart_lines_qty"),
        CheckConstraint("added_from IN ('sku', 'search', 'list', 'quick_order', 'import')",
                        name="ck_cart_lines_added_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    added_from: Mapped[str] = mapped_column(String(12))
    search_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CartShare(Base):
    __tablename__ = "cart_shares"
    __table_args__ = (
        CheckConstraint("access IN ('read', 'edit')", name="ck_cart_shares_access"),
    )

    cart_id: Mapped[int] = mapped_column(
        ForeignKey("carts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    access: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SavedList(Base):
    """``shared``: every colleague of the company who may order can read it and add from it."""

    __tablename__ = "saved_lists"
    __table_args__ = (
        UniqueConstraint("company_id", "owner_id", "name", name="uq_saved_lists_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SavedListLine(Base):
    __tablename__ = "saved_list_lines"
    __table_args__ = (
        UniqueConstraint("list_id", "sku", name="uq_saved_list_lines_sku"),
        CheckConstraint("qty >= 1", name="ck_saved_list_lines_qty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("saved_lists.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
