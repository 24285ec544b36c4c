"""The search plan compiled to Elasticsearch's query DSL.

Bodies are built with the client's typed DSL (``elasticsearch.dsl``: ``Q``, ``A``, ``Search``),
which refuses unknown query and aggregation types; the tests also check every parameter
against the DSL's classes, which are generated from the official API specification.

Each plan element mirrors ``indexer.tantivy_backend`` (the reference): a query word is a
``dis_max`` of its stemmed fields (``multi_match`` with the plan's field weights), compound
forms, a typo-tolerant or prefix match on the unstemmed words and, for words with digits, a
phrase of letter/digit runs; part numbers add constant scores; buyer filters go to
``post_filter`` and to every facet's filtered aggregation except the facet's own (disjunctive
counts); rule filters, the assortment and hidden products go to the query itself, so every
count keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, cast

import numpy as np
from elasticsearch.dsl import A, Q, Search
from elasticsearch.dsl.query import Query

from catalog.fields import BY_NAME, category_levels
from catalog.text import singular
from indexer.elasticsearch.mapping import STEM, TEXT_FIELD_OF, TEXT_VECTOR
from indexer.plan import (
    Assortment,
    CustomerPrices,
    FacetRequest,
    Filter,
    RangeFilter,
    SearchPlan,
    TermClause,
    TermsFilter,
    TextQuery,
)
from indexer.tantivy_backend import CATEGORY_DEPTH

DocFreq = Callable[[str], int]
"""How many products hold a word in ``all_plain`` (needed to split a compound word)."""

TIE_BREAKER = 0.1
FUZZY_EXPANSIONS = 200
LOG2_E = 1.0 / math.log(2.0)  # ln(2 + p) * LOG2_E = log2(2 + p), tantivy's popularity weight
STRICT_TOTAL = "strict_total"
SOURCE = ["source"]


def _num(x: float) -> float | int:
    """Weights as written in golden files: 3.0 -> 3, 1.5 -> 1.5."""
    x = round(float(x), 6)  # 0.3 * 3 -> 0.9, not 0.8999999999999999
    return int(x) if x.is_integer() else x


def _or(queries: list[Query]) -> Query:
    if not queries:
        return Q("match_none")
    if len(queries) == 1:
        return queries[0]
    return Q("bool", should=queries)


def _const(query: Query, boost: float) -> Query:
    return Q("constant_score", filter=query, boost=_num(boost))


# -- text --------------------------------------------------------------------------------
def compile_text(text: TextQuery, doc_freq: DocFreq | None = None,
                 index_synonyms: bool = False) -> Query:
    """The query of a text and its synonym alternatives (a product matching any matches).

    ``index_synonyms``: the cluster's synonym set holds the rules the plan was expanded with,
    so the alternatives are left out and the stemmed fields are searched through their
    search analyzer (``b2b_stem_synonyms``); a whole-text match is added, where synonyms of
    several words ("stainless steel") can fire, which the word-by-word queries cannot.
    Otherwise the alternatives are queries of their own and the stemmed fields are analysed
    with ``b2b_stem`` (no synonyms), so the cluster's set does not apply a second time."""
    if text.alternatives and not index_synonyms:
        return Q("bool", should=[compile_text(t, doc_freq)
                                 for t in [replace(text, alternatives=[]), *text.alternatives]])
    if index_synonyms:
        words = [t for t in text.terms if not t.unit and not t.optional]
        single = _text_query(replace(text, alternatives=[]), doc_freq, True)
        if len(words) < 2:
            return single
        fields = _fields(text)
        if not fields:
            return single
        whole = Q("multi_match", query=" ".join(t.text for t in words), type="best_fields",
                  fields=fields, operator="and", tie_breaker=TIE_BREAKER)
        return Q("bool", should=[single, whole])
    return _text_query(text, doc_freq, False)


def _fields(text: TextQuery) -> list[str]:
    return [f"{TEXT_FIELD_OF[logical]}^{_num(weight)}"
            for logical, weight in text.field_weights.items()
            if logical in TEXT_FIELD_OF and weight > 0]


