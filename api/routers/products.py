"""The product card (P1) and its printable sheet (P2)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Path, Request, Response

from api.container import Services
from api.deps import buyer_view, json_response, reject_unknown_params, services
from api.links import absolute, base_url, thumbnail_url
from api.schemas import ERRORS
from catalog.errors import NotFound
from catalog.fields import BY_NAME
from catalog.store import stored_media_sha
from ranking.documents import document_url
from ranking.personal import BuyerView

router = APIRouter(prefix="/v1", tags=["products"])
log = logging.getLogger("discovery.api")

_CERTIFICATE_KINDS = {"certificate", "declaration", "ce", "iso"}
MEDIA_GROUPS = ("image", "video", "diagram", "cad", "other")
_MEDIA_KIND = {
    "image": "image", "photo": "image", "picture": "image",
    "video": "video", "movie": "video",
    "diagram": "diagram", "drawing": "diagram", "schematic": "diagram", "sketch": "diagram",
    "dimension drawing": "diagram",
    "cad": "cad", "3d": "cad", "3d model": "cad", "cad/3d": "cad", "model": "cad", "step": "cad",
    "stl": "cad",
}
_SHEET_IMAGE_PX = 512


def media_group(kind: str | None) -> str:
    """image, video, diagram, cad (CAD and 3D models) or other."""
    return _MEDIA_KIND.get((kind or "").strip().lower(), "other")


def product_card(svc: Services, sku: str, base: str = "") -> dict[str, Any]:
    record = svc.store.get(sku)
    if record is None:
        raise NotFound(f"no product with SKU {sku!r}", field="sku")
    members = svc.store.variants(record.get("parent_sku") or sku)
    links = record.pop("documents")
    record.pop("document_text", None)
    infos = svc.store.documents([d["document_id"] for d in links if d.get("document_id")])
    documents = []
    for d in links:
        info = infos.get(d.get("document_id") or 0)
        url = document_url(info.id) if info else d["url"]
        documents.append({
            "id": info.id if info else None,
            "kind": d.get("kind"),
            "title": d.get("title") or (info.filename if info else None),
            "url": absolute(base, url),
            "download_url": absolute(base, url),
            "filename": info.filename if info else None,
            "media_type": info.media_type if info else None,
            "pages": info.page_count if info else None,
            "size_bytes": info.size_bytes if info else None,
            "searchable": (info.status == "ok") if info else None,  # None: a remote link
        })
    media: dict[str, list[dict[str, Any]]] = {group: [] for group in MEDIA_GROUPS}
    for url in record.get("images") or []:
        media["image"].append(_media_item(base, "image", url, None))
    for m in record.get("media") or []:
        media[media_group(m.get("kind"))].append(
            _media_item(base, m.get("kind") or "file", m["url"], m.get("title")))
    record["images"] = [absolute(base, url) for url in record.get("images") or []]
    record.pop("media", None)
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
        "media": media,
        "variants": members if len(members) > 1 else [],
        "sheet_url": absolute(base, f"/v1/products/{sku}.pdf"),
    }


def _media_item(base: str, kind: str, url: str, title: str | None) -> dict[str, Any]:
    sha = stored_media_sha(url)
    item: dict[str, Any] = {"id": sha, "kind": kind, "title": title, "url": absolute(base, url)}
    if sha and media_group(kind) in ("image", "diagram"):
        item["thumbnail_url"] = absolute(base, thumbnail_url(sha))
    return item


@router.get("/products/{sku}.pdf", response_model=None,
            responses={200: {"content": {"application/pdf": {}}}, **ERRORS})
def product_sheet(request: Request, sku: str = Path(..., max_length=64),
                  svc: Services = Depends(services),
                  buyer: BuyerView | None = Depends(buyer_view)) -> Response:
    """The product card as a printable PDF: name, SKU/MPN/GTIN, brand, main image (a stored
    one), net prices per piece and package, specifications, documents, media and variants."""
    from api.product_sheet import render_product_sheet

    reject_unknown_params(request, set())
    base = base_url(request)
    card = for_buyer(product_card(svc, sku, base), buyer)
    # A sheet takes ~0.3 s (font subsetting): a browser that has this one revalidates cheaply.
    etag = _sheet_etag(card)
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    pdf, unicode_ok = render_product_sheet(card, base_url=base, image=_main_image(svc, card))
    headers = {"Content-Disposition": f'inline; filename="{_file_name(sku)}.pdf"',
               "Cache-Control": "no-cache", "ETag": etag}
    if not unicode_ok:
        headers["X-Discovery-Transliterated"] = "true"  # no Unicode font on this machine
    return Response(pdf, media_type="application/pdf", headers=headers)


def _sheet_etag(card: dict[str, Any]) -> str:
    """What the sheet shows: the card, the day (printed in the footer) and the font."""
    from api.product_sheet import find_fonts

    body = orjson.dumps(card, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    stamp = f"{datetime.now(UTC).date()}|{find_fonts() is not None}".encode()
    return '"' + hashlib.blake2b(body + stamp, digest_size=16).hexdigest() + '"'


def _file_name(sku: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in sku) or "product"


def _main_image(svc: Services, card: dict[str, Any]) -> bytes | None:
    """The first stored image, re-encoded small (never the original bytes into the PDF)."""
    from api.thumbnails import BadImage, render

    for item in card["media"]["image"]:
        if item.get("id") and svc.files is not None:
            path = svc.files.path(item["id"])
            if path.is_file():
                try:
                    return render(path, _SHEET_IMAGE_PX, svc.settings.max_image_pixels)[0]
                except BadImage as exc:
                    log.warning("product sheet of %s without its image: %s", card["sku"],
                                exc.detail)
                    return None
    return None


@router.get("/products/{sku}", response_model=None, responses=ERRORS)
def get_product(request: Request, sku: str = Path(..., max_length=64),
                svc: Services = Depends(services),
                buyer: BuyerView | None = Depends(buyer_view)) -> Response:
    """The product card: attributes, specifications, variants, documents (kind, pages,
    download URL), media grouped by type (image, video, diagram, cad, other; stored images
    with a thumbnail URL), certificates. For a buyer (sign-in or company key): 404 outside
    the company's assortment, and the buyer's own price per piece (the catalog's as
    ``list_price_per_piece``)."""
    return json_response(for_buyer(product_card(svc, sku, base_url(request)), buyer))


def for_buyer(card: dict[str, Any], buyer: BuyerView | None) -> dict[str, Any]:
    if buyer is None:
        return card
    if not buyer.allows(card):
        raise NotFound(f"no product with SKU {card['sku']!r}", field="sku")
    if buyer.prices is not None:
        card["list_price_per_piece"] = card.get("price_per_piece")
        card["price_per_piece"] = buyer.price_of(card["sku"])
    return card
