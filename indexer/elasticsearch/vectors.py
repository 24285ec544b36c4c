"""The product vectors held by the cluster, seen through the interface of the embedded vector
index (``embeddings.vectors.VectorIndex``: search, scores, sync, describe), so a serving
process uses them the same way: the store stays the source of truth, the sync sends what it
gained since the watermark recorded in the index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.elasticsearch.backend import ElasticsearchBackend, EmbeddingRows
from indexer.plan import SearchPlan


class ClusterVectors:
    def __init__(self, backend: ElasticsearchBackend, model_id: str, dim: int) -> None:
        self.backend, self.model_id, self.dim = backend, model_id, dim
        self.last_sync: dict[str, int] | None = None

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The nearest products among all (hybrid search asks with its plan instead)."""
        return self.backend.nearest(SearchPlan(), [float(x) for x in vector], k)

    def scores(self, vector: np.ndarray, skus: Sequence[str]) -> dict[str, float]:
        return self.backend.similarities([float(x) for x in vector], skus)

    def sync(self, store: EmbeddingRows, *, full: bool = False) -> dict[str, int]:
        self.last_sync = self.backend.sync_vectors(store, self.model_id, full=full)
        return self.last_sync

    def describe(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "dim": self.dim, "where": "elasticsearch",
                "count": self.backend.vector_count(), "last_sync": self.last_sync}

    def __len__(self) -> int:
        return self.backend.vector_count()
