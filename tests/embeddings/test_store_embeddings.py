"""Stored product embeddings on SQLite and PostgreSQL (the same behaviour on both)."""

from __future__ import annotations

import time

import numpy as np

from catalog.store import CatalogStore, EmbeddingRow
from tests.factories import make_record


def _row(sku: str, seed: int, text_hash: str = "h") -> EmbeddingRow:
    vec = np.random.default_rng(seed).standard_normal(4).astype("<f4")
    return EmbeddingRow(sku, text_hash, 4, vec.tobytes())


def test_upsert_get_iterate_and_delete(store: CatalogStore) -> None:
    store.migrate()
    store.upsert([make_record(f"S-{i}", f"Product {i}") for i in range(7)])
    assert store.upsert_embeddings("m1", [_row(f"S-{i}", i) for i in range(7)]) == 7
    store.upsert_embeddings("m2", [_row("S-0", 99, "other")])

    assert store.embedding_hashes("m1", ["S-0", "S-1", "NOPE"]) == {"S-0": "h", "S-1": "h"}
    got = store.get_embeddings("m1", ["S-3"])
    assert got["S-3"] == _row("S-3", 3)
    assert store.get_embeddings("m2", ["S-0"])["S-0"].text_hash == "other"

    # replacing keeps one row per (model, sku) and stores the new vector
    store.upsert_embeddings("m1", [_row("S-3", 33, "h2")])
    assert store.get_embeddings("m1", ["S-3"])["S-3"] == _row("S-3", 33, "h2")

    batches = list(store.iter_embeddings("m1", batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [r.sku for b in batches for r in b] == sorted(f"S-{i}" for i in range(7))
    assert store.embedding_state("m1")[0] == 7
    assert store.embedding_models() == {"m1": 7, "m2": 1}

    # incremental sync: only what was written at or after a moment
    _, newest = store.embedding_state("m1")
    time.sleep(0.01)
    store.upsert_embeddings("m1", [_row("S-5", 55, "h3")])
    assert newest is not None
    recent = [r.sku for b in store.iter_embeddings("m1", updated_since=newest) for r in b]
    assert recent == ["S-3", "S-5"]  # at or after: S-3 was written at ``newest``

    # a deleted product takes its embeddings with it, under every model
    store.delete(["S-0"])
    assert store.embedding_hashes("m1", ["S-0"]) == {}
    assert store.embedding_hashes("m2", ["S-0"]) == {}
    assert store.delete_embeddings(skus=["S-1", "S-2"], model_id="m1") == 2
    assert store.embedding_skus("m1") == ["S-3", "S-4", "S-5", "S-6"]
    store.upsert_embeddings("m2", [_row("S-6", 6)])
    assert store.delete_embeddings(keep_model_id="m1") == 1
    assert store.embedding_models() == {"m1": 4}
