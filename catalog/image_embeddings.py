"""The store of product image embeddings (S8) and the product images they come from.

All the SQL of search by photo lives here. Vectors travel as bytes (``embeddings/`` turns them
into arrays); rows are :class:`~catalog.store.EmbeddingRow` for the vector index, whose
``text_hash`` holds the image's SHA-256. The catalog store stays the source of truth for the
products and their media; this class only reads ``product_media``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, select, update

from catalog.models import ProductImageEmbedding, ProductMedia
from catalog.store import EmbeddingRow

_SQL_CHUNK = 500
_T = ProductImageEmbedding


@dataclass(frozen=True)
class ImageSource:
    """One image of a product as the catalog holds it: ``url`` is the reference given in the
    catalog (a URL or a path), ``sha256`` is set when the file is stored under
    ``<data_dir>/files``."""

    sku: str
    position: int
    url: str
    sha256: str | None


@dataclass(frozen=True)
class ImageState:
    """What is stored for a product: the hash of the image it was computed from, where that
    image came from, and (for a local path) its size and modification time."""

    image_hash: str
    image_ref: str
    file_stamp: str | None


@dataclass(frozen=True)
class ImageEmbeddingRow:
    sku: str
    image_hash: str
    image_ref: str
    file_stamp: str | None
    dim: int
    vector: bytes


class ImageEmbeddingStore:
    """``product_image_embeddings`` and the images of ``product_media``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _chunks(self, skus: Sequence[str]) -> Iterator[list[str]]:
        for i in range(0, len(skus), _SQL_CHUNK):
            yield list(skus[i : i + _SQL_CHUNK])

    # -- the catalog's images ------------------------------------------------------------
    def image_sources(self, skus: Sequence[str]) -> dict[str, list[ImageSource]]:
        """{sku: its images, in catalog order} for these SKUs (SKUs without images left out)."""
        found: dict[str, list[ImageSource]] = {}
        cols = (ProductMedia.product_sku, ProductMedia.position, ProductMedia.url,
                ProductMedia.sha256)
        with self.engine.connect() as conn:
            for chunk in self._chunks(skus):
                rows = conn.execute(select(*cols).where(
                    ProductMedia.product_sku.in_(chunk), ProductMedia.kind == "image")
                    .order_by(ProductMedia.product_sku, ProductMedia.position))
                for sku, position, url, sha256 in rows:
                    found.setdefault(sku, []).append(ImageSource(sku, position, url, sha256))
        return found

    # -- embeddings ----------------------------------------------------------------------
    def states(self, model_id: str, skus: Sequence[str]) -> dict[str, ImageState]:
        found: dict[str, ImageState] = {}
        with self.engine.connect() as conn:
            for chunk in self._chunks(skus):
                for sku, digest, ref, stamp in conn.execute(
                        select(_T.sku, _T.image_hash, _T.image_ref, _T.file_stamp).where(
                            _T.model_id == model_id, _T.sku.in_(chunk))):
                    found[sku] = ImageState(digest, ref, stamp)
        return found

    def vectors_by_hash(self, model_id: str, hashes: Sequence[str]) -> dict[str, bytes]:
        """{image_hash: vector} of images already encoded under ``model_id`` (for any
        product): an image shared by several products, or moved to another one, is encoded
        once."""
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for chunk in self._chunks(hashes):
                for digest, vector in conn.execute(
                        select(_T.image_hash, _T.vector).where(
                            _T.model_id == model_id, _T.image_hash.in_(chunk))):
                    found[digest] = bytes(vector)
        return found

    def upsert(self, model_id: str, rows: Sequence[ImageEmbeddingRow]) -> int:
        """Insert or replace embeddings under ``model_id``; one transaction."""
        if not rows:
            return 0
        now = datetime.now(UTC).replace(tzinfo=None)
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        sql = (
            "INSERT INTO product_image_embeddings (model_id, sku, image_hash, image_ref, "
            f"file_stamp, dim, vector, updated_at) VALUES ({', '.join([mark] * 8)}) "
            "ON CONFLICT (model_id, sku) DO UPDATE SET image_hash = excluded.image_hash, "
            "image_ref = excluded.image_ref, file_stamp = excluded.file_stamp, "
            "dim = excluded.dim, vector = excluded.vector, updated_at = excluded.updated_at"
        )
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql, [(model_id, r.sku, r.image_hash, r.image_ref[:1000],
                                        r.file_stamp, r.dim, r.vector, now) for r in rows])
        return len(rows)

    def touch(self, model_id: str, rows: Sequence[tuple[str, str, str | None]]) -> None:
        """Record a new reference or file stamp (sku, image_ref, file_stamp) of an image whose
        bytes did not change; the vector and its ``updated_at`` stay."""
        if not rows:
            return
        with self.engine.begin() as conn:
            for sku, ref, stamp in rows:
                conn.execute(update(_T).where(_T.model_id == model_id, _T.sku == sku)
                             .values(image_ref=ref[:1000], file_stamp=stamp))

    def delete(self, *, skus: Sequence[str] | None = None, model_id: str | None = None,
               keep_model_id: str | None = None) -> int:
        """Delete embeddings of these SKUs and/or of one model, or of every model but
        ``keep_model_id``. Returns the rows deleted."""
        where = []
        if model_id is not None:
            where.append(_T.model_id == model_id)
        if keep_model_id is not None:
            where.append(_T.model_id != keep_model_id)
        with self.engine.begin() as conn:
            if skus is None:
                return conn.execute(delete(_T).where(*where)).rowcount or 0
            n = 0
            for chunk in self._chunks(skus):
                n += conn.execute(delete(_T).where(_T.sku.in_(chunk), *where)).rowcount or 0
            return n

    def models(self) -> dict[str, int]:
        """{model_id: number of stored image embeddings}."""
        with self.engine.connect() as conn:
            return {m: int(c) for m, c in conn.execute(
                select(_T.model_id, func.count()).group_by(_T.model_id))}

    # -- embeddings.vectors.EmbeddingSource ----------------------------------------------
    def embedding_state(self, model_id: str) -> tuple[int, datetime | None]:
        with self.engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(_T.updated_at)).where(_T.model_id == model_id)
            ).one()
        return int(count), newest

    def iter_embeddings(self, model_id: str, *, batch_size: int = 5_000,
                        updated_since: datetime | None = None) -> Iterator[list[EmbeddingRow]]:
        last = ""
        cols = (_T.sku, _T.image_hash, _T.dim, _T.vector)
        while True:
            query = select(*cols).where(_T.model_id == model_id, _T.sku > last)
            if updated_since is not None:
                query = query.where(_T.updated_at >= updated_since)
            with self.engine.connect() as conn:
                batch = [EmbeddingRow(sku, h, d, bytes(v)) for sku, h, d, v in conn.execute(
                    query.order_by(_T.sku).limit(batch_size))]
            if not batch:
                return
            yield batch
            last = batch[-1].sku

    def embedding_skus(self, model_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(_T.sku).where(_T.model_id == model_id)
                                     .order_by(_T.sku)).scalars())

    def get_embeddings(self, model_id: str, skus: Sequence[str]) -> dict[str, EmbeddingRow]:
        found: dict[str, EmbeddingRow] = {}
        cols = (_T.sku, _T.image_hash, _T.dim, _T.vector)
        with self.engine.connect() as conn:
            for chunk in self._chunks(skus):
                for sku, digest, dim, vector in conn.execute(select(*cols).where(
                        _T.model_id == model_id, _T.sku.in_(chunk))):
                    found[sku] = EmbeddingRow(sku, digest, dim, bytes(vector))
        return found