def _text_query(text: TextQuery, doc_freq: DocFreq | None, index_synonyms: bool) -> Query:
    clauses = [(t.optional, _term(t, text, doc_freq, index_synonyms)) for t in text.terms]
    alternatives: list[Query] = []
    if clauses:
        required = [q for optional, q in clauses if not optional]
        optional = [q for opt, q in clauses if opt]
        if text.min_should_match is not None:
            every = _bool(required, optional)  # stop words still optional
            some = Q("bool", should=[q for _, q in clauses],
                     minimum_should_match=text.min_should_match)
            if text.all_words_bonus > 0 and len(clauses) > 1:
                # coordination: a product matching every word scores (1 + bonus) times
                some = Q("bool", must=[some], should=[Q("bool", must=[every],
                                                        boost=_num(text.all_words_bonus))])
            alternatives.append(some)
        else:
            alternatives.append(_bool(required, optional))
    if len(text.code_phrase) > 1:
        alternatives.append(Q("match_phrase", code={"query": " ".join(text.code_phrase),
                                                    "boost": _num(text.code_phrase_weight)}))
    pn = text.part_number
    if pn:
        exact = [pn]
        if pn.isdigit() and pn.startswith("0"):
            exact.append(pn.lstrip("0"))  # GTINs with or without leading zeros
        alternatives += [_const(Q("term", pn=value), text.part_number_weight) for value in exact]
        if len(pn) >= 3:  # the start of a part number
            alternatives.append(_const(Q("term", **{"pn.prefix": pn}),
                                       text.partial_part_number_weight))
        if len(pn) >= 4:  # its last characters
            alternatives.append(_const(Q("term", **{"pn.suffix": pn}),
                                       text.partial_part_number_weight * 0.8))
    if not alternatives:
        return Q("match_none")
    if len(alternatives) == 1:
        return alternatives[0]
    return Q("bool", should=alternatives)


def _bool(must: list[Query], should: list[Query]) -> Query:
    params: dict[str, Any] = {}
    if must:
        params["must"] = must
    if should:
        params["should"] = should
    return Q("bool", **params)


def _code(parts: tuple[str, ...], prefix: bool, boost: float) -> Query:
    if len(parts) > 1:
        kind = "match_phrase_prefix" if prefix else "match_phrase"
        return Q(kind, code={"query": " ".join(parts), "boost": _num(boost)})
    if prefix:
        return Q("prefix", code={"value": parts[0], "boost": _num(boost)})
    return Q("term", code={"value": parts[0], "boost": _num(boost)})


def _term(term: TermClause, text: TextQuery, doc_freq: DocFreq | None,
          index_synonyms: bool = False) -> Query:
    top = max(text.field_weights.values(), default=1.0)
    if term.unit:  # the measurement in any spelling, or the words exactly as typed
        return Q("dis_max", tie_breaker=TIE_BREAKER, queries=[
            Q("term", units={"value": term.unit, "boost": _num(top)}),
            _code(term.code_parts, False, top)])
    subs: list[Query] = []
    fields = _fields(text)
    if fields:
        analyzer = {} if index_synonyms else {"analyzer": STEM}
        subs.append(Q("multi_match", query=term.text, type="best_fields", fields=fields,
                      tie_breaker=TIE_BREAKER, **analyzer))
    for compound in term.compounds:  # "kwik set" finds "Kwikset" (as a prefix while typing)
        if term.prefix:
            subs.append(_const(Q("term", **{"all_plain.prefixes": compound}), top))
        else:
            subs.append(Q("term", all_plain={"value": compound, "boost": _num(top)}))
    if term.split_compound and doc_freq is not None and (halves := split(term.text, doc_freq)):
        # "deckpaint" is no word of the catalog, "deck" and "paint" are: match both
        subs.append(Q("bool", boost=_num(top), must=[
            _or([Q("term", all_plain=form) for form in half]) for half in halves]))
    if term.fuzzy or term.prefix:
        field = "all_plain.prefixes" if term.prefix else "all_plain"
        if term.fuzzy:
            # the embedded engine takes every word within the edits; Elasticsearch the
            # max_expansions closest (default 50), too few among a large catalog's prefixes
            match = Q("fuzzy", **{field: {"value": term.text, "fuzziness": term.fuzzy,
                                          "transpositions": True, "prefix_length": 0,
                                          "max_expansions": FUZZY_EXPANSIONS}})
        else:  # every start of every word is indexed: a prefix is one term
            match = Q("term", **{field: term.text})
        subs.append(_const(match, text.fuzzy_weight * top))
    if term.has_digits and term.code_parts:
        subs.append(_code(term.code_parts, term.prefix, top))
    if not subs:
        return Q("match_none")
    return Q("dis_max", tie_breaker=TIE_BREAKER, queries=subs)


