"""The audit log table (created by migration 0010)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.models import Base


class AuditEntry(Base):
    """One change: who (``actor``, and ``acting_for_company_id`` when a seller acted as a
    customer company, ``on_behalf_of_id`` when a substitute used a delegation), what
    (``action``, ``target_type``/``target_id``, ``details``) and in which company. No foreign
    keys: the log outlives what it names."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_company_at", "company_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    acting_for_company_id: Mapped[int | None] = mapped_column(Integer)
    on_behalf_of_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict] = mapped_column(JSON)
