"""The query-embedding cache: buyers repeat queries (the head of the query log is a few
hundred phrases), and an encoder call costs 10-20 ms of CPU on two cores against a few
microseconds for a hit.

Keys are the query with whitespace collapsed and case folded, plus the encoder's
``model_id`` (two models never share an entry). The text encoded is that normalised form,
so a cached vector is exactly what its key means; for the default (uncased) model case
folding changes nothing anyway. Vectors handed out are read-only: a caller cannot corrupt
the cache by writing into one.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict

import numpy as np

from catalog.settings import Settings, get_settings
from embeddings.encoder import TextEncoder


def normalize_query(text: str) -> str:
    """The cache key form of a query: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class QueryEmbeddingCache:
    """A thread-safe LRU of query vectors with hit and miss counters. ``maxsize`` 0 keeps
    nothing (every lookup is a miss). Two threads that miss the same query at once both
    encode it; the second store is a harmless overwrite."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = max(0, maxsize)
        self._entries: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, model_id: str, key: str) -> np.ndarray | None:
        with self._lock:
            vector = self._entries.get((model_id, key))
            if vector is None:
                self.misses += 1
                return None
            self._entries.move_to_end((model_id, key))
            self.hits += 1
            return vector

    def put(self, model_id: str, key: str, vector: np.ndarray) -> np.ndarray:
        vector = np.array(vector, dtype=np.float32, copy=True).reshape(-1)
        vector.setflags(write=False)
        if self.maxsize == 0:
            return vector
        with self._lock:
            self._entries[(model_id, key)] = vector
            self._entries.move_to_end((model_id, key))
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return vector

    def encode(self, encoder: TextEncoder, text: str) -> np.ndarray:
        """The (dim,) vector of a query, from the cache or the encoder."""
        key = normalize_query(text)
        model_id = encoder.model_id
        vector = self.get(model_id, key)
        if vector is None:
            vector = self.put(model_id, key, encoder.encode([key])[0])
        return vector

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict[str, float]:
        with self._lock:
            total = self.hits + self.misses
            return {"size": len(self._entries), "maxsize": self.maxsize, "hits": self.hits,
                    "misses": self.misses, "hit_rate": self.hits / total if total else 0.0}


_CACHES: dict[int, QueryEmbeddingCache] = {}
_CACHES_LOCK = threading.Lock()


def get_query_cache(settings: Settings | None = None) -> QueryEmbeddingCache:
    """The process's cache, sized by ``DISCOVERY_EMBEDDING_QUERY_CACHE_SIZE``."""
    size = (settings or get_settings()).embedding_query_cache_size
    with _CACHES_LOCK:
        cache = _CACHES.get(size)
        if cache is None:
            cache = _CACHES[size] = QueryEmbeddingCache(size)
        return cache


def encode_query(encoder: TextEncoder, text: str,
                 cache: QueryEmbeddingCache | None = None) -> np.ndarray:
    """The read-only, L2-normalised (dim,) float32 vector of a search query, cached."""
    return (cache if cache is not None else get_query_cache()).encode(encoder, text)
