"""``/v1/companies/{company_id}/approval-rules`` (a company's approval workflow: read with
``company.read``, changed with ``approvals.configure``) and ``POST /v1/approvals/preview``
(C10: which rules an order of these lines would match and who must approve it, per tier)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from commerce.approvals.schemas import PreviewIn, RuleIn
from commerce.approvals.service import ApprovalService
from commerce.db import Tx
from commerce.identity import Principal, company_in_scope, require_permission

router = APIRouter(tags=["approvals"])
service = ApprovalService()

CompanyRead = Annotated[Principal, Depends(require_permission("company.read"))]
Configure = Annotated[Principal, Depends(require_permission("approvals.configure"))]
Place = Annotated[Principal, Depends(require_permission("orders.place"))]


@router.post("/v1/approvals/preview")
def preview(body: PreviewIn, tx: Tx, principal: Place) -> dict[str, Any]:
    """For the signed-in buyer's current company, priced with its prices."""
    return service.preview(tx, principal, [x.model_dump() for x in body.lines],
                           currency=body.currency, country=body.country,
                           department_id=body.department_id)


@router.get("/v1/companies/{company_id}/approval-rules")
def list_rules(company_id: int, tx: Tx, principal: CompanyRead) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return {"rules": service.list_rules(tx, company_id)}


@router.post("/v1/companies/{company_id}/approval-rules", status_code=201)
def create_rule(company_id: int, body: RuleIn, tx: Tx, principal: Configure) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return service.create_rule(tx, principal, company_id, body.values())


@router.get("/v1/companies/{company_id}/approval-rules/{rule_id}")
def get_rule(company_id: int, rule_id: int, tx: Tx, principal: CompanyRead) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return service.get_rule(tx, company_id, rule_id)


@router.put("/v1/companies/{company_id}/approval-rules/{rule_id}")
def replace_rule(company_id: int, rule_id: int, body: RuleIn, tx: Tx, principal: Configure
                 ) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return service.update_rule(tx, principal, company_id, rule_id, body.values())


@router.delete("/v1/companies/{company_id}/approval-rules/{rule_id}", status_code=204)
def delete_rule(company_id: int, rule_id: int, tx: Tx, principal: Configure) -> Response:
    company_in_scope(tx, principal, company_id)
    service.delete_rule(tx, principal, company_id, rule_id)
    return Response(status_code=204)
