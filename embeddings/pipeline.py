"""Compute and store product embeddings, only where they are missing or stale.

A product is (re)encoded when the store has no vector for it under the encoder's
``model_id``, or when the text hash of its :func:`~embeddings.encoder.product_text` differs
from the stored one. A re-ingest of an unchanged catalog, a price update or a restart
therefore encodes nothing; a model change encodes everything once (old vectors stay under
their own ``model_id`` until :meth:`CatalogStore.delete_embeddings` drops them).

Each chunk of products is read, encoded and written as one store transaction, so an
interrupted run keeps what it finished and the next run resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np

from catalog.store import CatalogStore, EmbeddingRow, Record
from embeddings.encoder import Progress, TextEncoder, product_text, text_hash

CHUNK = 1_000
"""Products per store round trip and transaction."""

OnEncoded = Callable[[list[str], np.ndarray], None]
"""on_encoded(skus, vectors): the rows just stored, e.g. ``VectorIndex.upsert``."""


@dataclass
class EmbedReport:
    model_id: str
    seen: int = 0
    encoded: int = 0
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)  # SKUs asked for but not in the store
    seconds: float = 0.0
    encode_seconds: float = 0.0

    @property
    def products_per_s(self) -> float:
        """Encoding throughput (products encoded per second of encoder time)."""
        return self.encoded / self.encode_seconds if self.encode_seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "seen": self.seen, "encoded": self.encoded,
                "unchanged": self.unchanged, "missing": len(self.missing),
                "seconds": round(self.seconds, 3),
                "products_per_s": round(self.products_per_s, 1)}


def _chunks(store: CatalogStore, items: Iterable[str] | Iterable[Record] | None,
            report: EmbedReport) -> Iterator[list[Record]]:
    if items is None:
        yield from store.iter_records(batch_size=CHUNK)
        return
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        if all(isinstance(x, str) for x in chunk):
            skus: list[str] = chunk  # type: ignore[assignment]
            records = store.get_many(skus)
            found = {r["sku"] for r in records}
            report.missing += [s for s in skus if s not in found]
            yield records
        else:
            yield [x for x in chunk if isinstance(x, dict)]


def embed_products(store: CatalogStore, encoder: TextEncoder,
                   items: Iterable[str] | Iterable[Record] | None = None, *,
                   batch_size: int | None = None, progress: Progress | None = None,
                   on_encoded: OnEncoded | None = None) -> EmbedReport:
    """Encode and store the embeddings of products whose embedded text is new or changed.

    ``items``: SKUs (read from the store), records (as the store holds them, e.g. the
    changed records of an ingest batch), or None for the whole catalog. ``batch_size`` is
    the encoder's (texts per forward pass). ``progress(done, total)`` after every chunk;
    ``total`` is 0 when unknown (an iterator). ``on_encoded(skus, vectors)`` receives what
    was stored, to update a vector index without reading it back.
    """
    started = time.perf_counter()
    model_id = encoder.model_id
    report = EmbedReport(model_id)
    if items is None:
        total = store.count()
    elif isinstance(items, Sequence):
        total = len(items)
    else:
        total = 0
    for records in _chunks(store, items, report):
        if not records:
            continue
        texts = {r["sku"]: product_text(r) for r in records}
        hashes = {sku: text_hash(t) for sku, t in texts.items()}
        stored = store.embedding_hashes(model_id, list(texts))
        todo = [sku for sku in texts if stored.get(sku) != hashes[sku]]
        report.seen += len(texts)
        report.unchanged += len(texts) - len(todo)
        if todo:
            t0 = time.perf_counter()
            batch = [texts[s] for s in todo]
            vectors = (encoder.encode(batch, batch_size=batch_size) if batch_size
                       else encoder.encode(batch))
            report.encode_seconds += time.perf_counter() - t0
            vectors = np.ascontiguousarray(vectors, dtype="<f4")
            store.upsert_embeddings(model_id, [
                EmbeddingRow(sku, hashes[sku], vectors.shape[1], vectors[i].tobytes())
                for i, sku in enumerate(todo)])
            report.encoded += len(todo)
            if on_encoded is not None:
                on_encoded(todo, vectors)
        if progress is not None:
            progress(report.seen + len(report.missing), total)
    report.seconds = time.perf_counter() - started
    return report
