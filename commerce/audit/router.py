"""``GET /v1/audit``: the audit log, newest first, with filters. Administrators read all of
it; a sales representative the companies assigned to it; a company admin its own company."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from catalog.errors import InvalidInput
from commerce.audit.repository import AuditRepository
from commerce.audit.service import to_dict
from commerce.db import Tx
from commerce.identity import Principal, company_in_scope, require_permission

router = APIRouter(tags=["audit"])
AuditRead = Annotated[Principal, Depends(require_permission("audit.read"))]


@router.get("/v1/audit")
def read_audit(tx: Tx, principal: AuditRead, company_id: int | None = None,
               actor_id: int | None = None, action: str | None = None,
               target_type: str | None = None, target_id: str | None = None,
               since: datetime | None = None, until: datetime | None = None,
               before_id: int | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """``action``: exact, or a prefix ending in ``*`` (``company.*``); ``before_id``: the next
    page after the smallest id seen."""
    since, until = (v.astimezone(UTC).replace(tzinfo=None) if v and v.tzinfo else v
                    for v in (since, until))
    if principal.seller_role != "administrator":
        if company_id is None:
            if principal.company_id is None:
                raise InvalidInput("company_id is required (the company whose log to read)",
                                   field="company_id")
            company_id = principal.company_id
        company_in_scope(tx, principal, company_id)
    entries = AuditRepository(tx).search(
        company_id=company_id, actor_id=actor_id, action=action, target_type=target_type,
        target_id=target_id, since=since, until=until, before_id=before_id, limit=limit)
    return {"entries": [to_dict(e) for e in entries],
            "next_before_id": entries[-1].id if len(entries) == limit else None}
