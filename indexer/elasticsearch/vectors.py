"""The product vectors held by the cluster, seen through the interface of the embedded vector
index (``embeddings.vectors.VectorIndex``: search, scores, sync, describe), so a serving
process uses them the same way: the store stays the source of truth, the sync sends what it
gained since the watermark recorded in the index. One class for both vector fields: the
text embeddings (hybrid search) and the image embeddings (search by photo)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from catalog.errors import BackendUnavailable
from indexer.elasticsearch.backend import ElasticsearchBackend, EmbeddingRows
from indexer.elasticsearch.mapping import IMAGE_VECTOR, TEXT_VECTOR
from indexer.plan import SearchPlan

_DIMS_SETTING = {TEXT_VECTOR: "DISCOVERY_ES_TEXT_VECTOR_DIMS",
                 IMAGE_VECTOR: "DISCOVERY_ES_IMAGE_VECTOR_DIMS"}


class ClusterVectors:
    def __init__(self, backend: ElasticsearchBackend, model_id: str, dim: int,
                 field: str = TEXT_VECTOR) -> None:
        mapped = backend.config.image_vector_dims if field == IMAGE_VECTOR else \
            backend.config.text_vector_dims
        if dim != mapped:  # the index could hold none of this model's vectors
            raise BackendUnavailable(
                f"the model {model_id} gives {dim}-dimension vectors but the index maps "
                f"{field} with {mapped}: set {_DIMS_SETTING[field]}={dim} and rebuild the "
                "index (discovery reindex)")
        self.backend, self.model_id, self.dim, self.field = backend, model_id, dim, field
        self.last_sync: dict[str, int] | None = None

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The nearest products among all (filtered searches ask the backend with a plan)."""
        return self.backend.nearest(SearchPlan(), [float(x) for x in vector], k,
                                    field=self.field)

    def scores(self, vector: np.ndarray, skus: Sequence[str]) -> dict[str, float]:
        return self.backend.similarities([float(x) for x in vector], skus, field=self.field)

    def sync(self, store: EmbeddingRows, *, full: bool = False) -> dict[str, int]:
        self.last_sync = self.backend.sync_vectors(store, self.model_id, full=full,
                                                   field=self.field)
        return self.last_sync

    def describe(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "dim": self.dim, "where": "elasticsearch",
                "field": self.field, "count": self.backend.vector_count(self.field),
                "last_sync": self.last_sync}

    def __len__(self) -> int:
        return self.backend.vector_count(self.field)
