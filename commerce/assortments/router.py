"""``/v1/assortments``: the include/exclude rules of a company (``/companies/{id}``) or of a
customer group (``/groups/{name}``). Sellers with ``assortments.manage`` only; a company's
assortment by the sellers who see the company, a group's by administrators
(:mod:`commerce.prices.scope`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from commerce.assortments.schemas import AssortmentIn
from commerce.assortments.service import AssortmentService
from commerce.db import Tx
from commerce.identity import Principal, require_permission
from commerce.prices import scope

router = APIRouter(tags=["assortments"])
service = AssortmentService()

Manage = Annotated[Principal, Depends(require_permission("assortments.manage"))]
WHAT = "assortments"


@router.get("/v1/assortments")
def list_assortments(tx: Tx, principal: Manage) -> dict[str, Any]:
    """The companies and groups that have rules, and how many (those the caller sees)."""
    items = service.audiences(tx)
    return {"assortments": [
        a for a in items if (scope.sees_company(tx, principal, a["company_id"])
                             if a["company_id"] is not None else principal.is_seller)]}


@router.get("/v1/assortments/companies/{company_id}")
def get_company_assortment(company_id: int, tx: Tx, principal: Manage) -> dict[str, Any]:
    scope.check_manage(tx, principal, company_id, WHAT)
    return service.get(tx, company_id=company_id)


@router.put("/v1/assortments/companies/{company_id}")
def put_company_assortment(company_id: int, body: AssortmentIn, tx: Tx, principal: Manage
                           ) -> dict[str, Any]:
    scope.check_manage(tx, principal, company_id, WHAT)
    return service.put(tx, principal, body.model_dump(), company_id=company_id)


@router.delete("/v1/assortments/companies/{company_id}", status_code=204)
def delete_company_assortment(company_id: int, tx: Tx, principal: Manage) -> Response:
    scope.check_manage(tx, principal, company_id, WHAT)
    service.delete(tx, principal, company_id=company_id)
    return Response(status_code=204)


@router.get("/v1/assortments/groups/{group}")
def get_group_assortment(group: str, tx: Tx, principal: Manage) -> dict[str, Any]:
    scope.check_manage(tx, principal, None, WHAT)
    return service.get(tx, customer_group=group)


@router.put("/v1/assortments/groups/{group}")
def put_group_assortment(group: str, body: AssortmentIn, tx: Tx, principal: Manage
                         ) -> dict[str, Any]:
    scope.check_manage(tx, principal, None, WHAT)
    return service.put(tx, principal, body.model_dump(), customer_group=group)


@router.delete("/v1/assortments/groups/{group}", status_code=204)
def delete_group_assortment(group: str, tx: Tx, principal: Manage) -> Response:
    scope.check_manage(tx, principal, None, WHAT)
    service.delete(tx, principal, customer_group=group)
    return Response(status_code=204)
