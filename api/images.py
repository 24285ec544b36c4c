"""Search by photo for a serving process (S8): the image encoder and the image vector index,
loaded on first use, kept in step with the image embeddings other processes store, and the
background job that embeds the images of new and changed products (after an import, or at
start for what an earlier ingest left out).

Without ``DISCOVERY_CLIP_WEIGHTS`` nothing loads: the endpoint answers 503 with how to
configure it, health says ``not_configured``, and ingestion skips the images.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from api.background import RerunningJob
from catalog.errors import DiscoveryError
from catalog.files import FileStore
from catalog.image_embeddings import ImageEmbeddingStore
from catalog.settings import Settings
from catalog.store import CatalogStore
from embeddings.image_encoder import CONFIGURE_HINT, ClipUnavailable, OpenClipEncoder
from embeddings.image_pipeline import ImageEmbedReport, Locate, embed_product_images, file_locator
from embeddings.vectors import VectorIndex, image_vectors_dir
from ranking.image_search import EncodedImages

log = logging.getLogger("discovery")


def image_locator(settings: Settings) -> Locate:
    """Product images: files stored with the catalog (``<data_dir>/files``, where ingestion
    copies the local files a catalog names), or absolute local paths."""
    return file_locator(FileStore(settings.data_dir / "files"))


def embed_images(settings: Settings, store: CatalogStore, encoder: OpenClipEncoder,
                 skus: list[str] | None = None, progress: Any = None) -> ImageEmbedReport:
    """Embed the images of these products (None: the whole catalog) where new or changed."""
    images = ImageEmbeddingStore(store.engine)
    return embed_product_images(
        images, encoder, skus if skus is not None else store.iter_skus(),
        total=len(skus) if skus is not None else store.count(), locate=image_locator(settings),
        max_pixels=settings.max_image_pixels, max_bytes=int(settings.max_document_mb * 1e6),
        progress=progress)


class ServedImages:
    """``ranking.image_search.ImageNeighbours`` over the configured encoder and the image
    vector index of the catalog."""

    def __init__(self, settings: Settings, store: CatalogStore) -> None:
        self.settings, self.store = settings, store
        self.images = ImageEmbeddingStore(store.engine)
        self.encoder = OpenClipEncoder(settings=settings)
        self._lock = threading.Lock()
        self._ready: tuple[OpenClipEncoder, VectorIndex] | None = None
        self._error: str | None = None
        self._synced = 0.0
        self._syncing = threading.Lock()
        self._embedding = RerunningJob("image-embeddings", self._embed_once)
        self.last_embed: dict[str, Any] | None = None

    @property
    def configured(self) -> bool:
        return self.encoder.configured

    def start(self, *, catch_up: bool = False) -> ServedImages:
        """Load the encoder and the index in the background; with ``catch_up``, then embed
        the images of products that have none yet or whose image changed."""
        if not self.configured:
            return self

        def warm() -> None:
            if self._load() is not None and catch_up:
                self.embed_changed()

        threading.Thread(target=warm, name="image-search-warmup", daemon=True).start()
        return self

    def _load(self) -> tuple[OpenClipEncoder, VectorIndex] | None:
        with self._lock:
            if self._ready is None and self._error is None and self.configured:
                try:
                    encoder = self.encoder.load()
                    index = self._open_index(encoder)
                    self._ready, self._synced = (encoder, index), time.monotonic()
                    log.info("search by photo ready (%s): %d product images",
                             encoder.model_id, len(index))
                except DiscoveryError as exc:
                    self._error = str(exc.detail)
                    log.warning("search by photo unavailable: %s", self._error)
            return self._ready

    def _open_index(self, encoder: OpenClipEncoder) -> VectorIndex:
        """The image vectors searched: the embedded vector index, saved in the data folder."""
        return VectorIndex.open(image_vectors_dir(self.settings), self.images,
                                encoder.model_id, encoder.dim)

    def _parts(self) -> tuple[OpenClipEncoder, VectorIndex]:
        if not self.configured:
            raise ClipUnavailable(f"search by photo is not configured: {CONFIGURE_HINT}",
                                  field="clip_weights")
        ready = self._ready or self._load()
        if ready is None:
            raise ClipUnavailable(self._error or "search by photo is not available",
                                  field="clip_weights")
        if (time.monotonic() - self._synced > self.settings.vector_sync_interval_s
                and not self._syncing.locked()):
            threading.Thread(target=self._sync, args=(ready[1],), name="image-vector-sync",
                             daemon=True).start()
        return ready

    def ensure_available(self) -> None:
        """Raise the 503 now, before an upload is read, when search by photo cannot run."""
        self._parts()

    def _sync(self, index: VectorIndex) -> None:
        if not self._syncing.acquire(blocking=False):
            return
        try:
            self._synced = time.monotonic()
            changes = index.sync(self.images)
            if changes["upserted"] or changes["deleted"]:
                log.info("image vector index: %d added or changed, %d removed",
                         changes["upserted"], changes["deleted"])
        finally:
            self._syncing.release()

    def status(self) -> dict[str, Any]:
        if not self.configured:
            return {"status": "not_configured", "detail": f"search by photo: {CONFIGURE_HINT}"}
        if self._ready is not None:
            encoder, index = self._ready
            return {"status": "ready", **encoder.describe(), "images": len(index),
                    "dim": index.dim,
                    "embedding": self._embedding.running,
                    "last_embed": self.last_embed}
        return {"status": "unavailable", "detail": self._error} if self._error else {
            "status": "loading", "model": self.encoder.arch}

    def embed_changed(self) -> None:
        """Embed the images of new and changed products in a background thread; a request
        while one runs makes it go round once more."""
        if self.configured:
            self._embedding.request()

    def _embed_once(self) -> bool:
        ready = self._load()
        if ready is None:
            return False
        try:
            report = embed_images(self.settings, self.store, ready[0])
            self._sync(ready[1])
            self.last_embed = report.to_dict()
            if report.skipped:
                log.info("product images skipped: %s", dict(report.skipped))
        except Exception:  # a background job must log, not die silently
            log.exception("embedding product images failed")
            return False
        return True

    def close(self) -> None:
        self._embedding.join(timeout=5)

    # -- ranking.image_search.ImageNeighbours ----------------------------------------------
    def _images(self) -> EncodedImages:
        encoder, index = self._parts()
        return EncodedImages(encoder, index, max_bytes=int(self.settings.max_image_mb * 1e6),
                             max_pixels=self.settings.max_image_pixels)

    def image_vector(self, data: bytes) -> np.ndarray:
        return self._images().image_vector(data)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        return self._parts()[1].search(vector, k)

    def count(self) -> int:
        return len(self._parts()[1])
