"""Attached documents (S2): search over their text, their details and their files."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse

from api.container import Services
from api.deps import json_response, reject_unknown_params, services
from api.links import absolute, base_url
from api.schemas import ERRORS
from catalog.errors import NotFound
from ranking.documents import DocumentSearchService, document_url

router = APIRouter(prefix="/v1/documents", tags=["documents"])

_INLINE = {"application/pdf", "text/plain"}  # others are downloaded, never rendered here
_YEAR = "public, max-age=31536000, immutable"  # a document id always names the same file


def _search_service(svc: Services) -> DocumentSearchService:
    if svc.document_search is None:  # pragma: no cover - built by the container
        raise NotFound("document search is not configured")
    return svc.document_search


@router.get("/search", response_model=None, responses=ERRORS)
def search_documents(
    request: Request,
    q: str = Query(..., description="Words to find in the documents' text (every word; if no "
                   "document has them all, any word, with \"relaxed\": true)."),
    page: int = Query(1, description="1-based page of documents."),
    page_size: int = Query(10, description="Documents per page (at most 50)."),
    sku: str | None = Query(None, max_length=64, description="Only documents of this product."),
    kind: str | None = Query(None, max_length=40, description="Only documents attached as "
                             "this kind (datasheet, certificate, ...)."),
    svc: Services = Depends(services),
) -> Response:
    """Documents whose text matches: each with the product(s) it belongs to, its best
    matching page (``page``, ``page_url`` opens the PDF there), a snippet with the matched
    words in ``<em>``, and its other matching pages."""
    reject_unknown_params(request, {"q", "page", "page_size", "sku", "kind"})
    body = _search_service(svc).search(q, page=page, page_size=page_size, sku=sku, kind=kind)
    base = base_url(request)
    for hit in body["hits"]:
        hit["url"] = absolute(base, hit["url"])
        hit["page_url"] = absolute(base, hit["page_url"])
    return json_response(body)


@router.get("/{document_id}", response_model=None, responses=ERRORS)
def get_document(request: Request, document_id: int = Path(..., ge=1),
                 svc: Services = Depends(services)) -> Response:
    """A stored document: file name, type, pages, whether its text is searchable, the
    products it is attached to."""
    reject_unknown_params(request, set())
    info = svc.store.documents([document_id]).get(document_id)
    if info is None:
        raise NotFound(f"no document {document_id}", field="document_id")
    products = svc.store.document_links([document_id], per_document=100).get(document_id, [])
    return json_response({
        "id": info.id, "filename": info.filename, "media_type": info.media_type,
        "pages": info.page_count, "size_bytes": info.size_bytes,
        "searchable": info.status == "ok", "text_chars": info.text_chars,
        "download_url": absolute(base_url(request), document_url(info.id)),
        "products": products,
    })


@router.get("/{document_id}/file", response_model=None, responses=ERRORS)
def document_file(request: Request, document_id: int = Path(..., ge=1),
                  svc: Services = Depends(services)) -> Response:
    """The document as it was attached (PDFs and text inline, HTML as a download)."""
    reject_unknown_params(request, set())
    info = svc.store.documents([document_id]).get(document_id)
    if info is None or svc.files is None:
        raise NotFound(f"no document {document_id}", field="document_id")
    path = svc.files.path(info.sha256)
    if not path.is_file():
        raise NotFound(f"the file of document {document_id} is missing from the data folder; "
                       "import it again", field="document_id")
    inline = info.media_type in _INLINE
    headers = {"Cache-Control": _YEAR, "X-Content-Type-Options": "nosniff"}
    if info.media_type != "application/pdf":  # a browser's PDF viewer does not run sandboxed
        headers["Content-Security-Policy"] = "sandbox"
    return FileResponse(path, media_type=info.media_type, filename=info.filename,
                        content_disposition_type="inline" if inline else "attachment",
                        headers=headers)
