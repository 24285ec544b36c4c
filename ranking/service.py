"""Search and autocomplete: request -> validated plan -> backend -> response.

The response is a plain dict (rendered as JSON by the API and the CLI); its shape is
documented by the API's OpenAPI models.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from catalog.errors import InvalidInput
from catalog.fields import BY_NAME, DEFAULT_FACETS, FACETABLE
from catalog.keys import product_keys
from catalog.settings import Settings
from catalog.text import fold, words
from indexer.base import SearchBackend
from indexer.plan import (
    Assortment,
    CustomerPrices,
    FacetRequest,
    FacetResult,
    Hit,
    SearchPlan,
    SearchResult,
    SortSpec,
    TermClause,
    TermsFilter,
    TextQuery,
)
from ranking.config import SearchConfig, load_config, shipped_names
from ranking.filters import parse_filters
from ranking.highlight import Matcher, highlight, match_kind
from ranking.hybrid import (
    FEEDBACK_POOL,
    FilteredNeighbours,
    HybridConfig,
    SemanticIndex,
    SemanticUnavailable,
    feedback_vector,
    fuse,
)
from ranking.query import every_word, parse_text, relaxed
from ranking.rules import Pin, merged

__all__ = ["DRAFT", "FACET_MODES", "SORTS", "Merchandising", "SearchOutcome", "SearchRequest",
           "SearchService", "facet_requests", "parse_filters"]

DRAFT = "draft"  # SearchRequest.config that previews the draft synonyms and rules


class Merchandising(Protocol):
    """Run-time synonyms and rules (``ranking.merchandising.MerchandisingStore``)."""

    def overlay(self, config: SearchConfig, state: str = "live") -> SearchConfig: ...


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
    config: str | None = None  # a shipped configuration by name; None: the service's own;
    # "draft": the service's own with the draft synonyms and rules (preview before publishing)
    customer_group: str | None = None  # for query rules limited to customer groups
    filter_groups: list[list[str]] = field(default_factory=list)
    """More filters: each group is read like ``filters`` (a field repeated means OR) and the
    groups are ANDed with ``filters`` and with each other, so two groups on one field require
    both values (``brand:A`` AND ``brand:B``), which ``filters`` alone cannot say."""
    facet_mode: str = "disjunctive"
    """``disjunctive``: a facet's own filter is left out of its counts (what a buyer selecting
    values wants). ``conjunctive``: every facet counts the products matching every filter and
    lists all its values: every level of a hierarchy, the distinct numbers of a numeric field.
    The Algolia protocol needs this; its clients ask for disjunctive counts with extra queries."""
    facet_size: int | None = None  # values per facet (terms, numeric values); None: 50 / 100
    assortment: Assortment | None = None
    """The buyer's company's assortment (S13), resolved by the caller from who is asking:
    products outside it are in no hit, total, facet count or suggestion. None: everything."""
    customer_prices: CustomerPrices | None = None
    """The buyer's own prices: hits show them (``price_per_piece``, the catalog's price as
    ``list_price_per_piece``), and price sorting, filters and the price facet use them."""


FACET_MODES = ("disjunctive", "conjunctive")


def facet_requests(names: list[str] | None, *, size: int | None = None,
                   conjunctive: bool = False) -> list[FacetRequest]:
    out = []
    for name in DEFAULT_FACETS if names is None else names:
        spec = BY_NAME.get(name)
        if spec is None or spec.facet is None:
            raise InvalidInput(
                f"unknown facet {name!r}; facet fields: {', '.join(FACETABLE)}", field="facets"
            )
        out.append(FacetRequest(name, spec.facet,
                                size=size or (50 if spec.facet == "terms" else 100),
                                ranges=spec.ranges,
                                expand=conjunctive and spec.facet == "hierarchy",
                                values=conjunctive and spec.facet == "range"))
    return out


@dataclass
class SearchOutcome:
    """A search as executed, before rendering: what the API's own response and other
    protocols (``api.algolia_protocol``) are made from."""

    request: SearchRequest
    plan: SearchPlan
    result: SearchResult
    relaxed: bool
    pinned: set[str]
    rules: list[str]
    redirect: str | None
    retrieval: str
    config: str
    started: float

    @property
    def terms(self) -> list[TermClause]:
        """Every query word, synonyms included (what highlights mark)."""
        text = self.plan.text
        return [t for q in ([text, *text.alternatives] if text else []) for t in q.terms]

    @property
    def query_terms(self) -> list[TermClause]:
        """The words the buyer typed that count (stop words left out)."""
        return [t for t in self.plan.text.terms if not t.optional] if self.plan.text else []


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
                 config: SearchConfig | None = None,
                 clock: Callable[[], datetime] | None = None, *,
                 merchandising: Merchandising | None = None,
                 semantic: SemanticIndex | None = None) -> None:
        self.backend = backend
        self.semantic = semantic  # embeddings for configurations with [hybrid] enabled
        self.merchandising = merchandising  # stored synonyms/rules laid over every config
        self.clock = clock or (lambda: datetime.now(UTC))  # the time query rules see
        self.settings = settings
        self.config = config or load_config("default")
        self._configs: dict[str, SearchConfig] = {self.config.name: self.config}

    def _config(self, name: str | None) -> SearchConfig:
        if name == DRAFT and self.merchandising is not None:
            return self.merchandising.overlay(self.config, "draft")
        config = self._base_config(name)
        return config if self.merchandising is None else self.merchandising.overlay(config, "live")

    def configuration(self, name: str | None = None) -> SearchConfig:
        """The configuration a request naming ``name`` searches with (None: the service's
        own), with the live synonyms and rules laid over it (``draft``: the draft ones)."""
        return self._config(name)

    def _base_config(self, name: str | None) -> SearchConfig:
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
        return self.render(self.execute(req))

    def execute(self, req: SearchRequest) -> SearchOutcome:
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
        if req.facet_mode not in FACET_MODES:
            raise InvalidInput(f"unknown facet mode {req.facet_mode!r}; one of: "
                               f"{', '.join(FACET_MODES)}", field="facet_mode")
        if req.facet_size is not None and not 1 <= req.facet_size <= 1000:
            raise InvalidInput("facet_size must be between 1 and 1000", field="facet_size")
        filters = parse_filters(req.filters)
        for group in req.filter_groups:
            filters += parse_filters(group)
        conjunctive = req.facet_mode == "conjunctive"
        config = self._config(req.config)
        text = parse_text(q, config)
        fired = config.rules.matching(q, self.clock(), req.customer_group)
        pins, hidden, boosts, fixed, redirect = merged(fired)
        if conjunctive:  # filters that apply to every facet count are the plan's fixed ones
            fixed, filters = [*fixed, *filters], []
        plan = SearchPlan(
            text=text,
            filters=filters,
            facets=facet_requests(req.facets, size=req.facet_size, conjunctive=conjunctive),
            sort=SORTS[req.sort],
            popularity_boost=config.popularity_boost,
            explain=req.explain,
            fixed_filters=fixed,
            boosts=boosts,
            exclude_skus=tuple(sorted(hidden)),
            assortment=req.assortment,
            customer_prices=req.customer_prices,
            # broad matching: facets count the products matching every word, when there are any
            facet_text=every_word(text) if text and text.min_should_match is not None else None,
        )
        pinned = self._pinned(plan, pins)
        plan.skip_skus = tuple(hit.sku for _, hit in pinned)
        offset = (req.page - 1) * req.page_size
        engine: Any = _for_synonyms(self.backend, config)
        if (config.hybrid.enabled and text is not None and req.sort == "relevance"
                and self.semantic is not None):
            engine = _HybridView(engine, self.semantic, config.hybrid, q)
        result, organic = self._page(plan, pinned, offset, req.page_size, engine)
        relaxed_query = False
        if organic == 0 and text and config.relax_when_empty:
            looser = relaxed(text)
            if looser is not None:
                plan.text = looser
                result, organic = self._page(plan, pinned, offset, req.page_size, engine)
                relaxed_query = organic > 0
        return SearchOutcome(
            request=req, plan=plan, result=result, relaxed=relaxed_query,
            pinned={hit.sku for _, hit in pinned}, rules=[rule.id for rule in fired],
            redirect=redirect,
            retrieval="hybrid" if getattr(engine, "used_semantic", False) else "lexical",
            config=req.config or self.config.name, started=started)

    def render(self, outcome: SearchOutcome) -> dict[str, Any]:
        """The API's response (``/v1/search``, the CLI)."""
        body = self._response(outcome.request, outcome.plan, outcome.result, outcome.relaxed,
                              outcome.started, outcome.pinned)
        body["retrieval"] = outcome.retrieval
        body["rules"] = outcome.rules
        body["redirect"] = outcome.redirect
        return body

    def _pinned(self, plan: SearchPlan, pins: list[Pin]) -> list[tuple[int, Hit]]:
        """The pinned products that exist and pass the request's and the rules' filters (hidden
        ones were dropped by the rules), with their positions: by requested position; a position
        already taken moves the later pin one down. Pinned products need not match the text."""
        if not pins:
            return []
        found = self.backend.search(SearchPlan(
            filters=[*plan.filters, TermsFilter("sku", tuple(p.sku for p in pins))],
            fixed_filters=plan.fixed_filters, exclude_skus=plan.exclude_skus,
            assortment=plan.assortment, customer_prices=plan.customer_prices,
            limit=len(pins), popularity_boost=False))
        by_sku = {hit.sku: hit for hit in found.hits}
        out: list[tuple[int, Hit]] = []
        for pin in sorted((p for p in pins if p.sku in by_sku), key=lambda p: p.position):
            position = max(pin.position, out[-1][0] + 1) if out else pin.position
            out.append((position, by_sku[pin.sku]))
        return out

    def _page(self, plan: SearchPlan, pinned: list[tuple[int, Hit]], offset: int, limit: int,
              engine: Any = None) -> tuple[SearchResult, int]:
        """One page of the whole list: pinned products at their positions, the organic results
        (which leave the pinned ones out) in between. Pins beyond the end of the organic results
        close the list. Returns the merged result and the number of organic results."""
        wanted = [position for position, _ in pinned]

        def before_page(positions: list[int]) -> int:
            return sum(p <= offset for p in positions)

        engine = engine or self.backend
        plan.offset, plan.limit = offset - before_page(wanted), limit
        result = engine.search(plan)
        if not pinned:
            return result, result.total
        organic = result.total
        final = [min(p, organic + j) for j, p in enumerate(wanted, start=1)]
        if before_page(final) != before_page(wanted):  # few results: some pins moved up
            plan.offset = offset - before_page(final)
            result = engine.search(plan)
        at = {p: hit for p, (_, hit) in zip(final, pinned, strict=True)}
        rest = iter(result.hits)
        hits: list[Hit] = []
        for position in range(offset + 1, offset + limit + 1):
            hit = at.get(position) or next(rest, None)
            if hit is None:  # past the organic results, pins are consecutive: nothing follows
                break
            hits.append(hit)
        result.hits, result.total = hits, organic + len(pinned)
        return result, organic

    def _response(self, req: SearchRequest, plan: SearchPlan, result: SearchResult,
                  relaxed_query: bool, started: float, pinned: set[str]) -> dict[str, Any]:
        terms = [t for q in ([plan.text, *plan.text.alternatives] if plan.text else [])
                 for t in q.terms]
        hits = []
        matcher = Matcher(terms)
        own = _own_prices(plan.customer_prices, [h.sku for h in result.hits])
        for hit, price in zip(result.hits, own, strict=True):
            body = dict(hit.source)
            if plan.customer_prices is not None:
                body["list_price_per_piece"] = body.get("price_per_piece")
                body["price_per_piece"] = price
            body["score"] = round(hit.score, 4)
            body["pinned"] = hit.sku in pinned
            if req.highlight and terms:
                name_hl, name_matched = highlight(body.get("name") or "", matcher)
                body["highlights"] = {"name": name_hl}
                if not name_matched and body.get("description"):
                    body["highlights"]["description"] = highlight(body["description"], matcher)[0]
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
            "facets_match": "every_word" if result.facets_strict else "any_word",
            # the products the facet counts describe, when they are not all the results
            "total_every_word": result.strict_total if result.facets_strict else None,
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
    def autocomplete(self, q: str, limit: int = 5, *, customer_group: str | None = None,
                     config: str | None = None, assortment: Assortment | None = None,
                     customer_prices: CustomerPrices | None = None) -> dict[str, Any]:
        """Completions, products, categories and brands for the text typed so far. The query
        rules that fire for the text apply as in search: hidden products and added filters
        leave the suggestions, pinned products lead the product suggestions, boosts count."""
        started = time.perf_counter()
        q = self._check_query(q)
        if not 1 <= limit <= 20:
            raise InvalidInput("limit must be between 1 and 20", field="limit")
        cfg = self._config(config)
        text = parse_text(q, cfg)
        if text is not None:  # suggestions complete what was typed: every word, then one fewer
            text = every_word(text)
        if text is None:
            return {"query": q, "completions": [], "products": [], "categories": [], "brands": [],
                    "rules": [], "redirect": None, "took_ms": 0.0}
        fired = cfg.rules.matching(q, self.clock(), customer_group)
        pins, hidden, boosts, fixed, redirect = merged(fired)
        plan = SearchPlan(text=text, limit=40, popularity_boost=True,
                          facets=[FacetRequest("brand", "terms", size=limit)],
                          fixed_filters=fixed, boosts=boosts, exclude_skus=tuple(sorted(hidden)),
                          assortment=assortment)
        pinned = [hit for _, hit in self._pinned(plan, pins)]
        plan.skip_skus = tuple(hit.sku for hit in pinned)
        lexical = _for_synonyms(self.backend, cfg)
        result = lexical.search(plan)
        if result.total == 0 and (looser := relaxed(text)) is not None:
            plan.text = looser
            result = lexical.search(plan)
        result.hits = pinned + result.hits
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
        matcher = Matcher(terms)
        shown = result.hits[:limit]
        prices: list[float | None] = [h.source.get("price_per_piece") for h in shown]
        if customer_prices is not None:
            prices = _own_prices(customer_prices, [h.sku for h in shown])
        brands = [{"value": v.value, "count": v.count}
                  for v in result.facets["brand"].values if _name_matches(v.value, terms)]
        return {
            "query": q,
            "completions": [{"text": t} for t in _top(completions, limit)],
            "products": [
                {"sku": h.sku, "name": h.source.get("name"),
                 "highlight": highlight(h.source.get("name") or "", matcher)[0],
                 "price_per_piece": price,
                 "currency": h.source.get("currency"), "image": h.source.get("image")}
                for h, price in zip(shown, prices, strict=True)
            ],
            "categories": [{"value": c} for c in _top(categories, limit)],
            "brands": brands[:limit],
            "rules": [rule.id for rule in fired],
            "redirect": redirect,
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }


