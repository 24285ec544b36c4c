"""Search by photo (S8): ``POST /v1/search/image``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, Field

from api.auth import require_staff_for_draft
from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.schemas import ERRORS
from catalog.errors import InvalidInput, PayloadTooLarge
from embeddings.image_encoder import CONFIGURE_HINT, ClipUnavailable
from ranking.image_search import ImageSearch, ImageSearchRequest

router = APIRouter(prefix="/v1/search", tags=["search"])

_PARAMS = {"q", "filter", "page", "page_size", "config", "customer_group"}


_CHUNK = 1 << 20


def _read_image(request: Request, upload: UploadFile | None, limit_mb: float) -> bytes:
    """The uploaded photo's bytes: 413 beyond ``limit_mb`` (refused from a declared
    Content-Length before reading), 400 when the field is missing or empty."""
    limit = int(limit_mb * 1_000_000)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64_000:  # + form overhead
        raise PayloadTooLarge(f"image is larger than the limit of {limit_mb:g} MB "
                              "(DISCOVERY_MAX_IMAGE_MB)", field="image")
    if upload is None:
        raise InvalidInput("image is missing: send the photo as a multipart/form-data file "
                           "field named 'image'", field="image")
    parts: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"image is larger than the limit of {limit_mb:g} MB "
                                  "(DISCOVERY_MAX_IMAGE_MB)", field="image")
        parts.append(chunk)
    if size == 0:
        raise InvalidInput("image is empty", field="image")
    return b"".join(parts)


class ImageSearchResponse(BaseModel):
    query: str
    total: int = Field(description="Products ranked: the most similar ones that pass the text "
                       "and filters, at most `depth`.")
    page: int
    page_size: int
    pages: int
    config: str
    retrieval: str = Field("image", description="Always `image`.")
    depth: int = Field(description="Most products a search by photo ranks "
                       "(DISCOVERY_IMAGE_SEARCH_DEPTH).")
    looked_at: int = Field(description="Nearest product images checked against the text and "
                           "filters to find them.")
    hits: list[dict[str, Any]] = Field(description="Products as /v1/search renders them; "
                                       "`score` is the cosine similarity of the product's "
                                       "image with the photo (1: the same picture).")
    facets: list[dict[str, Any]] = Field(description="Always empty.")
    rules: list[str] = Field(description="Ids of the query rules that fired for `q` (their "
                             "hidden products and added filters apply).")
    encode_ms: float = Field(description="Decoding and encoding the photo.")
    vector_ms: float
    engine_ms: float
    took_ms: float


@router.post("/image", response_model=None,
             responses={200: {"model": ImageSearchResponse}, **ERRORS})
def search_image(
    request: Request,
    image: UploadFile | None = File(None, description="The photo (JPEG, PNG, WebP, GIF, BMP "
                                    "or TIFF), as a multipart/form-data file field."),
    q: str = Query("", description="Optional words that narrow the results: only products "
                   "matching every word (and the filters) are ranked, by visual similarity."),
    filter: list[str] = Query(  # noqa: A002 - the public parameter name
        [], description="As for /v1/search: field:value (repeat for OR within a field), "
        "field:min..max."),
    page: int = Query(1, description="1-based page number."),
    page_size: int = Query(20, description="Hits per page."),
    config: str | None = Query(None, description="A shipped search configuration by name (its "
                               "synonyms and query rules), or `draft` (console staff only)."),
    customer_group: str | None = Query(None, max_length=64, description="The buyer's customer "
                                       "group, for query rules limited to groups."),
    svc: Services = Depends(services),
) -> Response:
    """The products whose images look most like the photo, most similar first, optionally
    narrowed by words and filters. 503 when no image-encoder weights are configured
    (`DISCOVERY_CLIP_WEIGHTS`); 400 for a file that is not a readable image (the `field` is
    `image`), 413 for one over `DISCOVERY_MAX_IMAGE_MB` megabytes."""
    reject_unknown_params(request, _PARAMS)
    require_staff_for_draft(request, svc, config)
    served = svc.images
    if served is None:
        raise ClipUnavailable(f"search by photo is not configured: {CONFIGURE_HINT}",
                              field="clip_weights")
    served.ensure_available()  # the 503 comes before the upload is looked at
    search = ImageSearch(svc.search, served, svc.settings.image_search_depth)
    req = ImageSearchRequest(q=q, filters=filter, page=page, page_size=page_size,
                             config=config, customer_group=customer_group)
    prepared = search.prepare(req)  # a bad parameter is a 400 before the photo is decoded
    data = _read_image(request, image, svc.settings.max_image_mb)
    return json_response(search.search(data, req, prepared))
