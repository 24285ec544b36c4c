"""All SQL of the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.audit.models import AuditEntry


class AuditRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    def add(self, entry: AuditEntry) -> None:
        self.tx.add(entry)

    def search(self, *, company_id: int | None = None, actor_id: int | None = None,
               action: str | None = None, target_type: str | None = None,
               target_id: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before_id: int | None = None,
               limit: int = 100) -> list[AuditEntry]:
        """Newest first; ``action`` ending in ``.`` or ``*`` matches a prefix."""
        query = select(AuditEntry)
        if company_id is not None:
            query = query.where(AuditEntry.company_id == company_id)
        if actor_id is not None:
            query = query.where(AuditEntry.actor_id == actor_id)
        if action:
            if action.endswith("*"):
                query = query.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
            else:
                query = query.where(AuditEntry.action == action)
        if target_type:
            query = query.where(AuditEntry.target_type == target_type)
        if target_id:
            query = query.where(AuditEntry.target_id == target_id)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        return list(self.tx.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
