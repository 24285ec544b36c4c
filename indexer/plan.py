"""The backend-neutral search plan and results.

``ranking`` turns a request into a :class:`SearchPlan`; any :class:`~indexer.base.SearchBackend`
(the embedded tantivy engine, Elasticsearch) executes it. Nothing here knows an engine's query
language: fields are the logical names of :mod:`catalog.fields` plus the text field groups below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

TEXT_FIELDS = ("name", "brand", "category", "description", "attributes", "documents")
"""Logical text fields a query is matched against; each gets a weight in the plan.
``documents``: the titles and the start of the text of a product's attached documents."""

DEFAULT_FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "brand": 2.0,
    "category": 1.5,
    "attributes": 1.0,
    "description": 3.0,
    "documents": 0.3,
}


@dataclass(frozen=True)
class TermClause:
    """One word of the query as the user typed it (lower-cased and accent-folded).

    ``fuzzy`` is the number of edits allowed, ``prefix`` says the word may be the start of a
    longer one (the word being typed), ``code_parts`` splits it into runs of letters and digits
    ("din933" -> ("din", "933")) so that part numbers match whatever separators were typed.
    ``optional`` words (stop words) count towards relevance but are not required.
    A measurement is one clause whatever its spelling: ``unit`` holds the canonical form
    ("4 cm" -> "40mm"), ``code_parts`` the words as typed.
    """

    text: str
    fuzzy: int = 0
    prefix: bool = False
    code_parts: tuple[str, ...] = ()
    compounds: tuple[str, ...] = ()  # the word written together with a neighbour ("kwik set"
    # -> "kwikset"): a product holding the compound matches both words
    split_compound: bool = False  # a word no product holds may be two ("deckpaint")
    optional: bool = False
    unit: str | None = None  # a measurement or size in canonical form ("40mm", "size:4x4")

    @property
    def has_digits(self) -> bool:
        return any(c.isdigit() for c in self.text)