def split_candidates(word: str) -> list[str]:
    """The words whose frequencies :func:`split` needs (asked of the index in one request)."""
    if len(word) < 6 or not word.isalpha():
        return []
    out = [word]
    for cut in range(3, len(word) - 2):
        for part in (word[:cut], word[cut:]):
            out += [part, singular(part)]
    return list(dict.fromkeys(out))


def split(word: str, doc_freq: DocFreq) -> list[list[str]] | None:
    """A word no product holds, cut in two words products do hold, where the rarer half is
    most common (``indexer.tantivy_backend._split``); None when there is no such cut."""
    def df(w: str) -> int:
        return doc_freq(w) or 0

    if len(word) < 6 or not word.isalpha() or df(word) > 0:
        return None

    def held(part: str) -> tuple[int, list[str]]:
        forms = [f for f in dict.fromkeys((part, singular(part))) if df(f) > 0]
        return sum(df(f) for f in forms), forms

    best, best_df = None, 0
    for cut in range(3, len(word) - 2):
        (left_df, left), (right_df, right) = held(word[:cut]), held(word[cut:])
        if min(left_df, right_df) > best_df:
            best, best_df = [left, right], min(left_df, right_df)
    return best


def split_words(plan: SearchPlan) -> list[str]:
    """Every word whose frequency compiling ``plan`` needs."""
    texts = [t for t in (plan.text, plan.facet_text) if t is not None]
    out: list[str] = []
    for text in texts:
        for query in [text, *text.alternatives]:
            for term in query.terms:
                if term.split_compound:
                    out += split_candidates(term.text)
    return list(dict.fromkeys(out))


# -- EXTENSION POINT: customer-specific prices (S13, P3) -----------------------------------
PRICE_FIELDS = ("price_per_piece", "price_per_package")


def price_field(field: str) -> str:
    """The index field a price filter, price facet or price sort reads for anonymous
    buyers: the catalog's list price (``price_per_piece`` / ``price_per_package``). A buyer's
    own prices (``plan.customer_prices``) reach filters through :func:`plan_filter` (the
    list-price filter corrected by product keys) and sorting and the price facet through
    :func:`own_price_script`."""
    return field


_OWN_PRICE = """
def k = doc['sku'].value;
if (params.own.containsKey(k)) { def v = params.own.get(k); return v == null ? params.none : v; }
return doc[params.field].size() == 0 ? params.none : doc[params.field].value;
"""
_OWN_PRICES = """
def k = doc['sku'].value;
if (params.own.containsKey(k)) { def v = params.own.get(k); return v == null ? [] : [v]; }
return doc[params.field].size() == 0 ? [] : [doc[params.field].value];
"""


def own_price_script(prices: CustomerPrices, *, for_sort: bool, descending: bool = False
                     ) -> dict[str, Any]:
    """A painless script giving a product's price for this buyer: the list price, or the
    buyer's own where it differs (``params.own``: SKU -> price, null where the buyer has
    none). Sorting puts products without a price last; aggregations skip them. The map holds
    only the products whose price differs for the buyer (contract and group lines,
    discounted ones), memoised with the buyer's prices."""
    memo_key = ("es_own_prices",)
    own = prices.memo.get(memo_key)
    if own is None:
        skus, mine, listed = prices.everything()
        differs = ~((mine == listed) | (np.isnan(mine) & np.isnan(listed)))
        own = {str(sku): (None if np.isnan(v) else float(v))
               for sku, v in zip(skus[differs].tolist(), mine[differs].tolist(), strict=True)}
        prices.memo[memo_key] = own
    params: dict[str, Any] = {"own": own, "field": prices.field}
    if for_sort:
        params["none"] = -1e300 if descending else 1e300
        return {"lang": "painless", "source": _OWN_PRICE.strip(), "params": params}
    return {"lang": "painless", "source": _OWN_PRICES.strip(), "params": params}


