"""The image encoder the tests run: open_clip's small ViT-S-32-alt with random weights from a
fixed seed (no CLIP weights can be downloaded here), loaded once per process."""

from __future__ import annotations

from functools import lru_cache

from embeddings.image_encoder import OpenClipEncoder

ARCH = "ViT-S-32-alt"
SERVER_ENV = {"DISCOVERY_CLIP_MODEL": ARCH, "DISCOVERY_CLIP_WEIGHTS": "random"}
"""What a server started by a test needs for search by photo with the same weights."""


@lru_cache(maxsize=1)
def random_clip() -> OpenClipEncoder:
    return OpenClipEncoder(model=ARCH, weights="random", batch_size=16).load()
