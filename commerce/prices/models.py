"""Tables of price lists, discounts and VAT (P3), created by migration 0011.

Amounts are NUMERIC with four decimals (exact; see :mod:`commerce.prices.money`). Times are
naive UTC like every other table; a validity window is ``valid_from <= at < valid_to`` with
either end open (NULL).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - price lists and discounts reference companies
from catalog.models import Base

PRICE_LIST_KINDS = ("base", "group", "customer")
DISCOUNT_KINDS = ("percent", "fixed")
TARGET_KINDS = ("product", "brand", "category")


class PriceList(Base):
    """A base list (everyone), a customer-group list (``customer_group``) or a customer's
    contract list (``company_id``), in one currency."""

    __tablename__ = "price_lists"
    __table_args__ = (
        CheckConstraint("kind IN ('base', 'group', 'customer')", name="ck_price_lists_kind"),
        CheckConstraint(
            "(kind = 'base' AND customer_group IS NULL AND company_id IS NULL)"
            " OR (kind = 'group' AND customer_group IS NOT NULL AND company_id IS NULL)"
            " OR (kind = 'customer' AND company_id IS NOT NULL AND customer_group IS NULL)",
            name="ck_price_lists_audience"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    customer_group: Mapped[str | None] = mapped_column(String(64), index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    priority: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PriceListLine(Base):
    """One quantity tier of one SKU: from ``min_qty`` pieces on, ``unit_price`` a piece. The
    SKU is not a foreign key: a line of a product deleted from the catalog is kept (it applies
    again when the product comes back) and simply matches nothing meanwhile."""

    __tablename__ = "price_list_lines"
    __table_args__ = (
        UniqueConstraint("price_list_id", "sku", "min_qty", name="uq_price_list_lines_tier"),
        CheckConstraint("min_qty >= 1", name="ck_price_list_lines_min_qty"),
        CheckConstraint("unit_price >= 0", name="ck_price_list_lines_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    price_list_id: Mapped[int] = mapped_column(
        ForeignKey("price_lists.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64), index=True)
    min_qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(18, 4))


class Discount(Base):
    """A percentage or fixed (per unit, in ``currency``) discount on a product, a brand or a
    category subtree, for one customer group or one company."""

    __tablename__ = "discounts"
    __table_args__ = (
        CheckConstraint("kind IN ('percent', 'fixed')", name="ck_discounts_kind"),
        CheckConstraint("target_kind IN ('product', 'brand', 'category')",
                        name="ck_discounts_target_kind"),
        CheckConstraint(
            "(customer_group IS NULL) <> (company_id IS NULL)", name="ck_discounts_audience"),
        CheckConstraint("kind = 'percent' OR currency IS NOT NULL", name="ck_discounts_currency"),
        CheckConstraint("value >= 0", name="ck_discounts_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    target_kind: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(300))
    customer_group: Mapped[str | None] = mapped_column(String(64), index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class TaxRate(Base):
    """The VAT rate (percent) of a product tax class in a country."""

    __tablename__ = "tax_rates"
    __table_args__ = (CheckConstraint("rate >= 0 AND rate < 100", name="ck_tax_rates_rate"),)

    tax_class: Mapped[str] = mapped_column(String(40), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProductTaxClass(Base):
    """A product's tax class where it is not the default (``standard``)."""

    __tablename__ = "product_tax_classes"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    tax_class: Mapped[str] = mapped_column(String(40))


class CommerceVersion(Base):
    """A counter per kind of cached commerce data (``prices``, ``assortments``), bumped in the
    transaction of every write, so that processes holding a cached copy see the change."""

    __tablename__ = "commerce_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