# -- filters -----------------------------------------------------------------------------
def plan_filter(plan: SearchPlan, flt: Filter) -> Query:
    """A filter of the plan; with a buyer's own prices, a price filter is the same filter on
    the catalog's price column corrected by the few product keys where the buyer's price
    decides otherwise (``CustomerPrices.corrections``), as on the embedded engine."""
    prices = plan.customer_prices
    if prices is None or flt.field != prices.field:
        return compile_filter(flt)
    wrongly_in, wrongly_out = prices.corrections([flt])
    query = compile_filter(flt)
    if wrongly_in.size:
        query = Q("bool", filter=[query], must_not=[_skus(wrongly_in.tolist())])
    if wrongly_out.size:
        query = Q("bool", should=[query, _skus(wrongly_out.tolist())], minimum_should_match=1)
    return query


def compile_filter(flt: Filter) -> Query:
    spec = BY_NAME[flt.field]
    if isinstance(flt, TermsFilter):
        if spec.kind == "path":  # a path takes its whole subtree: the level it names
            terms = []
            for path in flt.values:
                levels = category_levels(path)
                if levels and len(levels) <= CATEGORY_DEPTH:
                    terms.append(Q("term", **{f"category_lvl{len(levels) - 1}": levels[-1]}))
            return _or(terms)
        if spec.numeric:
            return _or([_range(flt.field, float(v), float(v)) for v in flt.values])
        return Q("terms", **{flt.field: list(flt.values)})
    assert isinstance(flt, RangeFilter)
    return _range(flt.field, flt.gte, flt.lte)


def _range(field: str, gte: float | None, lte: float | None) -> Query:
    if field in PRICE_FIELDS:
        return _range_on(price_field(field), field, gte, lte)
    return _range_on(field, field, gte, lte)


def _range_on(target: str, field: str, gte: float | None, lte: float | None) -> Query:
    lo: float | int | None = gte
    hi: float | int | None = lte
    if BY_NAME[field].kind == "int":
        lo = None if gte is None else math.ceil(gte)
        hi = None if lte is None else math.floor(lte)
    if lo is None and hi is None:
        return Q("exists", field=target)
    if lo is not None and hi is not None and lo > hi:
        return Q("match_none")
    bounds = {k: _num(v) for k, v in (("gte", lo), ("lte", hi)) if v is not None}
    return Q("range", **{target: bounds})


def compile_assortment(assortment: Assortment) -> Query | None:
    def rules(categories: tuple[str, ...], brands: tuple[str, ...], skus: tuple[str, ...]
              ) -> list[Query]:
        out = []
        if categories:
            out.append(compile_filter(TermsFilter("category", categories)))
        if brands:
            out.append(Q("terms", brand=list(brands)))
        if skus:
            out.append(Q("terms", sku=list(skus)))
        return out

    include = rules(assortment.include_categories, assortment.include_brands,
                    assortment.include_skus)
    exclude = rules(assortment.exclude_categories, assortment.exclude_brands,
                    assortment.exclude_skus)
    if not include and not exclude:
        return None
    params: dict[str, Any] = {}
    if include:
        params["filter"] = [_or(include)]
    if exclude:
        params["must_not"] = exclude
    return Q("bool", **params)


def _and(filters: list[Query], must_not: list[Query] | None = None) -> Query:
    if not filters and not must_not:
        return Q("match_all")
    if len(filters) == 1 and not must_not:
        return filters[0]
    params: dict[str, Any] = {}
    if filters:
        params["filter"] = filters
    if must_not:
        params["must_not"] = must_not
    return Q("bool", **params)


