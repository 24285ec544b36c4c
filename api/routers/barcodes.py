"""Search by barcode or QR code (S10): a photo of one or more codes finds their products."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from api.capture import barcode_search
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ERRORS
from api.uploads import read_limited

router = APIRouter(prefix="/v1/search", tags=["search"])


class CodeOut(BaseModel):
    format: str = Field(description="EAN-13, EAN-8, UPC-A, UPC-E, Code 128, QR Code, DataMatrix, ...")
    text: str
    position: list[list[int]] | None = Field(None, description="The code's corners in the "
                                             "(upright) image: top-left, top-right, "
                                             "bottom-right, bottom-left, as [x, y].")
    skus: list[str] = Field([], description="The products this code found.")


class BarcodeSearchResponse(BaseModel):
    codes: list[CodeOut]
    hits: list[dict[str, Any]] = Field(description="The products, as /v1/search renders hits, "
                                       "with `found_by`: the codes ({format, text}) that found "
                                       "each.")
    unknown_codes: list[dict[str, str]] = Field(description="Codes that found no product "
                                                "({format, text}).")
    total: int
    took_ms: float
    search_id: str | None = None


@router.post("/barcode", response_model=None,
             responses={200: {"model": BarcodeSearchResponse}, **ERRORS})
def search_barcode(
    request: Request,
    image: UploadFile | None = File(None, description="A photo or scan with one or more "
                                    "barcodes or QR codes (JPEG, PNG, WebP, ...)."),
    filter: list[str] = Query(  # noqa: A002 - the public parameter name
        [], description="As for /v1/search: only products passing these filters are found."),
    customer_group: str | None = Query(None, max_length=64, description="The buyer's customer "
                                       "group, for query rules limited to groups."),
    svc: Services = Depends(services),
) -> Response:
    """Decode EAN-13, EAN-8, UPC-A/E, Code 128, QR and DataMatrix codes in the image; a GTIN
    finds its product, a QR code with a SKU or a product URL finds that product, a Code 128
    its SKU or MPN. Codes that name no product are listed in `unknown_codes`. An image
    without a readable code answers 200 with no codes."""
    reject_unknown_params(request, {"filter", "customer_group"})
    data = read_limited(request, image, limit_mb=svc.settings.max_image_mb, field="image")
    body = barcode_search(svc, data, filters=filter, customer_group=customer_group)
    body["search_id"] = svc.analytics.log_search(
        ("barcode: " + " ".join(c["text"] for c in body["codes"]))[:256],
        filters=filter, hit_count=body["total"], took_ms=body["took_ms"], config="barcode",
        page=1)
    return json_response(body)
