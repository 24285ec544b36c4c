"""A company's own part numbers for the seller's SKUs (W2), created by migration 0012.

Quick orders and imported shopping lists may name products by the customer's part numbers;
``part_key`` is the number normalised like every part number (case, spaces, dashes, dots and
slashes do not matter), unique per company.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import commerce.companies.models  # noqa: F401 - mappings reference companies
from catalog.models import Base


class CustomerPartNumber(Base):
    __tablename__ = "customer_part_numbers"
    __table_args__ = (
        UniqueConstraint("company_id", "part_key", name="uq_customer_part_numbers_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    part_number: Mapped[str] = mapped_column(String(100))
    part_key: Mapped[str] = mapped_column(String(100))
    sku: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