def _skus(skus: Iterable[str]) -> Query:
    return Q("terms", sku=list(skus))


# -- scoring -----------------------------------------------------------------------------
def _boosted(scored: Query, boosts: list[tuple[Filter, float]]) -> Query:
    """Query-rule factors: score x (1 + sum of (weight - 1) of the boosts a product is in
    + sum of (1/weight - 1) of the buries it is *not* in), as the embedded engine computes."""
    functions: list[dict[str, Any]] = [{"weight": 1}]
    for flt, weight in boosts:
        inside = compile_filter(flt)
        if weight > 1.0:
            functions.append({"filter": inside.to_dict(), "weight": _num(weight - 1.0)})
        elif 0.0 < weight < 1.0:
            functions.append({"filter": Q("bool", must_not=[inside]).to_dict(),
                              "weight": _num(1.0 / weight - 1.0)})
    if len(functions) == 1:
        return scored
    return Q("function_score", query=scored, functions=functions, score_mode="sum",
             boost_mode="multiply")


def _popular(scored: Query) -> Query:
    """score x log2(2 + popularity / 100): tantivy's ``weight_by_field``."""
    return Q("function_score", query=scored, boost_mode="multiply", functions=[{
        "field_value_factor": {"field": "popularity_weight", "modifier": "ln2p", "missing": 0},
        "weight": LOG2_E}])


# -- facets ------------------------------------------------------------------------------
def facet_aggregations(request: FacetRequest, prices: CustomerPrices | None = None
                       ) -> dict[str, Any]:
    """The aggregations of one facet, named after the facet (``field``, ``field__lvlN``,
    ``field__stats``, ``field__ranges``, ``field__values``). The price facet of a buyer with
    own prices reads them through a script (:func:`own_price_script`)."""
    f = request.field
    if request.kind == "range" and prices is not None and f == prices.field:
        script = own_price_script(prices, for_sort=False)
        edges = list(request.ranges)
        own: dict[str, Any] = {f"{f}__stats": A("stats", script=script)}
        if edges:
            bounds: list[dict[str, Any]] = [{"to": _num(edges[0])}]
            bounds += [{"from": _num(a), "to": _num(b)}
                       for a, b in zip(edges, edges[1:], strict=False)]
            bounds.append({"from": _num(edges[-1])})
            own[f"{f}__ranges"] = A("range", script=script, ranges=bounds)
        if request.values:
            own[f"{f}__values"] = A("terms", script=script, size=request.size)
        return own
    if request.kind == "hierarchy":
        return {f"{f}__lvl{level}": A("terms", field=f"category_lvl{level}", size=10_000)
                for level in range(CATEGORY_DEPTH)}
    if request.kind == "range":
        target = price_field(f) if f in PRICE_FIELDS else f
        edges = list(request.ranges)
        ranges: list[dict[str, Any]] = []
        if edges:
            ranges.append({"to": _num(edges[0])})
            ranges += [{"from": _num(a), "to": _num(b)}
                       for a, b in zip(edges, edges[1:], strict=False)]
            ranges.append({"from": _num(edges[-1])})
        aggs: dict[str, Any] = {f"{f}__stats": A("stats", field=target)}
        if ranges:
            aggs[f"{f}__ranges"] = A("range", field=target, ranges=ranges)
        if request.values:
            aggs[f"{f}__values"] = A("terms", field=target, size=request.size)
        return aggs
    return {f: A("terms", field=f, size=request.size)}


def facet_group(plan: SearchPlan, request: FacetRequest) -> str:
    """The filter aggregation a facet's counts sit in: the one that leaves out the facet's
    own filter (``facets_without_<field>``), or ``facets`` when it has none."""
    if any(f.field == request.field for f in plan.filters):
        return f"facets_without_{request.field}"
    return "facets"


