"""Compute and store product image embeddings, only where they are missing or stale (S8).

A product's image is its first image that is a file on this machine: one stored with the
catalog under ``<data_dir>/files`` (``product_media.sha256``), or a local path / ``file:``
URL. http(s) images cannot be fetched here: such products are skipped and counted under
``remote`` (as are missing files, other schemes and files that are not readable images, each
under its own reason, with a few examples), and ingestion goes on.

An image is encoded when the store has no vector for the product under the encoder's
``model_id`` or when the SHA-256 of its bytes changed. Stored files carry their SHA-256
already; a local path is re-read only when its size or modification time changed. An image
whose vector exists for another product (variants sharing a photo) is not encoded again.
Products whose image went away lose their stored vector.

Work goes in chunks of products (one round of store reads each) and batches of images (one
forward pass and one store transaction each), so an interrupted run keeps what it finished.
At most one batch of decoded images is in memory.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from catalog.errors import DiscoveryError
from catalog.files import FileStore
from catalog.image_embeddings import ImageEmbeddingRow, ImageEmbeddingStore, ImageSource, ImageState
from catalog.iterutil import batched
from embeddings.image_encoder import ImageEncoder
from embeddings.images import DEFAULT_MAX_PIXELS, MISSING, local_path, open_image

if TYPE_CHECKING:
    from PIL.Image import Image

CHUNK = 500
"""Products per round of store reads."""

INVALID = "invalid"  # a file that is not a readable image (or too large)
UNREADABLE = "unreadable"  # a file that exists but cannot be read
_EXAMPLES = 5

Locate = Callable[[ImageSource], tuple[Path | None, str | None]]
"""locate(image) -> (path, None) or (None, reason): where an image is on this machine."""
OnEncoded = Callable[[list[str], np.ndarray], None]
OnRemoved = Callable[[list[str]], None]
Progress = Callable[[int, int], None]


def file_locator(files: FileStore | None, roots: Sequence[Path] = ()) -> Locate:
    """Images stored with the catalog (by SHA-256 in ``files``, where ingestion copies the
    local files a catalog names), then the reference itself as a local path (absolute, or
    relative to one of ``roots``)."""

    def locate(image: ImageSource) -> tuple[Path | None, str | None]:
        if image.sha256 and files is not None and files.exists(image.sha256):
            return files.path(image.sha256), None
        return local_path(image.url, list(roots))

    return locate


@dataclass
class ImageEmbedReport:
    model_id: str
    seen: int = 0  # products looked at
    with_image: int = 0  # products with an image file here
    encoded: int = 0  # images encoded (distinct images)
    reused: int = 0  # products given the stored vector of an identical image
    stored: int = 0  # products whose vector was written
    unchanged: int = 0
    removed: int = 0  # stored vectors deleted: the product's image went away or is unusable
    skipped: Counter[str] = field(default_factory=Counter)  # products, by reason
    examples: dict[str, list[str]] = field(default_factory=dict)  # a few "SKU: ref" per reason
    seconds: float = 0.0
    decode_seconds: float = 0.0  # reading and decoding the image files
    encode_seconds: float = 0.0  # the encoder's forward passes

    def skip(self, reason: str, sku: str, ref: str, detail: str = "") -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < _EXAMPLES:
            shown.append(f"{sku}: {ref[:200]}" + (f" ({detail[:200]})" if detail else ""))

    @property
    def images_per_s(self) -> float:
        """Throughput of the image work: images read, decoded and encoded per second."""
        busy = self.decode_seconds + self.encode_seconds
        return self.encoded / busy if busy else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "seen": self.seen, "with_image": self.with_image,
                "encoded": self.encoded, "reused": self.reused, "stored": self.stored,
                "unchanged": self.unchanged,
                "removed": self.removed, "skipped": dict(self.skipped),
                "skipped_examples": self.examples, "seconds": round(self.seconds, 3),
                "images_per_s": round(self.images_per_s, 1)}


@dataclass
class _Todo:
    sku: str
    ref: str
    path: Path
    digest: str | None
    stamp: str | None
    old: ImageState | None
    data: bytes | None = None


def _stamp(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def embed_product_images(store: ImageEmbeddingStore, encoder: ImageEncoder,
                         skus: Iterable[str], *, locate: Locate, total: int = 0,
                         max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int | None = None,
                         batch_size: int | None = None, progress: Progress | None = None,
                         on_encoded: OnEncoded | None = None,
                         on_removed: OnRemoved | None = None) -> ImageEmbedReport:
    """Encode and store the image embeddings of these products where the image is new or
    changed, and drop those of products whose image went away.

    ``skus``: the products to look at (the whole catalog: ``CatalogStore.iter_skus()``);
    ``total`` their number when known, for ``progress(done, total)`` after every chunk.
    ``max_pixels``/``max_bytes`` guard decoding (see :func:`embeddings.images.open_image`).
    ``on_encoded(skus, vectors)`` / ``on_removed(skus)`` follow every store write, to keep a
    vector index in step without reading it back."""
    started = time.perf_counter()
    model_id = encoder.model_id
    size = max(1, batch_size or getattr(encoder, "batch_size", 32))
    report = ImageEmbedReport(model_id)
    for chunk in batched(skus, CHUNK):
        sources = store.image_sources(chunk)
        states = store.states(model_id, chunk)
        todo: list[_Todo] = []
        stale: list[str] = []
        touched: list[tuple[str, str, str | None]] = []
        for sku in chunk:
            report.seen += 1
            chosen: tuple[ImageSource, Path] | None = None
            first: tuple[str, str] | None = None
            for image in sources.get(sku, ()):
                path, reason = locate(image)
                if path is not None:
                    chosen = (image, path)
                    break
                first = first or (reason or MISSING, image.url)
            old = states.get(sku)
            if chosen is None:
                if first is not None:
                    report.skip(first[0], sku, first[1])
                if old is not None:
                    stale.append(sku)
                continue
            report.with_image += 1
            image, path = chosen
            stamp = None if image.sha256 else _stamp(path)
            if old is not None and (old.image_hash == image.sha256 or (
                    image.sha256 is None and old.image_ref == image.url
                    and old.file_stamp == stamp and stamp is not None)):
                report.unchanged += 1
                if old.image_ref != image.url:
                    touched.append((sku, image.url, stamp))
                continue
            todo.append(_Todo(sku, image.url, path, image.sha256, stamp, old))
        for batch in batched(todo, size):
            stale += _embed_batch(store, encoder, batch, report, touched, max_pixels=max_pixels,
                                  max_bytes=max_bytes, on_encoded=on_encoded)
        store.touch(model_id, touched)
        if stale:
            report.removed += store.delete(model_id=model_id, skus=stale)
            if on_removed is not None:
                on_removed(stale)
        if progress is not None:
            progress(report.seen, total)
    report.seconds = time.perf_counter() - started
    return report


def _embed_batch(store: ImageEmbeddingStore, encoder: ImageEncoder, batch: list[_Todo],
                 report: ImageEmbedReport, touched: list[tuple[str, str, str | None]], *,
                 max_pixels: int, max_bytes: int | None,
                 on_encoded: OnEncoded | None) -> list[str]:
    """Hash, decode and encode one batch of images; store their rows. Returns the SKUs whose
    stored vector must go (their image is unusable now)."""
    model_id = encoder.model_id
    stale: list[str] = []
    t0 = time.perf_counter()
    ready: list[_Todo] = []
    for item in batch:
        if item.digest is None:  # a local path whose stamp changed: hash its bytes
            try:
                item.data = _read(item.path, max_bytes)
            except OSError as exc:
                report.skip(UNREADABLE, item.sku, item.ref, str(exc))
                stale += [item.sku] if item.old else []
                continue
            except DiscoveryError as exc:
                report.skip(INVALID, item.sku, item.ref, str(exc.detail))
                stale += [item.sku] if item.old else []
                continue
            item.digest = hashlib.sha256(item.data).hexdigest()
            if item.old is not None and item.old.image_hash == item.digest:
                report.unchanged += 1  # touched, not re-encoded: same bytes, new stamp
                touched.append((item.sku, item.ref, item.stamp))
                continue
        ready.append(item)
    known = store.vectors_by_hash(model_id, sorted({i.digest for i in ready if i.digest}))
    images: dict[str, Image] = {}
    for item in ready:
        digest = item.digest or ""
        if digest in known or digest in images:
            continue
        try:
            data = item.data if item.data is not None else _read(item.path, max_bytes)
            images[digest] = open_image(data, field=f"image of {item.sku}", max_bytes=max_bytes,
                                        max_pixels=max_pixels, min_side=encoder.image_size)
        except OSError as exc:
            report.skip(UNREADABLE, item.sku, item.ref, str(exc))
            stale += [item.sku] if item.old else []
        except DiscoveryError as exc:
            report.skip(INVALID, item.sku, item.ref, str(exc.detail))
            stale += [item.sku] if item.old else []
        item.data = None
    report.decode_seconds += time.perf_counter() - t0
    if images:
        t1 = time.perf_counter()
        digests = list(images)
        matrix = encoder.encode([images[d] for d in digests], batch_size=len(digests))
        report.encode_seconds += time.perf_counter() - t1
        matrix = np.ascontiguousarray(matrix, dtype="<f4")
        report.encoded += len(digests)
        for i, digest in enumerate(digests):
            known[digest] = matrix[i].tobytes()
    rows = []
    for item in ready:
        vector = known.get(item.digest or "")
        if vector is None:
            continue  # skipped above
        if item.digest not in images:
            report.reused += 1
        rows.append(ImageEmbeddingRow(item.sku, item.digest or "", item.ref, item.stamp,
                                      len(vector) // 4, vector))
    report.stored += store.upsert(model_id, rows)
    if rows and on_encoded is not None:
        on_encoded([r.sku for r in rows],
                   np.frombuffer(b"".join(r.vector for r in rows), dtype="<f4")
                   .reshape(len(rows), -1))
    return stale


def _read(path: Path, max_bytes: int | None) -> bytes:
    if max_bytes is not None:
        size = path.stat().st_size
        if size > max_bytes:
            raise DiscoveryError(f"{size / 1e6:.1f} MB, larger than the limit of "
                                 f"{max_bytes / 1e6:g} MB")
    return path.read_bytes()
