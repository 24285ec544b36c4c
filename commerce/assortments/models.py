"""The table of assortment rules (S13), created by migration 0011."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - rules reference companies
from catalog.models import Base

EFFECTS = ("include", "exclude")
RULE_KINDS = ("category", "brand", "sku")


class AssortmentRule(Base):
    """One include or exclude rule of a company's or a customer group's assortment: a category
    (with its subtree), a brand or a SKU."""

    __tablename__ = "assortment_rules"
    __table_args__ = (
        CheckConstraint("effect IN ('include', 'exclude')", name="ck_assortment_rules_effect"),
        CheckConstraint("kind IN ('category', 'brand', 'sku')", name="ck_assortment_rules_kind"),
        CheckConstraint("(customer_group IS NULL) <> (company_id IS NULL)",
                        name="ck_assortment_rules_audience"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    customer_group: Mapped[str | None] = mapped_column(String(64), index=True)
    effect: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
