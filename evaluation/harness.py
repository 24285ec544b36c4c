"""Evaluate search configurations on a judged set through the same path the API uses.

The caller (the CLI) picks the backend; this module indexes the judged catalog into it and
turns a :class:`~ranking.service.SearchService` into the ``search(text) -> [sku]`` function the
runner needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.errors import InvalidInput
from catalog.iterutil import batched
from catalog.settings import Settings
from evaluation.judged import iter_catalog_records
from evaluation.metrics import EvalResult
from indexer.base import SearchBackend
from ranking.service import SearchRequest, SearchService

_BATCH = 5_000


def index_catalog(backend: SearchBackend, catalog_path: str,
                  progress: Callable[[int], None] | None = None) -> int:
    """Build the backend's index from the judged set's catalog; returns the product count."""
    return backend.rebuild(batched(iter_catalog_records(catalog_path), _BATCH), progress)


def semantic_index(catalog_path: str, settings: Settings,
                   progress: Callable[[int, int], None] | None = None) -> Any:
    """Embeddings of a judged catalog for hybrid configurations, computed once: they are kept
    in ``<data_dir>/eval-cache/<catalog key>.sqlite`` (a catalog store of its own), so a
    second run, or another configuration, encodes only products whose text changed."""
    from catalog.store import CatalogStore
    from embeddings.cache import QueryEmbeddingCache
    from embeddings.encoder import get_encoder
    from embeddings.pipeline import embed_products
    from embeddings.vectors import VectorIndex
    from ranking.hybrid import EmbeddingSearch

    path = Path(catalog_path).resolve()
    stat = path.stat()
    key = hashlib.sha1(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    cache_dir = settings.data_dir / "eval-cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(f"sqlite:///{cache_dir / key}.sqlite")
    try:
        store.migrate()
        if store.count() == 0:
            for batch in batched(iter_catalog_records(path), _BATCH):
                store.upsert(batch)
        encoder = get_encoder(settings)
        embed_products(store, encoder, progress=progress)
        index = VectorIndex.from_store(store, encoder.model_id, encoder.dim)
    finally:
        store.engine.dispose()
    return EmbeddingSearch(encoder, index, QueryEmbeddingCache(settings.embedding_query_cache_size))


def search_function(service: SearchService, depth: int, config: str | None = None
                    ) -> Callable[[str], list[str]]:
    """Top ``depth`` SKUs for a query, as a buyer's search request would return them;
    ``config`` as in a request (a shipped name, ``draft``; None: the service's own)."""
    if depth > service.settings.max_page_size:
        raise InvalidInput(f"metrics need the top {depth} results, more than the page size limit "
                           f"of {service.settings.max_page_size}", field="metrics")

    def search(text: str) -> list[str]:
        body = service.search(SearchRequest(q=text, page_size=depth, facets=[], highlight=False,
                                            config=config))
        return [hit["sku"] for hit in body["hits"]]

    return search


def headline(result: EvalResult) -> dict[str, Any]:
    """The flat figures ``discovery eval --json`` prints: metric means, queries, zero rate."""
    body: dict[str, Any] = {name: result.means[name] for name in result.metrics}
    body["queries"] = result.queries
    body["zero_result_rate"] = result.zero_result_rate
    for name in result.metrics:
        body[f"{name}_queries"] = result.evaluated(name)
    return body
