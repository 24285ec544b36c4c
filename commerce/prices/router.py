"""``/v1/price-lists``, ``/v1/discounts``, ``/v1/tax-rates`` and ``/v1/prices/quote``: managing
prices (P3) and quoting them for the current buyer. Who may do what: :mod:`commerce.prices.scope`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput, PayloadTooLarge
from commerce.db import Tx
from commerce.identity import Principal, require_permission
from commerce.prices import scope
from commerce.prices.engine import naive_utc
from commerce.prices.schemas import (
    DiscountIn,
    DiscountPatch,
    LinesIn,
    PriceListIn,
    PriceListPatch,
    QuoteIn,
    TaxClassIn,
    TaxRateIn,
)
from commerce.prices.service import PriceService, parse_time

router = APIRouter(tags=["prices"])
service = PriceService()
MAX_CSV_BYTES = 64 * 1024 * 1024

PricesRead = Annotated[Principal, Depends(require_permission("prices.read"))]
PricesManage = Annotated[Principal, Depends(require_permission("prices.manage"))]


def _visible(tx: Session, principal: Principal, items: list[dict[str, Any]]
             ) -> list[dict[str, Any]]:
    seen: dict[int, bool] = {}

    def ok(company_id: int | None) -> bool:
        if company_id is None:
            return principal.is_seller
        if company_id not in seen:
            seen[company_id] = scope.sees_company(tx, principal, company_id)
        return seen[company_id]

    return [item for item in items if ok(item["company_id"])]


# -- price lists -----------------------------------------------------------------------------
@router.get("/v1/price-lists")
def list_price_lists(tx: Tx, principal: PricesRead, kind: str | None = None,
                     company_id: int | None = None, customer_group: str | None = None
                     ) -> dict[str, Any]:
    items = service.lists(tx, kind=kind, company_id=company_id, customer_group=customer_group)
    return {"price_lists": _visible(tx, principal, items)}


@router.post("/v1/price-lists", status_code=201)
def create_price_list(body: PriceListIn, tx: Tx, principal: PricesManage) -> dict[str, Any]:
    data = body.model_dump()
    scope.check_manage(tx, principal, data["company_id"] if data["kind"] == "customer" else None)
    return service.create_list(tx, principal, data)


def _list_for(tx: Session, principal: Principal, list_id: int, manage: bool) -> dict[str, Any]:
    item = service.get_list(tx, list_id)
    scope.check_read(tx, principal, item["company_id"], "price list", list_id)
    if manage:
        scope.check_manage(tx, principal, item["company_id"])
    return item


@router.get("/v1/price-lists/{list_id}")
def get_price_list(list_id: int, tx: Tx, principal: PricesRead) -> dict[str, Any]:
    return _list_for(tx, principal, list_id, manage=False)


@router.patch("/v1/price-lists/{list_id}")
def update_price_list(list_id: int, body: PriceListPatch, tx: Tx, principal: PricesManage
                      ) -> dict[str, Any]:
    _list_for(tx, principal, list_id, manage=True)
    data = body.model_dump(exclude_unset=True)
    if data.get("company_id") is not None:
        scope.check_manage(tx, principal, data["company_id"])
    return service.update_list(tx, principal, list_id, data)


@router.delete("/v1/price-lists/{list_id}", status_code=204)
def delete_price_list(list_id: int, tx: Tx, principal: PricesManage) -> Response:
    _list_for(tx, principal, list_id, manage=True)
    service.delete_list(tx, principal, list_id)
    return Response(status_code=204)


@router.get("/v1/price-lists/{list_id}/lines")
def get_lines(list_id: int, tx: Tx, principal: PricesRead, sku: str | None = None,
              offset: Annotated[int, Query(ge=0)] = 0,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict[str, Any]:
    _list_for(tx, principal, list_id, manage=False)
    return {"lines": service.lines(tx, list_id, sku=sku, offset=offset, limit=limit)}


@router.post("/v1/price-lists/{list_id}/lines")
def add_lines(list_id: int, body: LinesIn, tx: Tx, principal: PricesManage) -> dict[str, Any]:
    """Add tiers; a tier (SKU, min_qty) the list has gets the new price. All or nothing."""
    _list_for(tx, principal, list_id, manage=True)
    return service.put_lines(tx, principal, list_id, body.lines)


@router.put("/v1/price-lists/{list_id}/lines")
def replace_lines(list_id: int, body: LinesIn, tx: Tx, principal: PricesManage
                  ) -> dict[str, Any]:
    """The list's lines become exactly these. All or nothing."""
    _list_for(tx, principal, list_id, manage=True)
    return service.put_lines(tx, principal, list_id, body.lines, replace=True)


@router.delete("/v1/price-lists/{list_id}/lines/{sku}", status_code=204)
def delete_line(list_id: int, sku: str, tx: Tx, principal: PricesManage,
                min_qty: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """One tier (``min_qty``), or every tier of the SKU."""
    _list_for(tx, principal, list_id, manage=True)
    service.delete_line(tx, principal, list_id, sku, min_qty)
    return Response(status_code=204)


@router.post("/v1/price-lists/{list_id}/import")
def import_lines(list_id: int, tx: Tx, principal: PricesManage,
                 file: UploadFile = File(..., description="CSV: sku, unit_price, min_qty"),
                 atomic: bool = False) -> dict[str, Any]:
    """CSV import: good rows are saved, bad rows reported; ``atomic=true``: all or nothing."""
    _list_for(tx, principal, list_id, manage=True)
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"a CSV file may have at most {MAX_CSV_BYTES // 2**20} MB",
                              field="file")
    return service.import_csv(tx, principal, list_id, data, atomic=atomic)