@dataclass
class TextQuery:
    raw: str
    terms: list[TermClause]
    field_weights: dict[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    min_should_match: int | None = None  # None: every required term must match
    all_words_bonus: float = 0.0  # with min_should_match: extra share of score for full matches
    fuzzy_weight: float = 0.3  # weight of a typo-tolerant or prefix match, relative to exact
    code_phrase: tuple[str, ...] = ()  # the whole query as letter/digit runs, for part numbers
    code_phrase_weight: float = 4.0
    part_number: str | None = None  # the whole query normalised like a part number
    alternatives: list[TextQuery] = dataclasses.field(default_factory=list)
    """The query with synonyms put in; a product matching any of them matches."""
    part_number_weight: float = 1000.0  # exact SKU/MPN/GTIN hits rank above everything else
    partial_part_number_weight: float = 50.0  # prefix or last-4+-characters part-number hits


@dataclass(frozen=True)
class TermsFilter:
    """Keeps products whose ``field`` has any of ``values`` (OR within, AND across filters).
    For the hierarchical ``category`` field a value is a path and matches its whole subtree."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RangeFilter:
    field: str
    gte: float | None = None
    lte: float | None = None


Filter = TermsFilter | RangeFilter


@dataclass(frozen=True)
class Assortment:
    """The products one customer may see (S13): those matching any ``include`` rule (every
    product when there is none) and no ``exclude`` rule. Categories are paths and take their
    whole subtree. Applied like ``fixed_filters``: to hits, totals and every facet count."""

    include_categories: tuple[str, ...] = ()
    include_brands: tuple[str, ...] = ()
    include_skus: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    exclude_skus: tuple[str, ...] = ()

    @property
    def includes(self) -> bool:
        return bool(self.include_categories or self.include_brands or self.include_skus)

    @property
    def excludes(self) -> bool:
        return bool(self.exclude_categories or self.exclude_brands or self.exclude_skus)


def values_passing(values: np.ndarray, filters: list[Filter]) -> np.ndarray:
    """Which values pass every filter (a range, or a list of exact values); NaN passes none."""
    ok = np.ones(values.shape, dtype=bool)
    for flt in filters:
        if isinstance(flt, RangeFilter):
            if flt.gte is not None:
                ok &= values >= flt.gte
            if flt.lte is not None:
                ok &= values <= flt.lte
            if flt.gte is None and flt.lte is None:
                ok &= ~np.isnan(values)
        else:
            ok &= np.isin(values, [float(v) for v in flt.values])
    return ok


@dataclass(frozen=True, eq=False)
class CustomerPrices:
    """One buyer's own unit prices (P3, S13) in place of the catalog's ``field``: sorting by
    it, its range filters (the request's and the query rules') and its range facet use them.
    ``lookup`` maps product keys (:func:`catalog.keys.product_key`, a uint64 array) to prices
    (float64, NaN where the buyer has none: such products fail every price filter and sort
    last). Hits keep their catalog source; ranking shows the buyer's price beside it. One
    object per buyer view: engines may keep per-buyer work in ``memo``."""

    lookup: Callable[[np.ndarray], np.ndarray]
    everything: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]]
    """(SKUs, the buyer's prices, the catalog's prices in ``field``) of every product, for
    turning price filters into filters on the catalog's prices plus a few SKUs."""
    field: str = "price_per_piece"
    memo: dict[Any, Any] = dataclasses.field(default_factory=dict, repr=False)
    """An engine's compiled key filters for this buyer, by price filters (a few)."""

    def differing(self) -> DifferingPrices:
        """How this buyer's prices relate to the catalog's. Memoised."""
        hit = self.memo.get("differing")
        if hit is None:
            hit = DifferingPrices.of(*self.everything())
            self.memo["differing"] = hit
        return hit

    def corrections(self, price_filters: list[Filter]) -> tuple[np.ndarray, np.ndarray]:
        """(SKUs of products the same filters on the catalog's prices would wrongly keep,
        SKUs they would wrongly leave out) for this buyer: a backend filters the catalog's
        price column and corrects by these few SKUs. Memoised per filters."""
        memo_key = ("corrections", tuple(price_filters))
        hit = self.memo.get(memo_key)
        if hit is None:
            skus, own, listed = self.everything()
            ok_own = values_passing(own, price_filters)
            ok_listed = values_passing(listed, price_filters)
            hit = (skus[ok_listed & ~ok_own], skus[ok_own & ~ok_listed])
            if len(self.memo) >= 32:
                self.memo.pop(next(iter(self.memo)))
            self.memo[memo_key] = hit
        return hit

    def applies_to(self, plan: SearchPlan) -> bool:
        """Whether the plan sorts, filters or facets on the price (else the engine's own
        column serves and the buyer's prices are only shown)."""
        return ((plan.sort is not None and plan.sort.field == self.field)
                or any(f.field == self.field for f in (*plan.filters, *plan.fixed_filters))
                or any(r.field == self.field for r in plan.facets))


MAX_PRICE_EXCEPTIONS = 500
"""How many products with an exceptional ratio of a buyer's price to the catalog's
``DifferingPrices`` lists one by one rather than widening the ratio bounds for them."""
EXCEPTIONAL_RATIO = (0.25, 4.0)
"""A buyer's price below a quarter or above four times the catalog's is exceptional."""


def _ratio_bound(ratio: np.ndarray, exceptional: np.ndarray, max_exceptions: int,
                 upper: bool) -> tuple[float, np.ndarray]:
    """(The bound every ratio but the exceptions keeps, always including 1; the positions of
    the exceptions: the exceptional ratios, or the ``max_exceptions`` most extreme)."""
    if int(exceptional.sum()) <= max_exceptions:
        chosen = np.flatnonzero(exceptional)
        rest = ratio[~exceptional]
    else:
        signed = -ratio if upper else ratio
        parted = np.argpartition(signed, max_exceptions)
        chosen, rest = parted[:max_exceptions], ratio[parted[max_exceptions:]]
    if not rest.size:
        return 1.0, chosen
    return (max(1.0, float(rest.max())) if upper else min(1.0, float(rest.min()))), chosen


@dataclass(frozen=True)
class DifferingPrices:
    """How a buyer's prices relate to the catalog's, for an engine that orders on the
    catalog's price column and corrects for the difference: the buyer's price of every
    product but the listed exceptions lies between ``low`` and ``high`` times the catalog's
    (both bounds include 1: most prices are the catalog's), so a product the buyer pays at
    most p for costs at most p / ``low`` in the catalog, and one the buyer pays at least p
    for at least p / ``high``."""

    low: float
    high: float
    low_skus: np.ndarray
    """Exceptions below ``low`` (or with a price the catalog lacks), by own price ascending."""
    low_prices: np.ndarray
    high_skus: np.ndarray
    """Exceptions above ``high`` (or with a price the catalog lacks), by own price ascending."""
    high_prices: np.ndarray

    @classmethod
    def of(cls, skus: np.ndarray, own: np.ndarray, listed: np.ndarray,
           max_exceptions: int | None = None) -> DifferingPrices:
        """From every product's SKU, own price and catalog price (NaN: none)."""
        if max_exceptions is None:
            max_exceptions = MAX_PRICE_EXCEPTIONS
        priced = ~np.isnan(own) & (own != listed)
        unbounded = np.flatnonzero(priced & ~(listed > 0))  # no catalog price to relate to
        ratioed = np.flatnonzero(priced & (listed > 0))
        ratio = own[ratioed] / listed[ratioed]
        low, lowest = _ratio_bound(ratio, ratio < EXCEPTIONAL_RATIO[0], max_exceptions, False)
        high, highest = _ratio_bound(ratio, ratio > EXCEPTIONAL_RATIO[1], max_exceptions, True)
        lowest, highest = ratioed[lowest], ratioed[highest]

        def side(exceptions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            chosen = np.concatenate([exceptions, unbounded])
            chosen = chosen[np.argsort(own[chosen], kind="stable")]
            return skus[chosen], own[chosen]

        low_skus, low_prices = side(lowest)
        high_skus, high_prices = side(highest)
        return cls(low, high, low_skus, low_prices, high_skus, high_prices)


@dataclass(frozen=True)
class FacetRequest:
    field: str
    kind: Literal["terms", "range", "hierarchy"]
    size: int = 20
    ranges: tuple[float, ...] = ()  # bucket edges of a range facet
    expand: bool = False  # hierarchy: every value of every level, not only the top level and
    # the children of selected paths (the Algolia protocol's category.lvlN attributes)
    values: bool = False  # range: also count the distinct values (up to ``size``)


@dataclass(frozen=True)
class SortSpec:
    field: str
    descending: bool = False


@dataclass
class SearchPlan:
    text: TextQuery | None = None
    filters: list[Filter] = dataclasses.field(default_factory=list)
    facets: list[FacetRequest] = dataclasses.field(default_factory=list)
    sort: SortSpec | None = None  # None: by relevance
    offset: int = 0
    limit: int = 20
    popularity_boost: bool = True  # lean relevance towards popular products
    explain: bool = False
    fixed_filters: list[Filter] = dataclasses.field(default_factory=list)
    """Filters added by query rules: like ``filters`` for hits and totals, but applied to every
    facet count too (a buyer cannot deselect them, so disjunctive facets never leave them out)."""
    boosts: list[tuple[Filter, float]] = dataclasses.field(default_factory=list)
    """Relevance factors of query rules: products matching the filter score ``weight`` times as
    much (> 1 boosts, < 1 buries). Several factors of one product add up (1 + sum of
    (factor - 1)), so the order is still monotone in each. No effect on sorted results."""
    exclude_skus: tuple[str, ...] = ()
    """Hidden products: never in hits, totals or facet counts."""
    skip_skus: tuple[str, ...] = ()
    """Left out of hits and total but still counted in facets: pinned products, which ranking
    places itself."""
    assortment: Assortment | None = None
    """The customer's assortment; None: the whole catalog."""
    customer_prices: CustomerPrices | None = None
    """The buyer's own prices; None: the catalog's prices (anonymous buyers)."""
    facet_text: TextQuery | None = None
    """Facets count the products matching this stricter text (every word of a broad query)
    when, with the filters, any product does; otherwise those matching ``text``."""


@dataclass
class Hit:
    sku: str
    score: float
    source: dict[str, Any]
    part_number_match: bool = False
    explanation: dict[str, Any] | None = None


@dataclass
class FacetValue:
    value: str
    count: int
    level: int = 0  # depth in a hierarchical facet
    selected: bool = False


@dataclass
class RangeBucket:
    gte: float | None
    lt: float | None
    count: int


@dataclass
class FacetResult:
    field: str
    kind: str
    values: list[FacetValue] = dataclasses.field(default_factory=list)
    buckets: list[RangeBucket] = dataclasses.field(default_factory=list)
    min: float | None = None
    max: float | None = None
    sum: float | None = None  # range facets: over the products that have a value
    avg: float | None = None


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, FacetResult]
    engine_ms: float = 0.0
    facets_strict: bool = False  # the facets counted the products matching ``facet_text``
    strict_total: int | None = None  # how many products (with the filters) match ``facet_text``
