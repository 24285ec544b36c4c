"""Elasticsearch responses read into the backend-neutral :class:`~indexer.plan.SearchResult`,
in the shapes the embedded engine returns (the facet buckets are read by the same code)."""

from __future__ import annotations

from typing import Any

from catalog.text import same_part_number
from indexer.elasticsearch.compile import STRICT_TOTAL, facet_group
from indexer.plan import FacetResult, Hit, SearchPlan, SearchResult, TermsFilter
from indexer.tantivy_backend import _facet_result


def parse_hits(plan: SearchPlan, response: dict[str, Any]) -> tuple[int, list[Hit]]:
    hits_part = response.get("hits") or {}
    total_part = hits_part.get("total") or {}
    total = int(total_part.get("value", 0)) if isinstance(total_part, dict) else int(total_part)
    part_number = plan.text.part_number if plan.text else None
    hits = []
    for raw in hits_part.get("hits", []):
        source = (raw.get("_source") or {}).get("source") or {}
        score = raw.get("_score")
        hits.append(Hit(
            sku=str(source.get("sku") or raw.get("_id")),
            score=float(score) if plan.sort is None and score is not None else 0.0,
            source=source,
            part_number_match=part_number is not None and same_part_number(part_number, source),
            explanation=raw.get("_explanation") if plan.explain else None))
    return total, hits[: plan.limit] if plan.limit else []


def _tantivy_names(aggs: dict[str, Any]) -> dict[str, Any]:
    """``category__lvl0`` -> ``category#0``, ``price__stats`` -> ``price#stats``: the names
    the shared facet reader knows."""
    return {name.replace("__lvl", "#").replace("__", "#"): value for name, value in aggs.items()}


def parse_facets(plan: SearchPlan, response: dict[str, Any]) -> dict[str, FacetResult]:
    aggs = response.get("aggregations") or {}
    selected: dict[str, set[str]] = {}
    for flt in plan.filters:
        if isinstance(flt, TermsFilter):
            selected.setdefault(flt.field, set()).update(flt.values)
    out: dict[str, FacetResult] = {}
    for request in plan.facets:
        group = _tantivy_names(aggs.get(facet_group(plan, request)) or {})
        out[request.field] = _facet_result(request, group, selected.get(request.field, set()))
    return out


def strict_total(response: dict[str, Any]) -> int | None:
    found = (response.get("aggregations") or {}).get(STRICT_TOTAL)
    return None if found is None else int(found["doc_count"])


def parse_search(plan: SearchPlan, response: dict[str, Any],
                 broad_facets: dict[str, Any] | None = None) -> SearchResult:
    """A search response; ``broad_facets``: the response of ``compile_facets`` asked because
    no product matched ``facet_text`` (then the facets come from it)."""
    total, hits = parse_hits(plan, response)
    strict = strict_total(response) if plan.facets and plan.facet_text is not None else None
    use_strict = strict is not None and strict > 0
    facets = parse_facets(plan, response if use_strict or broad_facets is None else broad_facets)
    return SearchResult(total=total, hits=hits, facets=facets,
                        engine_ms=float(response.get("took", 0.0)),
                        facets_strict=use_strict, strict_total=strict)


def parse_knn(response: dict[str, Any]) -> list[tuple[str, float]]:
    """A kNN search's products with their cosine, best first (Elasticsearch scores a cosine
    or dot-product field as (1 + cosine) / 2)."""
    out = []
    for raw in (response.get("hits") or {}).get("hits", []):
        source = (raw.get("_source") or {}).get("source") or {}
        out.append((str(source.get("sku") or raw.get("_id")), 2.0 * float(raw["_score"]) - 1.0))
    return out


def parse_similarities(response: dict[str, Any]) -> dict[str, float]:
    """``compile_similarities``' products with their cosine (scored as cosine + 1)."""
    out = {}
    for raw in (response.get("hits") or {}).get("hits", []):
        source = (raw.get("_source") or {}).get("source") or {}
        out[str(source.get("sku") or raw.get("_id"))] = float(raw["_score"]) - 1.0
    return out
