"""What every TextEncoder and ImageEncoder must do; call :func:`check_text_encoder` /
:func:`check_image_encoder` from a test of each implementation (as
``tests/indexer/conformance.py`` does for search backends)."""

from __future__ import annotations

import numpy as np

from embeddings.encoder import TextEncoder
from embeddings.image_encoder import ImageEncoder

TEXTS = ["cordless drill 18 V", "hex bolt M8x40 stainless steel A2", "", "Nitrile gloves, size L",
         "x " * 400]


def check_text_encoder(encoder: TextEncoder) -> None:
    assert isinstance(encoder, TextEncoder)
    assert isinstance(encoder.model_id, str) and encoder.model_id
    assert isinstance(encoder.dim, int) and encoder.dim > 0

    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), encoder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    # deterministic, and each row belongs to its own text whatever the batching
    again = encoder.encode(TEXTS)
    assert np.array_equal(vectors, again)
    one_by_one = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.all(np.sum(one_by_one * vectors, axis=1) > 0.999)
    small_batches = encoder.encode(TEXTS, batch_size=2)
    assert np.all(np.sum(small_batches * vectors, axis=1) > 0.999)

    seen: list[tuple[int, int]] = []
    encoder.encode(TEXTS, batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (len(TEXTS), len(TEXTS))

    empty = encoder.encode([])
    assert empty.shape == (0, encoder.dim)


def check_image_encoder(encoder: ImageEncoder) -> None:
    """What every ImageEncoder must do (``encoder`` may load its model here)."""
    from tests.embeddings.image_factory import product_photo

    assert isinstance(encoder, ImageEncoder)
    assert isinstance(encoder.model_id, str) and encoder.model_id
    assert isinstance(encoder.dim, int) and encoder.dim > 0
    assert isinstance(encoder.image_size, int) and encoder.image_size > 0

    images = [product_photo(i) for i in range(5)] + [product_photo(9, size=(40, 500))]
    vectors = encoder.encode(images)
    assert vectors.shape == (len(images), encoder.dim)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    # deterministic, and each row belongs to its own image whatever the batching
    assert np.allclose(vectors, encoder.encode(images), atol=1e-6)
    one_by_one = np.vstack([encoder.encode([image]) for image in images])
    assert np.all(np.sum(one_by_one * vectors, axis=1) > 0.9999)
    small_batches = encoder.encode(images, batch_size=2)
    assert np.all(np.sum(small_batches * vectors, axis=1) > 0.9999)

    seen: list[tuple[int, int]] = []
    encoder.encode(images, batch_size=4, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (len(images), len(images))

    assert encoder.encode([]).shape == (0, encoder.dim)