def _for_synonyms(backend: SearchBackend, config: SearchConfig) -> SearchBackend:
    """The backend that searches with ``config``'s synonyms. An engine applying synonyms in
    its own analyzer (Elasticsearch's synonym set: ``for_synonyms``) answers itself when its
    set holds these rules, else a view searching the plan's alternatives alone; the embedded
    engine has no such method and searches the plan's alternatives."""
    choose = getattr(backend, "for_synonyms", None)
    if choose is None:
        return backend
    chosen: SearchBackend = choose(config.synonym_rules)
    return chosen


_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="semantic")
"""Encodes queries and searches vectors beside the lexical search (both release the GIL)."""


class _HybridView:
    """The backend as ``_page`` sees it in hybrid mode: the lexical results of the plan fused
    with the products nearest to the query's embedding that pass the same filters and rules.
    Computed once per query text (``_page`` may ask for two windows of the same list)."""

    def __init__(self, backend: SearchBackend, semantic: SemanticIndex, config: HybridConfig,
                 query: str) -> None:
        self.backend, self.semantic, self.config, self.query = backend, semantic, config, query
        self.used_semantic = False
        self._done: tuple[Any, SearchResult, list[Hit]] | None = None

    def search(self, plan: SearchPlan) -> SearchResult:
        key = (plan.text, plan.skip_skus)
        if self._done is None or self._done[0] != key:
            self._done = (key, *self._fused(plan))
        _, result, fused = self._done
        window = fused[plan.offset : plan.offset + plan.limit]
        return SearchResult(total=result.total, hits=window, facets=result.facets,
                            engine_ms=result.engine_ms, facets_strict=result.facets_strict,
                            strict_total=result.strict_total)

    def _neighbours(self, vector: np.ndarray, k: int, plan: SearchPlan
                    ) -> list[tuple[str, float]]:
        if isinstance(self.semantic, FilteredNeighbours):  # the engine filters as it searches
            return self.semantic.nearest_within(plan, vector, self.config.candidates)
        return self.semantic.nearest(vector, k)

    def _moved_neighbours(self, moved: np.ndarray, k: int, plan: SearchPlan,
                          pool: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """The feedback vector's ``k`` nearest: from the engine where it filters as it
        searches, else among the query's own nearest ``pool`` (as good as a scan of every
        vector on Home Depot half 0, nDCG@10 0.7767 vs 0.7768, and one scan fewer: ~10 ms at
        100,000 products on an AVX2 core)."""
        if isinstance(self.semantic, FilteredNeighbours):
            return self.semantic.nearest_within(plan, moved, self.config.candidates)
        scores = self.semantic.similarities(moved, [sku for sku, _ in pool])
        return sorted(scores.items(), key=lambda item: -item[1])[:k]

    def _encode_and_search(self, k: int, plan: SearchPlan
                           ) -> tuple[np.ndarray, list[tuple[str, float]]]:
        vector = self.semantic.query_vector(self.query)
        return vector, self._neighbours(vector, k, plan)

    def _fused(self, plan: SearchPlan) -> tuple[SearchResult, list[Hit]]:
        cfg = self.config
        depth = max(cfg.candidates, plan.offset + plan.limit)
        narrowed = bool(plan.filters or plan.fixed_filters or plan.exclude_skus or plan.skip_skus
                        or plan.assortment)
        k = cfg.candidates * (4 if narrowed else 1)
        # the feedback round looks among the query's nearest FEEDBACK_POOL x candidates
        pool = max(k, FEEDBACK_POOL * cfg.candidates) if cfg.feedback else k
        # the query's embedding and its neighbours while the lexical search runs
        pending = _POOL.submit(self._encode_and_search, pool, dataclasses.replace(plan))
        lexical = self.backend.search(dataclasses.replace(plan, offset=0, limit=depth))
        started = time.perf_counter()
        try:
            vector, neighbours = pending.result()
        except SemanticUnavailable:  # logged where it happened: answer lexically
            self.used_semantic = False
            return lexical, lexical.hits
        if lexical.hits and lexical.hits[0].part_number_match:  # a part number: stay exact
            self.used_semantic = False
            return lexical, lexical.hits
        checked: dict[str, Hit | None] = {}  # semantic neighbours the filters let through
        fused, semantic, facets = self._round(plan, lexical, vector, neighbours[:k], checked)
        # feedback from the first results that match the query's words too: results found by
        # meaning alone would feed the model's own mistakes back (no word matched: no feedback)
        matched = {h.sku for h in lexical.hits}
        top = [h.sku for h in fused if h.sku in matched][: cfg.feedback]
        if cfg.feedback and top:
            try:
                moved = feedback_vector(vector, self.semantic.vectors(top), cfg.feedback_weight)
                if moved is not None:
                    fused, semantic, facets = self._round(
                        plan, lexical, moved, self._moved_neighbours(moved, k, plan, neighbours),
                        checked)
            except SemanticUnavailable:  # keep the first round's results
                pass
        extra = sum(hit.sku not in matched for hit, _ in semantic)
        self.used_semantic = True
        engine_ms = lexical.engine_ms + (time.perf_counter() - started) * 1000
        strict = lexical.facets_strict and facets is lexical.facets  # not the semantic ones
        return SearchResult(total=lexical.total + extra, hits=[], facets=facets,
                            engine_ms=engine_ms, facets_strict=strict,
                            strict_total=lexical.strict_total if strict else None), fused

    def _round(self, plan: SearchPlan, lexical: SearchResult, vector: np.ndarray,
               neighbours: list[tuple[str, float]], checked: dict[str, Hit | None]
               ) -> tuple[list[Hit], list[tuple[Hit, float]], dict[str, FacetResult]]:
        """The fused list for one query vector, the semantic candidates in it and the facets.
        Neighbours are checked by the engine against the plan's filters and rules, each SKU
        once per query (``checked`` remembers the verdicts across rounds)."""
        cfg = self.config
        near = [(sku, cos) for sku, cos in neighbours if cos >= cfg.min_similarity]
        facets = lexical.facets
        unchecked = tuple(s for s, _ in near if s not in checked)
        if unchecked or (near and lexical.total == 0):
            # the same filters, rules and hidden products as the lexical search; with no
            # lexical match the facets describe these (all of them, asked again)
            ask = tuple(s for s, _ in near) if lexical.total == 0 else unchecked
            found = self.backend.search(SearchPlan(
                filters=[*plan.filters, TermsFilter("sku", ask)],
                fixed_filters=plan.fixed_filters, assortment=plan.assortment,
                customer_prices=plan.customer_prices,
                exclude_skus=plan.exclude_skus + plan.skip_skus, limit=len(ask),
                popularity_boost=False, facets=plan.facets if lexical.total == 0 else []))
            allowed = {hit.sku: hit for hit in found.hits}
            checked.update({s: allowed.get(s) for s in ask})
            if lexical.total == 0:
                facets = found.facets
        semantic = [(hit, cos) for s, cos in near if (hit := checked.get(s)) is not None
                    ][: cfg.candidates]
        similarity = (self.semantic.similarities(vector, [h.sku for h in lexical.hits])
                      if cfg.fusion == "blend" else None)
        return fuse(lexical.hits, semantic, cfg, similarity), semantic, facets


def _own_prices(prices: CustomerPrices | None, skus: list[str]) -> list[float | None]:
    """The buyer's price of each product (None: the buyer has none), or Nones without a
    buyer."""
    if prices is None or not skus:
        return [None] * len(skus)
    values = np.asarray(prices.lookup(product_keys(skus)), dtype=np.float64)
    return [None if math.isnan(v) else float(v) for v in values.tolist()]


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
