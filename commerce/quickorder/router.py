"""``/v1/carts/{cart_id}/quick-order`` (pasted lines) and ``/v1/carts/{cart_id}/import`` (an
uploaded .xlsx, .xls or .csv shopping list) into a cart (W2), and
``/v1/companies/{company_id}/part-numbers``: the customer's own part numbers they may use
(read with ``company.read``, changed with ``company.manage``; other companies' are 404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Response, UploadFile

from catalog.errors import PayloadTooLarge
from commerce.db import Tx
from commerce.identity import Principal, company_in_scope, require_permission
from commerce.quickorder.schemas import PartNumbersIn, QuickOrderIn
from commerce.quickorder.service import MAX_FILE_BYTES, QuickOrderService

router = APIRouter(tags=["carts"])
service = QuickOrderService()

Buyer = Annotated[Principal, Depends(require_permission("orders.place"))]
CompanyRead = Annotated[Principal, Depends(require_permission("company.read"))]
CompanyManage = Annotated[Principal, Depends(require_permission("company.manage"))]


@router.post("/v1/carts/{cart_id}/quick-order")
def quick_order(cart_id: int, body: QuickOrderIn, tx: Tx, principal: Buyer) -> dict[str, Any]:
    """Pasted lines ``SKU qty`` (spaces, tabs, commas or semicolons): matched rows are added,
    the others reported with row, field, value and reason."""
    return service.paste(tx, principal, cart_id, body.text)


@router.post("/v1/carts/{cart_id}/import")
def import_list(cart_id: int, tx: Tx, principal: Buyer,
                file: UploadFile = File(..., description=".xlsx, .xls or .csv shopping list")
                ) -> dict[str, Any]:
    """A shopping list: columns recognised by name (sku, article, item, part number, MPN,
    GTIN/EAN, customer part number; qty, quantity, amount; German names too)."""
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"a shopping list may have at most {MAX_FILE_BYTES // 2**20} MB",
                              field="file")
    return service.upload(tx, principal, cart_id, data, file.filename)


@router.get("/v1/companies/{company_id}/part-numbers")
def list_part_numbers(company_id: int, tx: Tx, principal: CompanyRead) -> dict[str, Any]:
    company_in_scope(tx, principal, company_id)
    return {"part_numbers": service.part_numbers(tx, company_id)}


@router.post("/v1/companies/{company_id}/part-numbers")
def add_part_numbers(company_id: int, body: PartNumbersIn, tx: Tx, principal: CompanyManage
                     ) -> dict[str, Any]:
    """Add or change mappings ``{part_number, sku}`` (all or nothing)."""
    company_in_scope(tx, principal, company_id)
    return service.put_part_numbers(tx, principal, company_id, body.part_numbers)


@router.put("/v1/companies/{company_id}/part-numbers")
def replace_part_numbers(company_id: int, body: PartNumbersIn, tx: Tx,
                         principal: CompanyManage) -> dict[str, Any]:
    """The company's mappings become exactly these."""
    company_in_scope(tx, principal, company_id)
    return service.put_part_numbers(tx, principal, company_id, body.part_numbers, replace=True)


@router.delete("/v1/companies/{company_id}/part-numbers/{mapping_id}", status_code=204)
def delete_part_number(company_id: int, mapping_id: int, tx: Tx, principal: CompanyManage
                       ) -> Response:
    company_in_scope(tx, principal, company_id)
    service.delete_part_number(tx, principal, company_id, mapping_id)
    return Response(status_code=204)
