"""Credit terms, payments and the overview (C12, C13).

Seller side: ``GET/PUT /v1/companies/{id}/credit-terms`` (``prices.read`` / ``prices.manage``;
changing terms takes a seller-side role, and is audited), ``POST /v1/companies/{id}/payments``
(``payments.record``). Buyer side: ``GET /v1/credit`` (``prices.read``: the own company's
terms, outstanding, available and overdue amounts) and ``GET /v1/credit/overview``
(``orders.read_all``: a seller's companies, or one company's receivables with their payments).
Companies the caller does not see answer 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from commerce.credit.schemas import PaymentIn, TermsIn
from commerce.credit.service import MAX_CREDIT_UNITS, CreditService
from commerce.db import Tx
from commerce.identity import Forbidden, Principal, company_in_scope, require_permission
from commerce.prices.money import to_units
from commerce.prices.service import parse_time

router = APIRouter(tags=["credit"])
service = CreditService()

PricesRead = Annotated[Principal, Depends(require_permission("prices.read"))]
PricesManage = Annotated[Principal, Depends(require_permission("prices.manage"))]
PaymentsRecord = Annotated[Principal, Depends(require_permission("payments.record"))]
OrdersReadAll = Annotated[Principal, Depends(require_permission("orders.read_all"))]


def _company(tx: Session, principal: Principal, company_id: int | None) -> int:
    """The company a buyer-side request is about: a customer's own (naming another is 404); a
    seller's choice, or the company it acts as."""
    if company_id is None:
        if principal.company_id is None:
            raise InvalidInput("name the company (?company_id=) or act as one",
                               field="company_id")
        company_id = principal.company_id
    company_in_scope(tx, principal, company_id)
    return company_id


@router.get("/v1/companies/{company_id}/credit-terms")
def get_terms(company_id: int, tx: Tx, principal: PricesRead) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return service.terms(tx, company_id)


@router.put("/v1/companies/{company_id}/credit-terms")
def put_terms(company_id: int, body: TermsIn, tx: Tx, principal: PricesManage
              ) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    if not principal.is_seller:
        raise Forbidden("only the seller's staff change credit terms")
    return service.set_terms(tx, principal, company_id, body.model_dump())


@router.post("/v1/companies/{company_id}/payments", status_code=201)
def record_payment(company_id: int, body: PaymentIn, tx: Tx, principal: PaymentsRecord
                   ) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    amount = to_units(body.amount, "amount", minimum=1, maximum=MAX_CREDIT_UNITS,
                      what="amount")
    paid_at = parse_time(body.paid_at, "paid_at") or service.clock()
    return service.record_payment(tx, principal, body.order_id, amount, paid_at,
                                  company_id=company_id)


@router.get("/v1/credit")
def my_credit(tx: Tx, principal: PricesRead, company_id: int | None = None) -> dict[str, Any]:
    return service.terms(tx, _company(tx, principal, company_id))


@router.get("/v1/credit/overview")
def overview(tx: Tx, principal: OrdersReadAll, company_id: int | None = None,
             status: str | None = None, overdue: bool = False,
             offset: Annotated[int, Query(ge=0)] = 0,
             limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """A seller without ``company_id``: every company it sees (administrator: all; sales
    representative: its own and the one it acts as) with outstanding and overdue amounts.
    Otherwise one company (a customer: its own) with its receivables and payments."""
    if principal.is_seller and company_id is None:
        return {"companies": service.companies_overview(
            tx, sales_rep_id=None if principal.seller_role == "administrator"
            else principal.user_id, also=principal.company_id, overdue=overdue,
            status=status)}
    target = _company(tx, principal, company_id)
    return {"company": service.terms(tx, target),
            "receivables": service.receivables(tx, target, status=status, overdue=overdue,
                                               limit=limit, offset=offset)}
