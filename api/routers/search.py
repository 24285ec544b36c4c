"""Search and autocomplete (S3-S6)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import require_staff_for_draft
from api.container import Services
from api.deps import buyer_view, json_response, reject_unknown_params, services
from api.links import absolute_hit_images, base_url
from api.schemas import ERRORS, AutocompleteResponse, SearchResponse
from commerce.ratelimit import limit_search_per_key
from ranking.personal import BuyerView
from ranking.service import SearchRequest

router = APIRouter(prefix="/v1", tags=["search"], dependencies=[Depends(limit_search_per_key)])

_SEARCH_PARAMS = {"q", "filter", "sort", "page", "page_size", "facets", "explain", "highlight",
                  "config", "customer_group"}


@router.get("/search", response_model=None,
            responses={200: {"model": SearchResponse}, **ERRORS})
def search(
    request: Request,
    q: str = Query("", description="What the buyer typed; the last word matches as a prefix."),
    filter: list[str] = Query(  # noqa: A002 - the public parameter name
        [], description="field:value (repeat for OR within a field), field:min..max for numbers; "
        "category:Fasteners > Bolts selects a subtree."),
    sort: str = Query("relevance", description="relevance, price_asc, price_desc, delivery, "
                      "availability, popularity"),
    page: int = Query(1, description="1-based page number."),
    page_size: int = Query(20, description="Hits per page (at most 100)."),
    facets: str | None = Query(None, description="Comma-separated facet fields; empty for none; "
                               "default: a standard set."),
    explain: bool = Query(False, description="Explain why each hit matched."),
    highlight: bool = Query(True, description="Mark matched words with <em>."),
    config: str | None = Query(None, description="A shipped search configuration by name "
                               "(default: `default`), or `draft` to preview the draft synonyms and rules "
                               "(console staff only); every configuration uses the published "
                               "(live) ones."),
    customer_group: str | None = Query(None, max_length=64, description="The buyer's customer "
                                       "group, for query rules limited to groups (until searches "
                                       "are authenticated)."),
    svc: Services = Depends(services),
    buyer: BuyerView | None = Depends(buyer_view),
) -> Response:
    reject_unknown_params(request, _SEARCH_PARAMS)
    require_staff_for_draft(request, svc, config)
    facet_list = None if facets is None else [f.strip() for f in facets.split(",") if f.strip()]
    body = svc.search.search(SearchRequest(
        q=q, filters=filter, sort=sort, page=page, page_size=page_size, facets=facet_list,
        explain=explain, highlight=highlight, config=config,
        customer_group=customer_group or (buyer.customer_group if buyer else None),
        assortment=buyer.assortment if buyer else None,
        customer_prices=buyer.prices if buyer else None))
    if _is_preview(request, config):
        body["search_id"] = None  # a merchandiser's preview is not a buyer's search
    else:
        body["search_id"] = svc.analytics.log_search(
            q, filters=filter, hit_count=body["total"], took_ms=body["took_ms"],
            config=body["config"], page=page, rules=body["rules"])
    absolute_hit_images(base_url(request), body["hits"])
    return json_response(body)


def _is_preview(request: Request, config: str | None) -> bool:
    """Searches of the draft, and every search the console sends (it marks its requests with
    ``X-Requested-With: discovery-console``), stay out of the search analytics."""
    return config == "draft" or request.headers.get("x-requested-with") == "discovery-console"


@router.get("/autocomplete", response_model=None,
            responses={200: {"model": AutocompleteResponse}, **ERRORS})
def autocomplete(
    request: Request,
    q: str = Query(..., description="The text typed so far."),
    limit: int = Query(5, description="Suggestions per kind (1-20)."),
    config: str | None = Query(None, description="A shipped search configuration by name, or "
                               "`draft` to preview the draft synonyms and rules (console staff only)."),
    customer_group: str | None = Query(None, max_length=64, description="The buyer's customer "
                                       "group, for query rules limited to groups."),
    svc: Services = Depends(services),
    buyer: BuyerView | None = Depends(buyer_view),
) -> Response:
    reject_unknown_params(request, {"q", "limit", "config", "customer_group"})
    require_staff_for_draft(request, svc, config)
    body = svc.search.autocomplete(
        q, limit, customer_group=customer_group or (buyer.customer_group if buyer else None),
        config=config, assortment=buyer.assortment if buyer else None,
        customer_prices=buyer.prices if buyer else None)
    absolute_hit_images(base_url(request), body["products"])
    return json_response(body)
