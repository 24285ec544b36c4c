"""Evaluate search configurations on a judged set through the same path the API uses.

The caller (the CLI) picks the backend; this module indexes the judged catalog into it and
turns a :class:`~ranking.service.SearchService` into the ``search(text) -> [sku]`` function the
runner needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalog.errors import InvalidInput
from catalog.iterutil import batched
from evaluation.judged import iter_catalog_records
from evaluation.metrics import EvalResult
from indexer.base import SearchBackend
from ranking.service import SearchRequest, SearchService

_BATCH = 5_000


def index_catalog(backend: SearchBackend, catalog_path: str,
                  progress: Callable[[int], None] | None = None) -> int:
    """Build the backend's index from the judged set's catalog; returns the product count."""
    return backend.rebuild(batched(iter_catalog_records(catalog_path), _BATCH), progress)


def search_function(service: SearchService, depth: int) -> Callable[[str], list[str]]:
    """Top ``depth`` SKUs for a query, as a buyer's search request would return them."""
    if depth > service.settings.max_page_size:
        raise InvalidInput(f"metrics need the top {depth} results, more than the page size limit "
                           f"of {service.settings.max_page_size}", field="metrics")

    def search(text: str) -> list[str]:
        body = service.search(SearchRequest(q=text, page_size=depth, facets=[], highlight=False))
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
