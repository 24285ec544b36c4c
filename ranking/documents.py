"""Document search (S2): a query over the text of attached documents, answered with the
documents, the products each belongs to, the matching pages and highlighted snippets.

Every word is required; when no document has them all, any word may match and the response
says ``"relaxed": true`` (as product search does with ``strict``).
"""

from __future__ import annotations

import html
import time
from typing import Any

from catalog.errors import InvalidInput
from catalog.settings import Settings
from catalog.store import CatalogStore
from catalog.text import words
from indexer.documents import DocumentIndex, DocumentQuery, PageMatch

MAX_WORDS = 16
PRODUCTS_PER_DOCUMENT = 10


def document_url(document_id: int) -> str:
    return f"/v1/documents/{document_id}/file"


def snippet_html(match: PageMatch, pre: str = "<em>", post: str = "</em>") -> str:
    """The snippet with its matches marked, everything else HTML-escaped."""
    out: list[str] = []
    at = 0
    text = match.snippet
    for start, end in match.highlights:
        if start < at:
            continue
        out.append(html.escape(text[at:start]))
        out.append(pre + html.escape(text[start:end]) + post)
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


class DocumentSearchService:
    def __init__(self, index: DocumentIndex, store: CatalogStore, settings: Settings) -> None:
        self.index, self.store, self.settings = index, store, settings

    def search(self, q: str, *, page: int = 1, page_size: int = 10, sku: str | None = None,
               kind: str | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        if len(q) > self.settings.max_query_length:
            raise InvalidInput(f"query is {len(q)} characters long; the limit is "
                               f"{self.settings.max_query_length}", field="q")
        if not 1 <= page_size <= min(self.settings.max_page_size, 50):
            raise InvalidInput(f"page_size must be between 1 and "
                               f"{min(self.settings.max_page_size, 50)}", field="page_size")
        if page < 1:
            raise InvalidInput("page starts at 1", field="page")
        if page * page_size > self.settings.max_result_window:
            raise InvalidInput(f"page x page_size may not exceed "
                               f"{self.settings.max_result_window}", field="page")
        terms = tuple(dict.fromkeys(w.lower() for w in words(q)))[:MAX_WORDS]
        if not terms:
            raise InvalidInput("the query has no words to search for", field="q")
        only = None
        if sku is not None or kind is not None:
            only = tuple(sorted(self.store.document_ids_where(sku=sku, kind=kind)))
        query = DocumentQuery(words=terms, every_word=True, document_ids=only,
                              limit=page_size, offset=(page - 1) * page_size)
        result = self.index.search(query)
        relaxed = False
        if result.total == 0 and len(terms) > 1:
            query = DocumentQuery(words=terms, every_word=False, document_ids=only,
                                  limit=page_size, offset=(page - 1) * page_size)
            result = self.index.search(query)
            relaxed = result.total > 0
        ids = [h.document_id for h in result.hits]
        links = self.store.document_links(ids, per_document=PRODUCTS_PER_DOCUMENT + 1)
        infos = self.store.documents(ids)
        hits = []
        for hit in result.hits:
            products = links.get(hit.document_id, [])
            info = infos.get(hit.document_id)
            best = hit.pages[0]
            hits.append({
                "document_id": hit.document_id,
                "title": hit.title or hit.filename,
                "kind": products[0]["kind"] if products else None,
                "filename": hit.filename,
                "media_type": hit.media_type,
                "page_count": info.page_count if info else None,
                "url": document_url(hit.document_id),
                "page": best.page,
                "page_url": f"{document_url(hit.document_id)}#page={best.page}",
                "snippet": snippet_html(best),
                "score": round(hit.score, 4),
                "matching_pages": [{"page": p.page, "snippet": snippet_html(p), "score": round(p.score, 4)}
                          for p in hit.pages],
                "products": [{"sku": p["sku"], "name": p["name"]}
                             for p in products[:PRODUCTS_PER_DOCUMENT]],
                "more_products": len(products) > PRODUCTS_PER_DOCUMENT,
            })
        total = result.total
        return {
            "query": q,
            "total": total,
            "total_pages": result.total_pages,
            "page": page,
            "page_size": page_size,
            "pages": -(-total // page_size) if total else 0,
            "relaxed": relaxed,
            "hits": hits,
            "engine_ms": round(result.engine_ms, 3),
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }
