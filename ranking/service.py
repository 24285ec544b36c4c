"""Search and autocomplete: request -> validated plan -> backend -> response.

The response is a plain dict (rendered as JSON by the API and the CLI); its shape is
documented by the API's OpenAPI models.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from catalog.errors import InvalidInput
from catalog.fields import BY_NAME, DEFAULT_FACETS, FACETABLE, FILTERABLE
from catalog.settings import Settings
from catalog.text import fold, words
from indexer.base import SearchBackend
from indexer.plan import (
    FacetRequest,
    FacetResult,
    Filter,
    RangeFilter,
    SearchPlan,
    SearchResult,
    SortSpec,
    TermsFilter,
    TextQuery,
)
from ranking.config import SearchConfig, load_config, shipped_names
from ranking.highlight import highlight, match_kind
from ranking.query import parse_text, relaxed

SORTS: dict[str, SortSpec | None] = {
    "relevance": None,
    "price_asc": SortSpec("price_per_piece"),
    "price_desc": SortSpec("price_per_piece", descending=True),
    "delivery": SortSpec("delivery_days"),
    "availability": SortSpec("availability"),
    "popularity": SortSpec("popularity", descending=True),
}


@dataclass
class SearchRequest:
    q: str = ""
    filters: list[str] = field(default_factory=list)  # "field:value", "field=value", "field:1..5"
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facets: list[str] | None = None  # None: the default facets
    explain: bool = False
    highlight: bool = True
    config: str | None = None  # a shipped configuration by name; None: the service's own


def parse_filters(raw_filters: list[str]) -> list[Filter]:
    """``brand:Acme`` (repeat for OR), ``price_per_piece:10..50``, ``weight_kg:..2``,
    ``category:Fasteners > Bolts``. ``=`` works as well as ``:``."""
    values: dict[str, list[str]] = {}
    ranges: list[Filter] = []
    for raw in raw_filters:
        cut = min((i for i in (raw.find(":"), raw.find("=")) if i > 0), default=-1)
        if cut < 0:
            raise InvalidInput(f"filter {raw!r} must look like field:value", field="filter")
        name, value = raw[:cut].strip(), raw[cut + 1 :].strip()
        spec = BY_NAME.get(name)
        if spec is None or name not in FILTERABLE:
            raise InvalidInput(
                f"unknown filter field {name!r}; filterable fields: {', '.join(FILTERABLE)}",
                field=name,
            )
        if not value:
            raise InvalidInput(f"filter on {name!r} has no value", field=name)
        if spec.numeric:
            lo, sep, hi = value.partition("..")
            try:
                if sep:
                    gte = float(lo) if lo.strip() else None
                    lte = float(hi) if hi.strip() else None
                else:
                    gte = lte = float(value)
            except ValueError:
                raise InvalidInput(
                    f"filter on {name!r} needs a number or a range like 10..50, not {value!r}",
                    field=name,
                ) from None
            if any(v is not None and not math.isfinite(v) for v in (gte, lte)):
                raise InvalidInput(f"filter on {name!r} must be finite", field=name)
            ranges.append(RangeFilter(name, gte, lte))
        else:
            values.setdefault(name, []).append(value)
    return [TermsFilter(name, tuple(dict.fromkeys(v))) for name, v in values.items()] + ranges


def facet_requests(names: list[str] | None) -> list[FacetRequest]:
    out = []
    for name in DEFAULT_FACETS if names is None else names:
        spec = BY_NAME.get(name)
        if spec is None or spec.facet is None:
            raise InvalidInput(
                f"unknown facet {name!r}; facet fields: {', '.join(FACETABLE)}", field="facets"
            )
        out.append(FacetRequest(name, spec.facet, size=50 if spec.facet == "terms" else 100,
                                ranges=spec.ranges))
    return out


def _facet_json(result: FacetResult) -> dict[str, Any]:
    body: dict[str, Any] = {"field": result.field, "label": BY_NAME[result.field].label,
                            "kind": result.kind}
    if result.kind == "range":
        body["min"], body["max"] = result.min, result.max
        body["buckets"] = [{"from": b.gte, "to": b.lt, "count": b.count} for b in result.buckets]
        unit = BY_NAME[result.field].unit
        if unit:
            body["unit"] = unit
    else:
        body["values"] = [
            {"value": v.value, "count": v.count, "selected": v.selected}
            | ({"level": v.level} if result.kind == "hierarchy" else {})
            for v in result.values
        ]
    return body


class SearchService:
    def __init__(self, backend: SearchBackend, settings: Settings,
                 config: SearchConfig | None = None) -> None:
        self.backend = backend
        self.settings = settings
        self.config = config or load_config("default")
        self._configs: dict[str, SearchConfig] = {self.config.name: self.config}

    def _config(self, name: str | None) -> SearchConfig:
        if name is None:
            return self.config
        if name not in self._configs:
            if name not in shipped_names():  # requests name shipped configurations, never paths
                raise InvalidInput(f"unknown configuration {name!r}; one of: "
                                   f"{', '.join(shipped_names())}", field="config")
            self._configs[name] = load_config(name)
        return self._configs[name]

    def _check_query(self, q: str) -> str:
        if len(q) > self.settings.max_query_length:
            raise InvalidInput(
                f"query is {len(q)} characters long; the limit is {self.settings.max_query_length}",
                field="q",
            )
        return q

    def search(self, req: SearchRequest) -> dict[str, Any]:
        started = time.perf_counter()
        q = self._check_query(req.q)
        if req.sort not in SORTS:
            raise InvalidInput(f"unknown sort {req.sort!r}; one of: {', '.join(SORTS)}", field="sort")
        if not 1 <= req.page_size <= self.settings.max_page_size:
            raise InvalidInput(f"page_size must be between 1 and {self.settings.max_page_size}",
                               field="page_size")
        if req.page < 1:
            raise InvalidInput("page starts at 1", field="page")
        if req.page * req.page_size > self.settings.max_result_window:
            raise InvalidInput(
                f"page x page_size may not exceed {self.settings.max_result_window}; narrow the "
                "search with filters instead", field="page")
        config = self._config(req.config)
        text = parse_text(q, config)
        plan = SearchPlan(
            text=text,
            filters=parse_filters(req.filters),
            facets=facet_requests(req.facets),
            sort=SORTS[req.sort],
            offset=(req.page - 1) * req.page_size,
            limit=req.page_size,
            popularity_boost=config.popularity_boost,
            explain=req.explain,
        )
        result = self.backend.search(plan)
        relaxed_query = False
        if result.total == 0 and text and config.relax_when_empty:
            looser = relaxed(text)
            if looser is not None:
                plan.text = looser
                result = self.backend.search(plan)
                relaxed_query = result.total > 0
        return self._response(req, plan, result, relaxed_query, started)

    def _response(self, req: SearchRequest, plan: SearchPlan, result: SearchResult,
                  relaxed_query: bool, started: float) -> dict[str, Any]:
        terms = [t for q in ([plan.text, *plan.text.alternatives] if plan.text else [])
                 for t in q.terms]
        hits = []
        for hit in result.hits:
            body = dict(hit.source)
            body["score"] = round(hit.score, 4)
            if req.highlight and terms:
                name_hl, name_matched = highlight(body.get("name") or "", terms)
                body["highlights"] = {"name": name_hl}
                if not name_matched and body.get("description"):
                    body["highlights"]["description"] = highlight(body["description"], terms)[0]
            if req.explain:
                body["explain"] = self._explain(hit.source, hit.part_number_match, hit.explanation,
                                                plan.text)
            hits.append(body)
        total = result.total
        return {
            "query": req.q,
            "total": total,
            "page": req.page,
            "page_size": req.page_size,
            "pages": math.ceil(total / req.page_size) if total else 0,
            "sort": req.sort,
            "relaxed": relaxed_query,
            "config": req.config or self.config.name,
            "hits": hits,
            "facets": [_facet_json(f) for f in result.facets.values()],
            "engine_ms": round(result.engine_ms, 3),
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }

    @staticmethod
    def _explain(source: dict[str, Any], part_number: bool, engine: dict[str, Any] | None,
                 text: TextQuery | None) -> dict[str, Any]:
        """Why a hit matched: which query words matched which field, and how."""
        fields: dict[str, dict[str, str]] = {}
        if text:
            for name in ("name", "brand", "category", "material", "color", "model", "description"):
                value = source.get(name)
                if value:
                    _, matched = highlight(str(value), text.terms)
                    if matched:
                        fields[name] = matched
        missing = [t.text for t in (text.terms if text else [])
                   if not any(t.text in m for m in fields.values())]
        return {"part_number_match": part_number, "matched": fields,
                "unmatched_words": missing, "engine": engine}

    # -- autocomplete --------------------------------------------------------------------
    def autocomplete(self, q: str, limit: int = 5) -> dict[str, Any]:
        started = time.perf_counter()
        q = self._check_query(q)
        if not 1 <= limit <= 20:
            raise InvalidInput("limit must be between 1 and 20", field="limit")
        text = parse_text(q, self.config)
        if text is None:
            return {"query": q, "completions": [], "products": [], "categories": [], "brands": [],
                    "took_ms": 0.0}
        plan = SearchPlan(text=text, limit=40, popularity_boost=True,
                          facets=[FacetRequest("brand", "terms", size=limit)])
        result = self.backend.search(plan)
        if result.total == 0 and (looser := relaxed(text)) is not None:
            plan.text = looser
            result = self.backend.search(plan)
        terms = text.terms
        completions: dict[str, float] = defaultdict(float)
        categories: dict[str, float] = defaultdict(float)
        for rank, hit in enumerate(result.hits):
            weight = 1.0 + (hit.source.get("popularity") or 0) / 100 + 1.0 / (rank + 1)
            phrase = _completion(hit.source.get("name") or "", terms)
            if phrase:
                completions[phrase] += weight
            category = hit.source.get("category")
            if category:
                categories[category] += weight
        brands = [{"value": v.value, "count": v.count}
                  for v in result.facets["brand"].values if _name_matches(v.value, terms)]
        return {
            "query": q,
            "completions": [{"text": t} for t in _top(completions, limit)],
            "products": [
                {"sku": h.sku, "name": h.source.get("name"),
                 "highlight": highlight(h.source.get("name") or "", terms)[0],
                 "price_per_piece": h.source.get("price_per_piece"),
                 "currency": h.source.get("currency"), "image": h.source.get("image")}
                for h in result.hits[:limit]
            ],
            "categories": [{"value": c} for c in _top(categories, limit)],
            "brands": brands[:limit],
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }


def _top(weights: dict[str, float], n: int) -> list[str]:
    return [k for k, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _name_matches(value: str, terms: list) -> bool:
    tokens = [fold(w) for w in words(value)]
    return any(match_kind(tok, t) for t in terms for tok in tokens)


def _completion(name: str, terms: list) -> str | None:
    """The words of a product name from the first through the last matched query word:
    'hex bo' -> 'hex bolt'; a single matched word takes the next plain word along."""
    tokens = words(name)
    positions = []
    for term in terms:
        pos = next((i for i, tok in enumerate(tokens) if match_kind(tok, term)), None)
        if pos is None:
            return None
        positions.append(pos)
    start, end = min(positions), max(positions)
    if end - start > len(terms) + 2:
        return None
    if end == start and end + 1 < len(tokens) and tokens[end + 1].isalpha():
        end += 1  # a single word says little: 'hex' -> 'hex bolt
    return " ".join(tokens[start : end + 1])
