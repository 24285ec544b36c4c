"""The query-embedding LRU cache."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from catalog.settings import Settings
from embeddings.cache import QueryEmbeddingCache, encode_query, get_query_cache, normalize_query
from embeddings.encoder import SentenceTransformerEncoder
from tests.embeddings.conftest import CountingEncoder, HashEncoder


def test_repeated_queries_hit_whatever_the_spacing_and_case() -> None:
    enc = CountingEncoder(HashEncoder())
    cache = QueryEmbeddingCache(10)
    first = encode_query(enc, "Cordless  drill", cache)
    again = encode_query(enc, "  cordless DRILL ", cache)
    assert np.array_equal(first, again)
    assert enc.calls == [["cordless drill"]]
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.stats()["hit_rate"] == 0.5
    assert normalize_query("ＨＥＸ\tBolt ") == "hex bolt"  # NFKC: full-width letters
    with pytest.raises(ValueError):
        first[0] = 1.0  # read-only: nobody can corrupt a cached vector


def test_least_recently_used_goes_first() -> None:
    enc = CountingEncoder(HashEncoder())
    cache = QueryEmbeddingCache(2)
    for q in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        cache.encode(enc, q)
    assert len(cache) == 2
    cache.encode(enc, "a")
    cache.encode(enc, "b")
    assert enc.texts == ["a", "b", "c", "b"]


def test_models_do_not_share_entries_and_size_zero_keeps_nothing() -> None:
    class Other(HashEncoder):
        model_id = "other-model"

    cache = QueryEmbeddingCache(10)
    a, b = CountingEncoder(HashEncoder()), CountingEncoder(Other())
    cache.encode(a, "drill")
    cache.encode(b, "drill")
    assert (len(a.calls), len(b.calls)) == (1, 1)

    off = QueryEmbeddingCache(0)
    off.encode(a, "drill")
    off.encode(a, "drill")
    assert len(off) == 0 and off.misses == 2 and len(a.calls) == 3


def test_the_process_cache_is_sized_by_the_setting() -> None:
    assert get_query_cache(Settings(embedding_query_cache_size=7)).maxsize == 7
    assert get_query_cache(Settings(embedding_query_cache_size=7)) is \
        get_query_cache(Settings(embedding_query_cache_size=7))


def test_threads_share_the_cache_safely() -> None:
    enc = HashEncoder()
    cache = QueryEmbeddingCache(50)
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            for i in range(300):
                q = f"query {(seed * 7 + i) % 80}"
                assert np.array_equal(cache.encode(enc, q), enc.encode([q])[0])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache.hits + cache.misses == 6 * 300 and len(cache) == 50


def test_real_model_hit_returns_the_encoders_vector(encoder: SentenceTransformerEncoder) -> None:
    cache = QueryEmbeddingCache(10)
    v = encode_query(encoder, "Cordless Drill", cache)
    assert v.shape == (384,) and v.dtype == np.float32
    assert float(v @ encoder.encode(["cordless drill"])[0]) > 0.9999
    assert encode_query(encoder, "cordless drill", cache) is v
