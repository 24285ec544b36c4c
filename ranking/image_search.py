"""Search by photo (S8): the products whose images look most like an uploaded photo,
optionally narrowed by a text query, filters and the query rules.

How a photo and a text query combine: the text **narrows**, it is not fused. The results are
the visually most similar products among those that match every word of ``q`` (with the
engine's synonyms, typo tolerance and part-number matching) and pass the filters, ranked by
visual similarity alone. A photo says what a part looks like; the words a buyer adds say what
a photo cannot (``M10``, ``stainless``, a brand), so a product that does not match them is
not an answer however similar it looks, and a product that matches them but looks nothing
like the photo is not one either. Rank fusion (as hybrid text search does) would let both
kinds in. Hidden products and the filters added by query rules hold as in text search; pins
and boosts do not apply (the order is the photo's).

Like the hybrid search's semantic neighbours, the nearest products by image are checked by
the search engine against the text, the filters and the rules (``TermsFilter("sku")`` plus the
request's filters); when a narrow filter leaves too few of them, the search looks further
down the similarity list (4x deeper each round) until ``depth`` products pass or the whole
index was looked at. At most ``depth`` products (``DISCOVERY_IMAGE_SEARCH_DEPTH``) are ranked:
a list of visually similar parts is read for a few pages, not for hundreds.

When the image vectors live in the search engine (Elasticsearch: ``ranking.hybrid.
FilteredNeighbours``), the engine's kNN search applies the text, the filters and the rules
itself, so one request of ``depth`` neighbours replaces the deepening rounds; the products
are then read by the same check (one engine query).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from catalog.errors import InvalidInput
from embeddings.image_encoder import ImageEncoder
from embeddings.images import DEFAULT_MAX_PIXELS, open_image
from embeddings.vectors import VectorIndex
from indexer.plan import Filter, Hit, SearchPlan, TermsFilter, TextQuery
from ranking.hybrid import FilteredNeighbours
from ranking.query import every_word, parse_text
from ranking.rules import merged
from ranking.service import SearchService, parse_filters

_CHECK_CHUNK = 2_000  # SKUs per engine query when checking neighbours
_DEEPEN = 4
_MAX_ROUNDS = 4


class ImageNeighbours(Protocol):
    """What search by photo needs of the image embeddings (``api.images.ServedImages``)."""

    def image_vector(self, data: bytes) -> np.ndarray:
        """The photo's L2-normalised vector; raises a 4xx for a bad image, 503 when image
        search cannot run."""
        ...

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


class EncodedImages:
    """:class:`ImageNeighbours` over an image encoder and a vector index: the photo is read
    with the limits of :func:`embeddings.images.open_image` (``field`` names it in errors)."""

    def __init__(self, encoder: ImageEncoder, index: VectorIndex, *, max_bytes: int | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, field: str = "image") -> None:
        self.encoder, self.index = encoder, index
        self.max_bytes, self.max_pixels, self.field = max_bytes, max_pixels, field

    def image_vector(self, data: bytes) -> np.ndarray:
        image = open_image(data, field=self.field, max_bytes=self.max_bytes,
                           max_pixels=self.max_pixels, min_side=self.encoder.image_size)
        vector: np.ndarray = self.encoder.encode([image])[0]
        return vector

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self.index.search(vector, k)

    def count(self) -> int:
        return len(self.index)


@dataclass
class ImageSearchRequest:
    q: str = ""
    filters: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = 20
    config: str | None = None  # a shipped configuration (its synonyms and rules), or "draft"
    customer_group: str | None = None


@dataclass
class _Prepared:
    text: TextQuery | None
    filters: list[Filter]
    fixed: list[Filter]
    hidden: tuple[str, ...]
    rules: list[str]

    @property
    def narrowed(self) -> bool:
        return bool(self.text or self.filters or self.fixed or self.hidden)


class ImageSearch:
    def __init__(self, service: SearchService, images: ImageNeighbours, depth: int) -> None:
        self.service, self.images, self.depth = service, images, depth

    def prepare(self, req: ImageSearchRequest) -> _Prepared:
        """Check the request's parameters (cheap 400s before an upload is decoded)."""
        settings = self.service.settings
        if len(req.q) > settings.max_query_length:
            raise InvalidInput(f"query is {len(req.q)} characters long; the limit is "
                               f"{settings.max_query_length}", field="q")
        if not 1 <= req.page_size <= settings.max_page_size:
            raise InvalidInput(f"page_size must be between 1 and {settings.max_page_size}",
                               field="page_size")
        if req.page < 1:
            raise InvalidInput("page starts at 1", field="page")
        if req.page * req.page_size > settings.max_result_window:
            raise InvalidInput(f"page x page_size may not exceed {settings.max_result_window}",
                               field="page")
        filters = parse_filters(req.filters)
        config = self.service.configuration(req.config)
        text = parse_text(req.q, config)
        fired = config.rules.matching(req.q, self.service.clock(), req.customer_group)
        _, hidden, _, fixed, _ = merged(fired)
        return _Prepared(every_word(text) if text is not None else None, filters, fixed,
                         tuple(sorted(hidden)), [rule.id for rule in fired])

    def search(self, data: bytes, req: ImageSearchRequest,
               prepared: _Prepared | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        prep = prepared or self.prepare(req)
        vector = self.images.image_vector(data)
        encoded = time.perf_counter()
        ranked, vector_ms, engine_ms, looked_at = self._ranked(vector, prep)
        offset = (req.page - 1) * req.page_size
        hits = []
        for hit, similarity in ranked[offset : offset + req.page_size]:
            body = dict(hit.source)
            body["score"] = round(similarity, 4)
            body["pinned"] = False
            hits.append(body)
        total = len(ranked)
        return {
            "query": req.q,
            "total": total,
            "page": req.page,
            "page_size": req.page_size,
            "pages": math.ceil(total / req.page_size) if total else 0,
            "config": req.config or self.service.config.name,
            "retrieval": "image",
            "depth": self.depth,
            "looked_at": looked_at,
            "hits": hits,
            "facets": [],
            "rules": prep.rules,
            "encode_ms": round((encoded - started) * 1000, 3),
            "vector_ms": round(vector_ms, 3),
            "engine_ms": round(engine_ms, 3),
            "took_ms": round((time.perf_counter() - started) * 1000, 3),
        }

    def _ranked(self, vector: np.ndarray, prep: _Prepared
                ) -> tuple[list[tuple[Hit, float]], float, float, int]:
        """The products most similar to ``vector`` that pass the text, filters and rules,
        best first, at most ``depth``; with the time spent in the vector index and the engine
        and how many neighbours were looked at."""
        want = self.depth
        filtered = isinstance(self.images, FilteredNeighbours)
        size = want if filtered else self.images.count()  # filtered: one round is all
        k = min(size, want * (_DEEPEN if prep.narrowed and not filtered else 1))
        vector_ms = engine_ms = 0.0
        checked: dict[str, Hit] = {}
        neighbours: list[tuple[str, float]] = []
        for _ in range(_MAX_ROUNDS):
            t0 = time.perf_counter()
            neighbours = self._nearest(vector, k, prep, filtered) if k > 0 else []
            t1 = time.perf_counter()
            vector_ms += (t1 - t0) * 1000
            fresh = [sku for sku, _ in neighbours if sku not in checked]
            for start in range(0, len(fresh), _CHECK_CHUNK):
                chunk = tuple(fresh[start : start + _CHECK_CHUNK])
                found = self.service.backend.search(SearchPlan(
                    text=prep.text, filters=[*prep.filters, TermsFilter("sku", chunk)],
                    fixed_filters=prep.fixed, exclude_skus=prep.hidden, limit=len(chunk),
                    popularity_boost=False))
                checked.update((hit.sku, hit) for hit in found.hits)
                checked.update((sku, _MISSING) for sku in chunk if sku not in checked)
            engine_ms += (time.perf_counter() - t1) * 1000
            passed = sum(checked.get(sku) is not _MISSING for sku, _ in neighbours)
            if passed >= want or k >= size:
                break
            k = min(size, k * _DEEPEN)
        ranked = [(checked[sku], cos) for sku, cos in neighbours
                  if checked.get(sku, _MISSING) is not _MISSING]
        return ranked[:want], vector_ms, engine_ms, len(neighbours)

    def _nearest(self, vector: np.ndarray, k: int, prep: _Prepared, filtered: bool
                 ) -> list[tuple[str, float]]:
        if filtered and isinstance(self.images, FilteredNeighbours):
            # the engine's kNN, narrowed as the check below narrows
            plan = SearchPlan(text=prep.text, filters=prep.filters, fixed_filters=prep.fixed,
                              exclude_skus=prep.hidden, limit=k, popularity_boost=False)
            return self.images.nearest_within(plan, vector, k)
        return self.images.nearest(vector, k)


_MISSING = Hit(sku="", score=0.0, source={})
"""Marks a neighbour the engine did not return (filtered out, hidden, or no longer there)."""
