"""The Algolia search protocol (InstantSearch compatibility, S12). Thin: reading the body and
running the searches; the translation both ways is ``api.algolia_protocol``.

Bodies are JSON whatever the content type says: the browser clients send
``application/x-www-form-urlencoded`` (v4) or ``text/plain`` (v5) so that no CORS preflight is
needed. Credentials (``x-algolia-api-key``, ``x-algolia-application-id``) arrive as headers or
query parameters; the public key is checked by the CORS middleware (``api.cors``), the
application id is not used. Errors carry our shape plus Algolia's ``message`` and ``status``.
"""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.algolia_protocol import (
    AlgoliaQuery,
    error_body,
    facet_hits,
    parse_query,
    renamed,
    search_request,
    search_result,
)
from api.container import Services
from api.deps import json_response, services
from api.links import absolute_hit_images, base_url
from catalog.errors import DiscoveryError, InvalidInput

router = APIRouter(prefix="/1/indexes", tags=["instantsearch"])

MAX_QUERIES = 50  # per multi-query request (InstantSearch sends one per refined facet, plus one)


def _check_query_params(request: Request) -> None:
    for name in request.query_params:
        if name != "key" and not name.lower().startswith("x-algolia-"):
            raise InvalidInput(f"unknown query parameter {name!r}; search parameters belong in "
                               "the body", field=name)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise InvalidInput("body: not valid gzip", field="body") from None
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput("body: expected JSON (whatever the content type)",
                           field="body") from None


def _run(svc: Services, q: AlgoliaQuery, base: str = "") -> dict[str, Any]:
    settings = svc.settings
    started = time.perf_counter()
    try:
        outcome = svc.search.execute(search_request(
            q, max_result_window=settings.max_result_window))
    except InvalidInput as exc:
        raise renamed(exc) from None
    took_ms = (time.perf_counter() - started) * 1000
    if q.kind == "facet":
        return facet_hits(q, outcome, took_ms)
    search_id = None
    if q.analytics:  # InstantSearch's facet-only queries say analytics=false
        search_id = svc.analytics.log_search(
            q.query, filters=q.filters, hit_count=outcome.result.total, took_ms=took_ms,
            config=outcome.config, page=q.page + 1, rules=outcome.rules)
    result = search_result(q, outcome, max_result_window=settings.max_result_window,
                           took_ms=took_ms, search_id=search_id)
    absolute_hit_images(base, result.get("hits") or [])  # stored images: absolute thumbnails
    return result


async def _answer(request: Request, svc: Services,
                  work: Callable[[Any], Any]) -> Response:
    try:
        _check_query_params(request)
        body = await _json_body(request)
        return json_response(await run_in_threadpool(work, body))
    except DiscoveryError as exc:
        return JSONResponse(error_body(exc), status_code=exc.status_code)


@router.post("/*/queries", response_model=None)
async def multiple_queries(request: Request, svc: Services = Depends(services)) -> Response:
    """Several searches at once (what InstantSearch sends): ``{"requests": [{"indexName":
    "products", "params": "query=bolt&hitsPerPage=20"}]}`` (v4) or with the parameters as
    fields (v5). Answers ``{"results": [...]}`` in the same order."""
    max_page_size = svc.settings.max_page_size
    base = base_url(request)

    def work(body: Any) -> dict[str, Any]:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise InvalidInput("requests: expected a non-empty list of queries",
                               field="requests")
        if len(requests) > MAX_QUERIES:
            raise InvalidInput(f"requests: at most {MAX_QUERIES} queries per call",
                               field="requests")
        queries = [parse_query(raw, max_page_size=max_page_size) for raw in requests]
        return {"results": [_run(svc, q, base) for q in queries]}

    return await _answer(request, svc, work)


@router.post("/{index_name}/query", response_model=None)
async def single_query(index_name: str, request: Request,
                       svc: Services = Depends(services)) -> Response:
    """One search on one index: ``{"params": "query=bolt"}`` or the parameters as fields."""
    def work(body: Any) -> dict[str, Any]:
        q = parse_query(body, max_page_size=svc.settings.max_page_size, index_name=index_name)
        return _run(svc, q, base_url(request))

    return await _answer(request, svc, work)


@router.post("/{index_name}/facets/{facet_name}/query", response_model=None)
async def facet_values(index_name: str, facet_name: str, request: Request,
                       svc: Services = Depends(services)) -> Response:
    """Search for facet values (a searchable refinement list): ``{"facetQuery": "fas"}``,
    with the search's parameters, answered with ``facetHits``."""
    def work(body: Any) -> dict[str, Any]:
        q = parse_query(body, max_page_size=svc.settings.max_page_size, index_name=index_name,
                        facet_name=facet_name)
        return _run(svc, q)

    return await _answer(request, svc, work)