# -- the request -------------------------------------------------------------------------
def compile_search(plan: SearchPlan, doc_freq: DocFreq | None = None,
                   index_synonyms: bool = False) -> dict[str, Any]:
    """The body of ``POST <alias>/_search`` for a plan (keys are ``Elasticsearch.search``'s
    keyword arguments). ``index_synonyms``: see :func:`compile_text`.

    With ``facet_text`` and facets, the facets count the products matching the stricter
    text and ``aggregations.strict_total`` says how many do; when none do the caller asks
    again with :func:`compile_facets` for counts over ``text`` (as the embedded engine)."""
    text_q = (compile_text(plan.text, doc_freq, index_synonyms) if plan.text is not None
              else None)
    buyer = [(f.field, plan_filter(plan, f)) for f in plan.filters]
    fixed = [plan_filter(plan, f) for f in plan.fixed_filters]
    if plan.assortment is not None and (assortment := compile_assortment(plan.assortment)):
        fixed.append(assortment)
    narrow = (compile_text(plan.facet_text, doc_freq, index_synonyms)
              if plan.facets and plan.facet_text is not None else None)

    scored = text_q if text_q is not None else Q("match_all")
    if plan.sort is None:
        if plan.boosts:
            scored = _boosted(scored, plan.boosts)
        if plan.popularity_boost:
            scored = _popular(scored)
    if narrow is not None:  # the facets' products too; the post_filter keeps the hits to text
        scored = Q("bool", should=[scored, _const(narrow, 0)])

    query: dict[str, Any] = {"must": [scored]}
    if fixed:
        query["filter"] = fixed
    if plan.exclude_skus:  # hidden: in no hit, total or count
        query["must_not"] = [_skus(plan.exclude_skus)]
    post = [q for _, q in buyer]
    if narrow is not None and text_q is not None:
        post.insert(0, text_q)
    skip = [_skus(plan.skip_skus)] if plan.skip_skus else []  # pinned: counted in facets only
    if not plan.facets:  # nothing to count apart: every filter narrows the query itself
        query["filter"] = fixed + post
        if skip:
            query["must_not"] = query.get("must_not", []) + skip
        if not query["filter"]:
            del query["filter"]
        post, skip = [], []

    search = Search().query(Q("bool", **query))
    if post or skip:
        search = search.post_filter(_and(post, skip))
    if plan.facets:
        _add_facets(search, plan, buyer, narrow)
        if narrow is not None:
            search.aggs[STRICT_TOTAL] = A("filter", filter=_and([narrow] + [q for _, q in buyer]))
    by_sku: Any = {"sku": "asc"}  # ties in a stable order, on every shard and page
    if plan.sort is None:
        search = search.sort("_score", by_sku)
    else:
        field = "availability_rank" if plan.sort.field == "availability" else plan.sort.field
        if field in PRICE_FIELDS:
            field = price_field(field)
        direction = "desc" if plan.sort.descending else "asc"
        order: Any = {field: {"order": direction}}
        prices = plan.customer_prices
        if prices is not None and plan.sort.field == prices.field:
            order = {"_script": {"type": "number", "order": direction,
                                 "script": own_price_script(prices, for_sort=True,
                                                            descending=plan.sort.descending)}}
        search = search.sort(order, by_sku)
    extra: dict[str, Any] = {"from_": plan.offset, "size": plan.limit, "track_total_hits": True}
    if plan.explain:
        extra["explain"] = True
    search = search.extra(**extra).source(cast(Any, SOURCE))
    return search.to_dict()


def _add_facets(search: Search, plan: SearchPlan, buyer: list[tuple[str, Query]],
                narrow: Query | None) -> None:
    groups: dict[str, list[FacetRequest]] = {}
    for request in plan.facets:
        groups.setdefault(facet_group(plan, request), []).append(request)
    base = [narrow] if narrow is not None else []
    for name, requests in groups.items():
        own = requests[0].field if name != "facets" else None
        group = A("filter", filter=_and(base + [q for f, q in buyer if f != own]))
        for request in requests:
            for agg_name, agg in facet_aggregations(request, plan.customer_prices).items():
                group.bucket(agg_name, agg)
        search.aggs[name] = group