# -- discounts -------------------------------------------------------------------------------
@router.get("/v1/discounts")
def list_discounts(tx: Tx, principal: PricesRead, company_id: int | None = None,
                   customer_group: str | None = None) -> dict[str, Any]:
    items = service.discounts(tx, company_id=company_id, customer_group=customer_group)
    return {"discounts": _visible(tx, principal, items)}


@router.post("/v1/discounts", status_code=201)
def create_discount(body: DiscountIn, tx: Tx, principal: PricesManage) -> dict[str, Any]:
    data = body.model_dump()
    scope.check_manage(tx, principal, data["company_id"])
    return service.create_discount(tx, principal, data)


def _discount_for(tx: Session, principal: Principal, discount_id: int, manage: bool
                  ) -> dict[str, Any]:
    item = service.get_discount(tx, discount_id)
    scope.check_read(tx, principal, item["company_id"], "discount", discount_id)
    if manage:
        scope.check_manage(tx, principal, item["company_id"])
    return item


@router.get("/v1/discounts/{discount_id}")
def get_discount(discount_id: int, tx: Tx, principal: PricesRead) -> dict[str, Any]:
    return _discount_for(tx, principal, discount_id, manage=False)


@router.patch("/v1/discounts/{discount_id}")
def update_discount(discount_id: int, body: DiscountPatch, tx: Tx, principal: PricesManage
                    ) -> dict[str, Any]:
    _discount_for(tx, principal, discount_id, manage=True)
    data = body.model_dump(exclude_unset=True)
    if data.get("company_id") is not None:
        scope.check_manage(tx, principal, data["company_id"])
    elif "customer_group" in data:
        scope.check_manage(tx, principal, None)
    return service.update_discount(tx, principal, discount_id, data)


@router.delete("/v1/discounts/{discount_id}", status_code=204)
def delete_discount(discount_id: int, tx: Tx, principal: PricesManage) -> Response:
    _discount_for(tx, principal, discount_id, manage=True)
    service.delete_discount(tx, principal, discount_id)
    return Response(status_code=204)


# -- VAT -------------------------------------------------------------------------------------
@router.get("/v1/tax-rates")
def list_tax_rates(tx: Tx, principal: PricesRead, country: str | None = None
                   ) -> dict[str, Any]:
    return {"tax_rates": service.tax_rates(tx, country)}


@router.put("/v1/tax-rates/products/{sku}")
def set_tax_class(sku: str, body: TaxClassIn, tx: Tx, principal: PricesManage
                  ) -> dict[str, Any]:
    """A product's tax class (null: back to ``standard``)."""
    scope.check_manage(tx, principal, None)
    return service.set_product_tax_class(tx, principal, sku, body.tax_class)


@router.put("/v1/tax-rates/{country}/{tax_class}")
def put_tax_rate(country: str, tax_class: str, body: TaxRateIn, tx: Tx,
                 principal: PricesManage) -> dict[str, Any]:
    scope.check_manage(tx, principal, None)
    return service.put_tax_rate(tx, principal, country, tax_class, body.rate)


@router.delete("/v1/tax-rates/{country}/{tax_class}", status_code=204)
def delete_tax_rate(country: str, tax_class: str, tx: Tx, principal: PricesManage) -> Response:
    scope.check_manage(tx, principal, None)
    service.delete_tax_rate(tx, principal, country, tax_class)
    return Response(status_code=204)


# -- quotes ----------------------------------------------------------------------------------
@router.get("/v1/prices/quote")
def quote(tx: Tx, principal: PricesRead, sku: str, currency: str,
          qty: Annotated[int, Query(ge=1, le=10**9)] = 1, country: str | None = None,
          company_id: int | None = None, at: str | None = None) -> dict[str, Any]:
    """The current buyer's price of ``qty`` pieces (a seller may name a company it sees)."""
    company = scope.quote_company(tx, principal, company_id)
    when = naive_utc(parse_time(at, "at"))
    return {"company_id": company, "at": when.isoformat(), **service.quote(
        tx, company, sku, qty, currency, country, when).to_dict()}


@router.post("/v1/prices/quote")
def quote_many(body: QuoteIn, tx: Tx, principal: PricesRead) -> dict[str, Any]:
    """Quotes of up to 1,000 items (a cart)."""
    if not body.items:
        raise InvalidInput("items is empty", field="items")
    company = scope.quote_company(tx, principal, body.company_id)
    when = naive_utc(parse_time(body.at, "at"))
    quotes = service.quote_many(tx, company, [(i.sku, i.qty) for i in body.items],
                                body.currency, body.country, when)
    return {"company_id": company, "at": when.isoformat(),
            "quotes": [q.to_dict() for q in quotes]}
