"""Hybrid search: lexical results fused with the nearest products by text embedding (S11).

The lexical search runs as always (filters, rules, synonyms, facets); the query's embedding
finds the products closest in meaning, which are checked against the same filters and rules
by the backend; the two ranked lists are fused by reciprocal rank (``rrf``) or by a weighted
blend of normalised scores (``blend``), configured in the search configuration's
``[hybrid]`` table. Queries that name a part number stay lexical.

With ``feedback = n`` the embeddings of the first ``n`` fused results that match a word of
the query are added to the query's (Rocchio's pseudo-relevance feedback on the vectors) and
the semantic side runs once more with that vector: a short query such as "safety gloves"
then also reaches the products that sit near what it found first, whatever words they use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from catalog.errors import BackendUnavailable, InvalidInput
from indexer.plan import Hit, SearchPlan

FUSIONS = ("rrf", "blend")
MAX_FEEDBACK = 20
FEEDBACK_POOL = 10
"""The feedback round of the embedded vector index ranks the query's nearest FEEDBACK_POOL x
``candidates`` products by the moved vector, instead of scanning every vector again."""
MAX_FEEDBACK_WEIGHT = 10.0


class SemanticUnavailable(BackendUnavailable):
    """The encoder or the vector index cannot be used; hybrid search answers lexically."""


@dataclass(frozen=True)
class HybridConfig:
    """``[hybrid]`` of a search configuration."""

    enabled: bool = False
    fusion: str = "rrf"  # "rrf": reciprocal rank fusion; "blend": weighted normalised scores
    rrf_k: float = 60.0  # rank constant of RRF: 1 / (rrf_k + rank)
    semantic_weight: float = 1.0  # weight of the semantic list (the lexical one weighs 1);
    # in "blend": the share of the semantic score, 0..1
    candidates: int = 100  # products taken from each list before fusing
    min_similarity: float = 0.0  # semantic candidates below this cosine are left out
    feedback: int = 0  # the first n word-matching results' embeddings join the query's (0: off)
    feedback_weight: float = 0.5  # their mean's weight next to the query's own vector (1)

    def __post_init__(self) -> None:
        if self.fusion not in FUSIONS:
            raise InvalidInput(f"[hybrid] fusion must be one of: {', '.join(FUSIONS)}",
                               field="hybrid.fusion")
        if self.rrf_k <= 0:
            raise InvalidInput("[hybrid] rrf_k must be > 0", field="hybrid.rrf_k")
        if self.semantic_weight < 0 or (self.fusion == "blend" and self.semantic_weight > 1):
            raise InvalidInput("[hybrid] semantic_weight must be >= 0 (in blend: 0..1)",
                               field="hybrid.semantic_weight")
        if not 1 <= self.candidates <= 1000:
            raise InvalidInput("[hybrid] candidates must be between 1 and 1000",
                               field="hybrid.candidates")
        if not -1.0 <= self.min_similarity <= 1.0:
            raise InvalidInput("[hybrid] min_similarity is a cosine, -1..1",
                               field="hybrid.min_similarity")
        if not 0 <= self.feedback <= MAX_FEEDBACK:
            raise InvalidInput(f"[hybrid] feedback must be between 0 and {MAX_FEEDBACK} "
                               "(results whose embeddings join the query's)",
                               field="hybrid.feedback")
        if not 0.0 <= self.feedback_weight <= MAX_FEEDBACK_WEIGHT:
            raise InvalidInput(f"[hybrid] feedback_weight must be between 0 and "
                               f"{MAX_FEEDBACK_WEIGHT:g}", field="hybrid.feedback_weight")


class SemanticIndex(Protocol):
    """What hybrid search needs of the embeddings: a query vector (cached), the nearest
    products by cosine, the cosines of given products, and their vectors (feedback)."""

    def query_vector(self, text: str) -> np.ndarray: ...

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def similarities(self, vector: np.ndarray, skus: Sequence[str]) -> dict[str, float]: ...

    def vectors(self, skus: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class FilteredNeighbours(Protocol):
    """A :class:`SemanticIndex` whose vectors live in the search engine (Elasticsearch's
    kNN): it finds the nearest products among those the plan allows (filters, rules,
    assortment, hidden and pinned products), so hybrid search asks it with the plan instead
    of searching every vector. The embedded vector index does not have this."""

    def nearest_within(self, plan: SearchPlan, vector: np.ndarray, k: int
                       ) -> list[tuple[str, float]]: ...


class EmbeddingSearch:
    """:class:`SemanticIndex` over an encoder, a query cache and a vector index."""

    def __init__(self, encoder: Any, index: Any, cache: Any) -> None:
        self.encoder, self.index, self.cache = encoder, index, cache

    def query_vector(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.cache.encode(self.encoder, text)
        return vector

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = self.index.search(vector, k)
        return found

    def similarities(self, vector: np.ndarray, skus: Sequence[str]) -> dict[str, float]:
        found: dict[str, float] = self.index.scores(vector, skus)
        return found

    def vectors(self, skus: Sequence[str]) -> np.ndarray:
        found: np.ndarray = self.index.vectors(skus)
        return found


def feedback_vector(query: np.ndarray, found: np.ndarray, weight: float) -> np.ndarray | None:
    """The query's vector moved towards the mean of ``found`` (the vectors of its first
    results, one per row) by ``weight``, of unit length; None when there is nothing to add."""
    if found.shape[0] == 0 or weight <= 0:
        return None
    moved = np.asarray(query, dtype=np.float32) + np.float32(weight) * found.mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return None if norm == 0.0 else (moved / norm).astype(np.float32)


def fuse(lexical: list[Hit], semantic: list[tuple[Hit, float]], config: HybridConfig,
         lexical_similarity: dict[str, float] | None = None) -> list[Hit]:
    """One ranked list of the lexical hits (best first) and the semantic ones (with their
    cosine, best first); every product once, its ``score`` the fused one."""
    fused: dict[str, float] = {}
    hits: dict[str, Hit] = {}
    if config.fusion == "rrf":
        for rank, hit in enumerate(lexical, start=1):
            fused[hit.sku] = 1.0 / (config.rrf_k + rank)
            hits[hit.sku] = hit
        for rank, (hit, _) in enumerate(semantic, start=1):
            fused[hit.sku] = fused.get(hit.sku, 0.0) + config.semantic_weight / (config.rrf_k + rank)
            hits.setdefault(hit.sku, hit)
    else:  # blend: lexical scores over the best one, cosines as they are (0..1 for a match)
        alpha = config.semantic_weight
        top = max((h.score for h in lexical), default=0.0) or 1.0
        similarity = dict(lexical_similarity or {})
        similarity.update({hit.sku: cos for hit, cos in semantic})
        for hit in lexical:
            hits[hit.sku] = hit
        for hit, _ in semantic:
            hits.setdefault(hit.sku, hit)
        lexical_norm = {h.sku: h.score / top for h in lexical}
        for sku in hits:
            fused[sku] = ((1 - alpha) * lexical_norm.get(sku, 0.0)
                          + alpha * max(similarity.get(sku, 0.0), 0.0))
    order = sorted(hits, key=lambda s: -fused[s])
    out = []
    for sku in order:
        hit = hits[sku]
        out.append(Hit(sku=hit.sku, score=fused[sku], source=hit.source,
                       part_number_match=hit.part_number_match, explanation=hit.explanation))
    return out
