"""All SQL of approval rules and approval records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commerce.approvals.models import ApprovalRecord, ApprovalRule


class ApprovalRepository:
    def __init__(self, tx: Session) -> None:
        self.tx = tx

    def rules(self, company_id: int, *, active_only: bool = False) -> list[ApprovalRule]:
        query = select(ApprovalRule).where(ApprovalRule.company_id == company_id)
        if active_only:
            query = query.where(ApprovalRule.active.is_(True))
        return list(self.tx.scalars(query.order_by(ApprovalRule.id)))

    def rule(self, rule_id: int) -> ApprovalRule | None:
        return self.tx.get(ApprovalRule, rule_id)

    def add(self, row: ApprovalRule | ApprovalRecord) -> None:
        self.tx.add(row)
        self.tx.flush()

    def delete(self, row: ApprovalRule) -> None:
        self.tx.delete(row)
        self.tx.flush()

    def records(self, order_id: int, round_: int | None = None) -> list[ApprovalRecord]:
        query = select(ApprovalRecord).where(ApprovalRecord.order_id == order_id)
        if round_ is not None:
            query = query.where(ApprovalRecord.round == round_)
        return list(self.tx.scalars(query.order_by(ApprovalRecord.id)))
