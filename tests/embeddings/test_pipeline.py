"""embed_products: only missing or changed embedded texts are encoded, on SQLite and
PostgreSQL, with the real model."""

from __future__ import annotations

import numpy as np

from catalog.store import CatalogStore
from embeddings.encoder import SentenceTransformerEncoder, product_text
from embeddings.pipeline import embed_products
from embeddings.vectors import VectorIndex
from tests.embeddings.conftest import CountingEncoder
from tests.factories import make_record

CATALOG = [
    make_record("DRL-1", "Cordless drill driver 18 V", brand="Voltix",
                category="Power tools > Drills", price_per_piece=89.0),
    make_record("PNT-1", "Acrylic wall paint, matt white, 10 l", brand="Colorex",
                category="Paints > Wall paints", price_per_piece=39.0),
    make_record("GLV-1", "Nitrile disposable gloves, size L", brand="SafeHands",
                category="Safety > Gloves", price_per_piece=0.1),
    make_record("BLT-1", "Hex bolt M8x40, stainless steel A2", brand="Fastek",
                category="Fasteners > Bolts", price_per_piece=0.2),
]


def test_only_new_and_changed_texts_are_encoded(store: CatalogStore,
                                                counting: CountingEncoder) -> None:
    store.migrate()
    store.upsert(CATALOG)
    progress: list[tuple[int, int]] = []
    first = embed_products(store, counting, progress=lambda d, t: progress.append((d, t)))
    assert (first.seen, first.encoded, first.unchanged) == (4, 4, 0)
    assert progress[-1] == (4, 4)
    stored = store.get_embeddings(counting.model_id, ["DRL-1"])["DRL-1"]
    vector = np.frombuffer(stored.vector, dtype="<f4")
    assert stored.dim == 384 and abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    assert float(vector @ counting.inner.encode([product_text(CATALOG[0])])[0]) > 0.9999

    # a restart (a new encoder object of the same model) and a re-run encode nothing
    counting.calls.clear()
    again = embed_products(store, CountingEncoder(SentenceTransformerEncoder()))
    assert (again.encoded, again.unchanged) == (0, 4)
    assert embed_products(store, counting).encoded == 0 and counting.calls == []

    # a price change leaves the embedded text alone; a new name changes it
    store.upsert([{**CATALOG[0], "price_per_piece": 79.0},
                  {**CATALOG[1], "name": "Acrylic ceiling paint, matt white, 10 l"}])
    changed = embed_products(store, counting, ["DRL-1", "PNT-1", "NOPE"])
    assert (changed.encoded, changed.unchanged, changed.missing) == (1, 1, ["NOPE"])
    assert counting.texts == [product_text({**CATALOG[1],
                                            "name": "Acrylic ceiling paint, matt white, 10 l"})]

    # records straight from an ingest batch, and a sink that sees what was stored
    got: list[tuple[list[str], np.ndarray]] = []
    new = make_record("SAW-1", "Cordless circular saw 18 V", brand="Voltix")
    store.upsert([new])
    report = embed_products(store, counting, [new, CATALOG[2]],
                            on_encoded=lambda skus, vecs: got.append((skus, vecs)))
    assert (report.encoded, report.unchanged) == (1, 1)
    assert got[0][0] == ["SAW-1"] and got[0][1].shape == (1, 384)

    # deleting a product deletes its embedding
    store.delete(["GLV-1"])
    assert store.embedding_skus(counting.model_id) == ["BLT-1", "DRL-1", "PNT-1", "SAW-1"]


def test_semantic_search_end_to_end(store: CatalogStore, encoder: SentenceTransformerEncoder
                                    ) -> None:
    """Catalog -> stored embeddings -> vector index -> a query finds what it means."""
    from embeddings.cache import QueryEmbeddingCache, encode_query

    store.migrate()
    store.upsert(CATALOG)
    embed_products(store, encoder)
    index = VectorIndex.from_store(store, encoder.model_id, encoder.dim)
    cache = QueryEmbeddingCache(10)
    hits = index.search(encode_query(encoder, "battery powered drill", cache), k=2)
    assert hits[0][0] == "DRL-1"
    assert index.search(encode_query(encoder, "screws and fixings", cache), k=1)[0][0] == "BLT-1"
    filtered = index.search(encode_query(encoder, "battery powered drill", cache), k=2,
                            allowed={"PNT-1", "GLV-1"})
    assert {sku for sku, _ in filtered} == {"PNT-1", "GLV-1"}
