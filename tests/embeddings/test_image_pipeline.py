"""Embedding product images: only new or changed images are encoded, shared images once,
unusable references are skipped with a counted reason, and the vector index follows."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from catalog.files import FileStore
from catalog.image_embeddings import ImageEmbeddingStore
from catalog.models import ProductMedia
from catalog.store import CatalogStore
from embeddings.image_encoder import DEFAULT_BATCH_SIZE
from embeddings.image_pipeline import embed_product_images, file_locator
from embeddings.vectors import VectorIndex
from tests.embeddings.clip import random_clip
from tests.embeddings.image_factory import encode, product_photo, write_photos
from tests.factories import make_record


class CountingImageEncoder:
    """The random CLIP encoder, recording how many images each call encodes."""

    def __init__(self) -> None:
        self.inner = random_clip()
        self.calls: list[int] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def image_size(self) -> int:
        return self.inner.image_size

    @property
    def encoded(self) -> int:
        return sum(self.calls)

    def encode(self, images: Sequence[object], *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        self.calls.append(len(images))
        return self.inner.encode(images, batch_size=batch_size,  # type: ignore[arg-type]
                                 progress=progress)


@pytest.fixture
def migrated(store: CatalogStore) -> CatalogStore:
    store.migrate()
    return store


def _run(store: CatalogStore, encoder: CountingImageEncoder, root: Path, **kw: object):  # type: ignore[no-untyped-def]
    return embed_product_images(ImageEmbeddingStore(store.engine), encoder, store.iter_skus(),
                                total=store.count(), locate=file_locator(FileStore(root / "files"),
                                                                         [root / "media"]),
                                **kw)  # type: ignore[arg-type]


def test_images_are_embedded_once_and_again_only_when_they_change(
        migrated: CatalogStore, tmp_path: Path) -> None:
    photos = write_photos(tmp_path / "media", range(6))
    (tmp_path / "media" / "broken.png").write_bytes(b"not a png at all")
    migrated.upsert([
        make_record("P0", "Zero", images=[str(photos[0])]),
        make_record("P1", "One", images=["https://cdn.example/p1.jpg", photos[1].as_uri()]),
        make_record("P2", "Two", images=["photo-2.png"]),  # relative to <root>/media
        make_record("P3", "Three", images=[str(photos[0])]),  # the same picture as P0
        make_record("R1", "Remote", images=["https://cdn.example/r1.jpg"]),
        make_record("M1", "Missing", images=[str(tmp_path / "gone.png")]),
        make_record("B1", "Broken", images=["broken.png"]),
        make_record("N1", "No image"),
    ])
    encoder = CountingImageEncoder()
    first = _run(migrated, encoder, tmp_path)
    assert first.seen == 8 and first.with_image == 5
    assert first.encoded == 3 and encoder.encoded == 3  # P0 and P3 share a file: encoded once
    assert first.stored == 4
    assert dict(first.skipped) == {"remote": 1, "missing": 1, "invalid": 1}
    assert first.examples["remote"] == ["R1: https://cdn.example/r1.jpg"]
    assert first.examples["invalid"][0].startswith("B1: broken.png (")
    images = ImageEmbeddingStore(migrated.engine)
    model_id = encoder.model_id
    assert images.embedding_skus(model_id) == ["P0", "P1", "P2", "P3"]
    index = VectorIndex.from_store(images, model_id, encoder.dim)
    assert np.array_equal(index.vector("P0"), index.vector("P3"))

    again = _run(migrated, encoder, tmp_path)  # nothing changed: nothing read or encoded
    assert (again.encoded, again.unchanged, again.stored) == (0, 4, 0) and encoder.encoded == 3

    photos[2].write_bytes(encode(product_photo(42)))  # P2's file now shows something else
    os.utime(photos[1], ns=(1, 1))  # P1's file touched, same bytes: hashed, not encoded
    third = _run(migrated, encoder, tmp_path)
    assert (third.encoded, third.unchanged) == (1, 3) and encoder.encoded == 4
    assert images.states(model_id, ["P1"])["P1"].file_stamp.endswith(":1")
    before = index.vector("P2")
    index.sync(images)
    assert not np.allclose(index.vector("P2"), before)

    migrated.upsert([make_record("P1", "One", images=["https://cdn.example/p1.jpg"])])
    migrated.delete(["P3"])
    fourth = _run(migrated, encoder, tmp_path)  # P1 lost its local image, P3 is gone
    assert fourth.removed == 1 and encoder.encoded == 4
    index.sync(images)
    assert sorted(index.skus()) == ["P0", "P2"]


def test_images_stored_with_the_catalog_are_found_by_their_sha256(
        migrated: CatalogStore, tmp_path: Path) -> None:
    data = encode(product_photo(7))
    sha = hashlib.sha256(data).hexdigest()
    stored = tmp_path / "files" / sha[:2] / sha
    stored.parent.mkdir(parents=True)
    stored.write_bytes(data)
    migrated.upsert([make_record("S1", "Stored", images=["datasheets/s1.png"])])
    with migrated.engine.begin() as conn:  # what ingestion records for a file it stored
        conn.execute(update(ProductMedia).where(ProductMedia.product_sku == "S1")
                     .values(sha256=sha))
    encoder = CountingImageEncoder()
    report = _run(migrated, encoder, tmp_path)
    assert (report.encoded, report.stored) == (1, 1)
    state = ImageEmbeddingStore(migrated.engine).states(encoder.model_id, ["S1"])["S1"]
    assert state.image_hash == sha and state.file_stamp is None
    assert _run(migrated, encoder, tmp_path).unchanged == 1 and encoder.encoded == 1


def test_a_decompression_bomb_among_product_images_is_skipped(
        migrated: CatalogStore, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(encode(product_photo(8, size=(400, 400))))
    migrated.upsert([make_record("X1", "Big", images=[str(big)])])
    report = _run(migrated, CountingImageEncoder(), tmp_path, max_pixels=100_000)
    assert report.skipped["invalid"] == 1 and report.stored == 0
    assert "megapixels" in report.examples["invalid"][0]
