"""The product card (P1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Response

from api.container import Services
from api.deps import json_response, services
from api.schemas import ERRORS
from catalog.errors import NotFound
from catalog.fields import BY_NAME

router = APIRouter(prefix="/v1", tags=["products"])

_CERTIFICATE_KINDS = {"certificate", "declaration", "ce", "iso"}


def product_card(svc: Services, sku: str) -> dict[str, Any]:
    record = svc.store.get(sku)
    if record is None:
        raise NotFound(f"no product with SKU {sku!r}", field="sku")
    members = svc.store.variants(record.get("parent_sku") or sku)
    documents = record.pop("documents")
    specs = {
        name: {"label": BY_NAME[name].label, "value": record[name], "unit": BY_NAME[name].unit}
        for name in ("model", "manufacturer", "country_of_origin", "color", "material",
                     "composition", "weight_kg", "length_mm", "width_mm", "height_mm",
                     "pieces_per_package", "packages_per_pallet")
        if record.get(name) is not None
    }
    return {
        **record,
        "specifications": specs,
        "documents": documents,
        "certificates": [d for d in documents if (d.get("kind") or "").lower() in _CERTIFICATE_KINDS],
        "variants": members if len(members) > 1 else [],
    }


@router.get("/products/{sku}", response_model=None, responses=ERRORS)
def get_product(sku: str = Path(..., max_length=64), svc: Services = Depends(services)) -> Response:
    return json_response(product_card(svc, sku))