def compile_facets(plan: SearchPlan, doc_freq: DocFreq | None = None,
                   index_synonyms: bool = False) -> dict[str, Any]:
    """Only the facet counts of a plan over its ``text`` (no hits)."""
    return compile_search(replace(plan, facet_text=None, offset=0, limit=0, sort=None,
                                  explain=False, boosts=[], popularity_boost=False), doc_freq,
                          index_synonyms)


def compile_knn(plan: SearchPlan, vector: list[float], k: int, num_candidates: int,
                field: str = TEXT_VECTOR, *, match_text: bool = False,
                doc_freq: DocFreq | None = None, index_synonyms: bool = False
                ) -> dict[str, Any]:
    """The nearest products to an embedding among those the plan allows (filters, rule
    filters, assortment; hidden and pinned products left out): ``POST <alias>/_search``.
    Hybrid search fuses these with the lexical hits in ``ranking`` (reciprocal rank fusion,
    the same code as on the embedded engine). ``match_text``: the plan's text narrows too
    (search by photo: the neighbours must match the words, as :func:`compile_text` matches
    them); hybrid search leaves it out, its neighbours are the products the words missed."""
    allowed = [plan_filter(plan, f) for f in [*plan.filters, *plan.fixed_filters]]
    if match_text and plan.text is not None:
        allowed.insert(0, compile_text(plan.text, doc_freq, index_synonyms))
    if plan.assortment is not None and (assortment := compile_assortment(plan.assortment)):
        allowed.append(assortment)
    hidden = [*plan.exclude_skus, *plan.skip_skus]
    knn: dict[str, Any] = {"field": field, "query_vector": list(vector), "k": k,
                           "num_candidates": max(num_candidates, k)}
    if allowed or hidden:
        knn["filter"] = _and(allowed, [_skus(hidden)] if hidden else None)
    return Search().knn(**knn).extra(size=k).source(cast(Any, SOURCE)).to_dict()


def search_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    """A body as ``Elasticsearch.search`` keyword arguments (``from`` -> ``from_``, ``_source``
    -> ``source``): the client refuses a key its API specification does not know."""
    renamed = {"from": "from_", "_source": "source"}
    return {renamed.get(key, key): value for key, value in body.items()}


def compile_doc_freqs(words: list[str]) -> dict[str, Any]:
    """How many products hold each word in ``all_plain``: one request, no hits."""
    search = Search().extra(size=0)
    search.aggs["doc_freq"] = A("filters", filters={w: Q("term", all_plain=w) for w in words})
    return search.to_dict()


def compile_similarities(vector: list[float], skus: list[str],
                         field: str = TEXT_VECTOR) -> dict[str, Any]:
    """The exact cosine of an embedding with each of these products (those with a vector):
    a ``script_score`` scoring ``cosineSimilarity + 1`` (scores may not be negative)."""
    allowed = Q("bool", filter=[_skus(skus), Q("exists", field=field)])
    scored = Q("script_score", query=allowed, script={
        "source": f"cosineSimilarity(params.query_vector, '{field}') + 1.0",
        "params": {"query_vector": list(vector)}})
    return Search().query(scored).extra(size=len(skus)).source(cast(Any, SOURCE)).to_dict()


def compile_vector_skus(field: str, size: int, after: list[Any] | None = None
                        ) -> dict[str, Any]:
    """A page of the products holding a vector in ``field``, by SKU (the vector sync compares
    them with the store when the counts differ: a vector the store dropped leaves the index)."""
    search = Search().query(Q("bool", filter=[Q("exists", field=field)])).sort("sku")
    extra: dict[str, Any] = {"size": size}
    if after is not None:
        extra["search_after"] = after
    return search.extra(**extra).source(False).to_dict()


def compile_journal_deletes(size: int, after: list[Any] | None = None) -> dict[str, Any]:
    """A page of the products deleted during a rebuild (the rebuild's journal), by SKU."""
    search = Search().query(Q("bool", filter=[Q("term", op="delete")])).sort("sku")
    extra: dict[str, Any] = {"size": size}
    if after is not None:
        extra["search_after"] = after
    return search.extra(**extra).source(False).to_dict()
