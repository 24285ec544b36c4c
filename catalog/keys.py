"""Product keys: a stable 63-bit integer per SKU, the same in every process and index.

Search engines keep them as a numeric column (tantivy's fast field ``sku_key``), so that
per-buyer values computed outside the engine (contract prices) can be matched to the
products of a result set in bulk, without reading stored documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def product_key(sku: str) -> int:
    """BLAKE2b of the SKU, first 8 bytes, top bit cleared (fits signed 64-bit columns too).
    A collision between two SKUs of one catalog has odds of about n^2 / 2^64."""
    digest = hashlib.blake2b(sku.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def product_keys(skus: Sequence[str]) -> np.ndarray:
    return np.fromiter((product_key(s) for s in skus), dtype=np.uint64, count=len(skus))
