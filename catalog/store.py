"""The catalog store: upserts by SKU with change detection, reads product cards,
streams records for (re)indexing. SQLite by default, PostgreSQL by URL.

A product travels through the system as a *record*: a plain dict whose keys are the
names in :mod:`catalog.fields` plus ``attributes`` (extra columns). Lists and maps:
``shipping_methods`` [{"method", "days"}], ``variant_attributes`` {axis: value},
``documents`` [{"kind", "url", "title", "document_id"}], ``images`` [url],
``media`` [{"kind", "url", "title"}]. A document or media file stored here (rather than
linked by an http(s) URL) has the URL the API serves it at: ``/v1/documents/{id}/file`` (with
its ``document_id``) or ``/v1/media/{sha256}/file``. Records read from the store also carry
``document_text``: the titles and the start of the text of the product's documents, which
product search weighs in at a low weight.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from catalog.fields import FIELDS
from catalog.models import (
    Base,
    Document,
    DocumentPage,
    Product,
    ProductDocument,
    ProductEmbedding,
    ProductMedia,
)

Record = dict[str, Any]

_PRODUCT_COLUMNS = [f.name for f in FIELDS if f.name not in ("documents", "images", "media")] + [
    "attributes"
]
_JSON_COLUMNS = frozenset(("shipping_methods", "variant_attributes", "attributes"))
_SQL_CHUNK = 500  # keeps IN (...) lists under every driver's parameter limit

_changes = [0]  # products written or deleted by this process (see local_changes)


def local_changes() -> int:
    """How many product writes this process has committed: a change signal for caches of the
    catalog in the same process (other processes' writes show in the products' count and
    newest ``updated_at``)."""
    return _changes[0]

DOCUMENT_TEXT_CHARS = 4_000
"""Document text per product in the product index: enough for a datasheet's first pages, and
the product index stays about as large as without documents (documents are searched in
full by their own index)."""
_MEDIA_SHA = re.compile(r"/v1/media/([0-9a-f]{64})/file")


def stored_media_sha(url: str) -> str | None:
    """The SHA-256 of a media file stored here, from the URL it is served at."""
    found = _MEDIA_SHA.fullmatch(url)
    return found.group(1) if found else None


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    sha256: str
    media_type: str
    filename: str
    size_bytes: int
    page_count: int
    text_chars: int
    status: str


@dataclass
class DocumentPages:
    """A document as the document index takes it: its pages' text, page 1 first."""

    id: int
    title: str
    filename: str
    media_type: str
    pages: list[str]


def content_hash(record: Record) -> str:
    """A stable fingerprint of everything a record says; unchanged rows are skipped."""
    body = {k: v for k, v in record.items() if v not in (None, "", [], {})}
    return hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16).hexdigest()


@dataclass
class UpsertResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> list[str]:
        return self.created + self.updated


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _product_row(record: Record, digest: str) -> dict[str, Any]:
    row = {c: record.get(c) for c in _PRODUCT_COLUMNS}
    row["content_hash"] = digest
    return row


@dataclass(frozen=True)
class EmbeddingRow:
    """One stored product embedding: ``vector`` is ``dim`` little-endian float32 values."""

    sku: str
    text_hash: str
    dim: int
    vector: bytes


class CatalogStore:
    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._upsert_sql: str | None = None

    def migrate(self) -> None:
        migrate(self.engine)

    def create_all(self) -> None:
        """Tables without Alembic, for throwaway stores in tests."""
        Base.metadata.create_all(self.engine)

    # -- writes -------------------------------------------------------------------------
    def _insert(self, table: Any) -> Any:
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table)
        if dialect == "postgresql":
            return postgresql.insert(table)
        return insert(table)

    def upsert(self, records: Sequence[Record]) -> UpsertResult:
        """Insert new SKUs, update changed ones, skip identical ones; one transaction."""
        result = UpsertResult()
        if not records:
            return result
        digests = {r["sku"]: content_hash(r) for r in records}
        with self.engine.begin() as conn:
            existing: dict[str, str] = {}
            skus = list(digests)
            for i in range(0, len(skus), _SQL_CHUNK):
                chunk = skus[i : i + _SQL_CHUNK]
                existing.update(
                    conn.execute(
                        select(Product.sku, Product.content_hash).where(Product.sku.in_(chunk))
                    ).all()
                )
            rows = []
            changed_records = []
            for r in records:
                sku = r["sku"]
                old = existing.get(sku)
                if old == digests[sku]:
                    result.unchanged += 1
                    continue
                (result.updated if old is not None else result.created).append(sku)
                rows.append(_product_row(r, digests[sku]))
                changed_records.append(r)
            if not rows:
                return result
            self._write_products(conn, rows)
            self._replace_children(conn, changed_records, result.updated)
        _changes[0] += 1  # committed
        return result

    def _write_products(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        """Upsert product rows with one prepared statement (executemany). SQLAlchemy's
        per-row parameter processing cost more than the database itself here."""
        if self.engine.dialect.name not in ("sqlite", "postgresql"):
            conn.execute(insert(Product), rows)  # pragma: no cover - other databases
            return
        if self._upsert_sql is None:
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            cols = _PRODUCT_COLUMNS + ["content_hash"]
            updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "sku")
            self._upsert_sql = (
                f"INSERT INTO products ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))}) "
                f"ON CONFLICT (sku) DO UPDATE SET {updates}, updated_at = CURRENT_TIMESTAMP"
            )
        params = [
            tuple(orjson.dumps(row[c]).decode() if c in _JSON_COLUMNS and row[c] is not None
                  else row[c] for c in _PRODUCT_COLUMNS + ["content_hash"])
            for row in rows
        ]
        conn.exec_driver_sql(self._upsert_sql, params)

    def _replace_children(self, conn: Any, records: list[Record], updated: list[str]) -> None:
        """The catalog file's documents and media of these products (links a documents
        manifest made stay)."""
        for i in range(0, len(updated), _SQL_CHUNK):
            chunk = updated[i : i + _SQL_CHUNK]
            conn.execute(delete(ProductDocument).where(ProductDocument.product_sku.in_(chunk),
                                                       ProductDocument.source == "catalog"))
            conn.execute(delete(ProductMedia).where(ProductMedia.product_sku.in_(chunk)))
        docs: list[tuple[Any, ...]] = []
        media: list[tuple[Any, ...]] = []
        for r in records:
            sku = r["sku"]
            for pos, d in enumerate(r.get("documents") or []):
                docs.append((sku, pos, d.get("kind") or "document", d["url"], d.get("title"),
                             d.get("document_id")))
            pos = 0
            for url in r.get("images") or []:
                media.append((sku, pos, "image", url, None, stored_media_sha(url), None))
                pos += 1
            for m in r.get("media") or []:
                media.append((sku, pos, m.get("kind") or "file", m["url"], m.get("title"),
                              stored_media_sha(m["url"]), m.get("content_type")))
                pos += 1
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        if docs:
            conn.exec_driver_sql(
                "INSERT INTO product_documents (product_sku, position, kind, url, title, "
                f"document_id, source) VALUES ({', '.join([mark] * 6)}, 'catalog')", docs)
        if media:
            conn.exec_driver_sql(
                "INSERT INTO product_media (product_sku, position, kind, url, title, sha256, "
                f"content_type) VALUES ({', '.join([mark] * 7)})", media)

    def delete(self, skus: Iterable[str]) -> int:
        skus = list(skus)
        n = 0
        with self.engine.begin() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                chunk = skus[i : i + _SQL_CHUNK]
                conn.execute(delete(ProductDocument).where(ProductDocument.product_sku.in_(chunk)))
                conn.execute(delete(ProductMedia).where(ProductMedia.product_sku.in_(chunk)))
                conn.execute(delete(ProductEmbedding).where(ProductEmbedding.sku.in_(chunk)))
                n += conn.execute(delete(Product).where(Product.sku.in_(chunk))).rowcount or 0
        _changes[0] += 1
        return n

    # -- embeddings (S11) -----------------------------------------------------------------
    # Vectors travel as bytes here; ``embeddings/`` turns them into arrays. The catalog keeps
    # them so that a restart or a reindex never recomputes what it already has.
    def embedding_hashes(self, model_id: str, skus: Sequence[str]) -> dict[str, str]:
        """{sku: text_hash} of the stored embeddings of these SKUs under ``model_id``."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                chunk = list(skus[i : i + _SQL_CHUNK])
                for sku, digest in conn.execute(
                        select(ProductEmbedding.sku, ProductEmbedding.text_hash).where(
                            ProductEmbedding.model_id == model_id,
                            ProductEmbedding.sku.in_(chunk))):
                    found[sku] = digest
        return found

    def get_embeddings(self, model_id: str, skus: Sequence[str]) -> dict[str, EmbeddingRow]:
        """The stored embeddings of these SKUs under ``model_id`` (missing ones left out)."""
        found: dict[str, EmbeddingRow] = {}
        cols = (ProductEmbedding.sku, ProductEmbedding.text_hash, ProductEmbedding.dim,
                ProductEmbedding.vector)
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                chunk = list(skus[i : i + _SQL_CHUNK])
                for sku, text_hash, dim, vector in conn.execute(select(*cols).where(
                        ProductEmbedding.model_id == model_id, ProductEmbedding.sku.in_(chunk))):
                    found[sku] = EmbeddingRow(sku, text_hash, dim, bytes(vector))
        return found

    def upsert_embeddings(self, model_id: str, rows: Sequence[EmbeddingRow]) -> int:
        """Insert or replace embeddings under ``model_id``; one transaction. The SKUs must be
        in the store (a foreign key; a product's deletion deletes its embeddings)."""
        if not rows:
            return 0
        now = datetime.now(UTC).replace(tzinfo=None)  # microseconds: see iter_embeddings
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        sql = (
            "INSERT INTO product_embeddings (model_id, sku, text_hash, dim, vector, updated_at) "
            f"VALUES ({', '.join([mark] * 6)}) ON CONFLICT (model_id, sku) DO UPDATE SET "
            "text_hash = excluded.text_hash, dim = excluded.dim, vector = excluded.vector, "
            "updated_at = excluded.updated_at"
        )
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql, [(model_id, r.sku, r.text_hash, r.dim, r.vector, now)
                                       for r in rows])
        return len(rows)

    def delete_embeddings(self, *, skus: Iterable[str] | None = None,
                          model_id: str | None = None, keep_model_id: str | None = None) -> int:
        """Delete embeddings of these SKUs and/or of one model, or of every model but
        ``keep_model_id`` (what a model change leaves behind). Returns the rows deleted."""
        where = []
        if model_id is not None:
            where.append(ProductEmbedding.model_id == model_id)
        if keep_model_id is not None:
            where.append(ProductEmbedding.model_id != keep_model_id)
        n = 0
        with self.engine.begin() as conn:
            if skus is None:
                return conn.execute(delete(ProductEmbedding).where(*where)).rowcount or 0
            sku_list = list(skus)
            for i in range(0, len(sku_list), _SQL_CHUNK):
                chunk = sku_list[i : i + _SQL_CHUNK]
                n += conn.execute(delete(ProductEmbedding).where(
                    ProductEmbedding.sku.in_(chunk), *where)).rowcount or 0
        return n

    def iter_embeddings(self, model_id: str, *, batch_size: int = 5_000,
                        updated_since: datetime | None = None) -> Iterator[list[EmbeddingRow]]:
        """Every embedding of ``model_id`` in SKU order, in batches (flat memory), or only
        those written at or after ``updated_since`` (UTC, naive) for an incremental sync."""
        last = ""
        cols = (ProductEmbedding.sku, ProductEmbedding.text_hash, ProductEmbedding.dim,
                ProductEmbedding.vector)
        while True:
            query = select(*cols).where(ProductEmbedding.model_id == model_id,
                                        ProductEmbedding.sku > last)
            if updated_since is not None:
                query = query.where(ProductEmbedding.updated_at >= updated_since)
            with self.engine.connect() as conn:
                batch = [EmbeddingRow(sku, h, d, bytes(v)) for sku, h, d, v in conn.execute(
                    query.order_by(ProductEmbedding.sku).limit(batch_size))]
            if not batch:
                return
            yield batch
            last = batch[-1].sku

    def embedding_skus(self, model_id: str) -> list[str]:
        """The SKUs that have an embedding under ``model_id``, sorted."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(ProductEmbedding.sku).where(ProductEmbedding.model_id == model_id)
                .order_by(ProductEmbedding.sku)).scalars())

    def embedding_state(self, model_id: str) -> tuple[int, datetime | None]:
        """(count, newest ``updated_at``) of the embeddings of ``model_id``: a cheap check of
        whether a saved vector index is still what the store holds."""
        with self.engine.connect() as conn:
            count, newest = conn.execute(
                select(func.count(), func.max(ProductEmbedding.updated_at))
                .where(ProductEmbedding.model_id == model_id)).one()
        return int(count), newest

    def embedding_models(self) -> dict[str, int]:
        """{model_id: number of stored embeddings}."""
        with self.engine.connect() as conn:
            return {m: int(c) for m, c in conn.execute(
                select(ProductEmbedding.model_id, func.count()).group_by(ProductEmbedding.model_id))}

    # -- reads --------------------------------------------------------------------------
    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Product)).scalar_one())

    def existing_skus(self, skus: Iterable[str]) -> set[str]:
        """The given SKUs that are in the catalog (one indexed lookup per 500)."""
        wanted = list(dict.fromkeys(skus))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _SQL_CHUNK):
                chunk = wanted[i : i + _SQL_CHUNK]
                found.update(conn.execute(select(Product.sku).where(Product.sku.in_(chunk)))
                             .scalars())
        return found

    def get(self, sku: str) -> Record | None:
        records = self.get_many([sku])
        return records[0] if records else None

    def get_many(self, skus: Sequence[str]) -> list[Record]:
        """Records for the given SKUs, in the given order (unknown SKUs are left out)."""
        found: dict[str, Record] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                chunk = list(skus[i : i + _SQL_CHUNK])
                rows = conn.execute(select(Product).where(Product.sku.in_(chunk))).mappings().all()
                batch = [self._record(row) for row in rows]
                self._attach_children(conn, batch)
                found.update((r["sku"], r) for r in batch)
        return [found[s] for s in skus if s in found]

    def variants(self, parent_sku: str) -> list[Record]:
        """Every product of a variant group, the group's own product included."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Product.sku, Product.name, Product.variant_attributes, Product.price_per_piece,
                       Product.availability)
                .where((Product.parent_sku == parent_sku) | (Product.sku == parent_sku))
                .order_by(Product.sku)
            ).mappings().all()
        return [dict(r) for r in rows]

    def iter_skus(self, batch_size: int = 5_000) -> Iterator[str]:
        last = ""
        while True:
            with self.engine.connect() as conn:
                chunk = conn.execute(
                    select(Product.sku).where(Product.sku > last).order_by(Product.sku).limit(batch_size)
                ).scalars().all()
            if not chunk:
                return
            yield from chunk
            last = chunk[-1]

    def iter_records(self, batch_size: int = 2_000) -> Iterator[list[Record]]:
        """All records in SKU order, in batches; memory stays flat for any catalog size."""
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(Product).where(Product.sku > last).order_by(Product.sku).limit(batch_size)
                ).mappings().all()
                if not rows:
                    return
                batch = [self._record(row) for row in rows]
                self._attach_children(conn, batch)
            yield batch
            last = batch[-1]["sku"]

    @staticmethod
    def _record(row: Any) -> Record:
        rec = {c: row[c] for c in _PRODUCT_COLUMNS}
        rec["documents"] = []
        rec["images"] = []
        rec["media"] = []
        rec["document_text"] = ""
        return rec

    @staticmethod
    def _attach_children(conn: Any, batch: list[Record]) -> None:
        """Documents (with their text for product search) and media of a batch of records, in
        one round trip."""
        if not batch:
            return
        by_sku = {r["sku"]: r for r in batch}
        skus = list(by_sku)
        docs = select(literal("d").label("t"), ProductDocument.product_sku, ProductDocument.kind,
                      ProductDocument.url, ProductDocument.title, ProductDocument.document_id,
                      Document.head_text, ProductDocument.source, ProductDocument.position
                      ).select_from(ProductDocument).outerjoin(
                          Document, Document.id == ProductDocument.document_id
                      ).where(ProductDocument.product_sku.in_(skus))
        media = select(literal("m").label("t"), ProductMedia.product_sku, ProductMedia.kind,
                       ProductMedia.url, ProductMedia.title, null().label("document_id"),
                       null().label("head_text"), null().label("source"), ProductMedia.position
                       ).where(ProductMedia.product_sku.in_(skus))
        rows = conn.execute(union_all(docs, media).order_by("t", "product_sku", "source",
                                                            "position"))
        texts: dict[str, list[tuple[int | None, str | None, str | None]]] = {}
        for table, sku, kind, url, title, document_id, head, _, _ in rows:
            record = by_sku[sku]
            if table == "d":
                record["documents"].append({"kind": kind, "url": url, "title": title,
                                            "document_id": document_id})
                texts.setdefault(sku, []).append((document_id, title, head))
            elif kind == "image":
                record["images"].append(url)
            else:
                record["media"].append({"kind": kind, "url": url, "title": title})
        for sku, parts in texts.items():
            by_sku[sku]["document_text"] = document_text(parts)

    # -- documents (S2) -------------------------------------------------------------------
    def has_documents(self) -> bool:
        """Whether any document file is stored (links to remote URLs do not count)."""
        with self.engine.connect() as conn:
            return conn.execute(select(Document.id).limit(1)).first() is not None

    def document_by_sha(self, sha256: str) -> DocumentInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_DOCUMENT_INFO).where(Document.sha256 == sha256)).first()
        return DocumentInfo(*row) if row else None

    def add_document(self, *, sha256: str, media_type: str, filename: str, size_bytes: int,
                     pages: list[str], page_count: int, status: str, head_text: str
                     ) -> tuple[DocumentInfo, bool]:
        """Store a document and its pages' text (one transaction); returns it and whether it
        is new (a concurrent import may have stored the same file first)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        text_chars = sum(len(p) for p in pages)
        try:
            with self.engine.begin() as conn:
                inserted = conn.execute(insert(Document).values(
                    sha256=sha256, media_type=media_type, filename=filename[:300],
                    size_bytes=size_bytes, page_count=page_count, text_chars=text_chars,
                    status=status, head_text=head_text, created_at=now)).inserted_primary_key
                assert inserted is not None
                doc_id = inserted[0]
                if pages:
                    conn.execute(insert(DocumentPage), [
                        {"document_id": doc_id, "page": n, "text": text}
                        for n, text in enumerate(pages, start=1)])
        except IntegrityError:
            found = self.document_by_sha(sha256)
            if found is None:  # pragma: no cover - deleted again in between
                raise
            return found, False
        return DocumentInfo(int(doc_id), sha256, media_type, filename[:300], size_bytes,
                            page_count, text_chars, status), True

    def documents(self, ids: Sequence[int]) -> dict[int, DocumentInfo]:
        found: dict[int, DocumentInfo] = {}
        wanted = list(dict.fromkeys(ids))
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _SQL_CHUNK):
                for row in conn.execute(select(*_DOCUMENT_INFO).where(
                        Document.id.in_(wanted[i : i + _SQL_CHUNK]))):
                    found[row[0]] = DocumentInfo(*row)
        return found

    def document_links(self, ids: Sequence[int], per_document: int = 20
                       ) -> dict[int, list[dict[str, Any]]]:
        """{document id: [{sku, name, kind, title}]}: the products each document belongs to
        (the first ``per_document`` by SKU)."""
        out: dict[int, list[dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(ids))
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _SQL_CHUNK):
                rows = conn.execute(
                    select(ProductDocument.document_id, ProductDocument.product_sku, Product.name,
                           ProductDocument.kind, ProductDocument.title)
                    .join(Product, Product.sku == ProductDocument.product_sku)
                    .where(ProductDocument.document_id.in_(wanted[i : i + _SQL_CHUNK]))
                    .order_by(ProductDocument.document_id, ProductDocument.product_sku))
                for doc_id, sku, name, kind, title in rows:
                    if doc_id is None:  # pragma: no cover - filtered by the query
                        continue
                    links = out.setdefault(doc_id, [])
                    if len(links) < per_document and all(x["sku"] != sku for x in links):
                        links.append({"sku": sku, "name": name, "kind": kind, "title": title})
        return out

    def document_ids_of(self, skus: Sequence[str]) -> set[int]:
        """The stored documents linked to these products."""
        found: set[int] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                found.update(int(d) for d in conn.execute(select(ProductDocument.document_id).where(
                    ProductDocument.product_sku.in_(list(skus[i : i + _SQL_CHUNK])),
                    ProductDocument.document_id.is_not(None))).scalars() if d is not None)
        return found

    def document_ids_where(self, *, sku: str | None = None, kind: str | None = None
                           ) -> set[int]:
        """Stored documents linked to this product and/or with this kind of link."""
        query = select(ProductDocument.document_id).where(
            ProductDocument.document_id.is_not(None))
        if sku is not None:
            query = query.where(ProductDocument.product_sku == sku)
        if kind is not None:
            query = query.where(func.lower(ProductDocument.kind) == kind.lower())
        with self.engine.connect() as conn:
            return {int(d) for d in conn.execute(query.distinct()).scalars() if d is not None}

    def document_text(self, skus: Sequence[str]) -> dict[str, str]:
        """{sku: document text for product search} of these products (every link: the
        catalog file's and a manifest's), "" for products without documents."""
        parts: dict[str, list[tuple[int | None, str | None, str | None]]] = {s: [] for s in skus}
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                rows = conn.execute(
                    select(ProductDocument.product_sku, ProductDocument.document_id,
                           ProductDocument.title, Document.head_text)
                    .select_from(ProductDocument)
                    .outerjoin(Document, Document.id == ProductDocument.document_id)
                    .where(ProductDocument.product_sku.in_(list(skus[i : i + _SQL_CHUNK])))
                    .order_by(ProductDocument.product_sku, ProductDocument.source,
                              ProductDocument.position))
                for sku, doc_id, title, head in rows:
                    parts[sku].append((doc_id, title, head))
        return {sku: document_text(p) for sku, p in parts.items()}

    def iter_document_pages(self, batch_size: int = 200) -> Iterator[list[DocumentPages]]:
        """Every stored document that some product links to, with its pages, in id order and
        in batches (what the document index is rebuilt from)."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                docs = conn.execute(
                    select(Document.id, Document.filename, Document.media_type)
                    .where(Document.id > last,
                           select(ProductDocument.id).where(
                               ProductDocument.document_id == Document.id).exists())
                    .order_by(Document.id).limit(batch_size)).all()
                if not docs:
                    return
                ids = [d[0] for d in docs]
                pages: dict[int, list[str]] = {i: [] for i in ids}
                for doc_id, text in conn.execute(
                        select(DocumentPage.document_id, DocumentPage.text)
                        .where(DocumentPage.document_id.in_(ids))
                        .order_by(DocumentPage.document_id, DocumentPage.page)):
                    pages[doc_id].append(text)
                titles: dict[int, str] = {}
                for linked_id, title in conn.execute(
                        select(ProductDocument.document_id, ProductDocument.title)
                        .where(ProductDocument.document_id.in_(ids),
                               ProductDocument.title.is_not(None))
                        .order_by(ProductDocument.id)):
                    if linked_id is not None and title is not None:
                        titles.setdefault(int(linked_id), title)
            yield [DocumentPages(i, titles.get(i) or name, name, media_type, pages[i])
                   for i, name, media_type in docs]
            last = ids[-1]

    def document_page_count(self) -> int:
        """Pages with text of the documents products link to (what the document index
        should hold)."""
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(DocumentPage).where(
                    DocumentPage.text != "",
                    select(ProductDocument.id).where(
                        ProductDocument.document_id == DocumentPage.document_id).exists())
            ).scalar_one())

    def document_page(self, doc_id: int, page: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(DocumentPage.text).where(
                DocumentPage.document_id == doc_id, DocumentPage.page == page)).scalar()

    def orphan_documents(self, created_before: datetime | None = None,
                         ids: Sequence[int] | None = None) -> list[DocumentInfo]:
        """Stored documents no product links to any more: those created before the given time
        (so that a document a concurrent import has just stored, and is about to link, stays)
        and/or among ``ids``."""
        if ids is not None and not ids:
            return []
        query = select(*_DOCUMENT_INFO).where(~select(ProductDocument.id).where(
            ProductDocument.document_id == Document.id).exists())
        if created_before is not None:
            query = query.where(Document.created_at < created_before)
        found: list[DocumentInfo] = []
        with self.engine.connect() as conn:
            if ids is None:
                return [DocumentInfo(*row) for row in conn.execute(query)]
            wanted = list(ids)
            for i in range(0, len(wanted), _SQL_CHUNK):
                found += [DocumentInfo(*row) for row in conn.execute(
                    query.where(Document.id.in_(wanted[i : i + _SQL_CHUNK])))]
        return found

    def delete_documents(self, ids: Sequence[int]) -> int:
        n = 0
        with self.engine.begin() as conn:
            for i in range(0, len(ids), _SQL_CHUNK):
                chunk = list(ids[i : i + _SQL_CHUNK])
                conn.execute(delete(DocumentPage).where(DocumentPage.document_id.in_(chunk)))
                n += conn.execute(delete(Document).where(Document.id.in_(chunk))).rowcount or 0
        return n

    def stored_hashes(self) -> set[str]:
        """SHA-256 of every file the catalog refers to (documents and stored media)."""
        with self.engine.connect() as conn:
            found = set(conn.execute(select(Document.sha256)).scalars())
            found.update(h for h in conn.execute(select(ProductMedia.sha256).where(
                ProductMedia.sha256.is_not(None)).distinct()).scalars() if h)
        return found

    def media_file(self, sha256: str) -> dict[str, Any] | None:
        """A stored media file by its hash: {kind, content_type, title} of a product's link to
        it (images first), or None when no product links to it."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ProductMedia.kind, ProductMedia.content_type, ProductMedia.title)
                .where(ProductMedia.sha256 == sha256)
                .order_by((ProductMedia.kind != "image"), ProductMedia.id).limit(1)).first()
        return None if row is None else {"kind": row[0], "content_type": row[1], "title": row[2]}

    def replace_manifest_links(self, links: dict[str, list[dict[str, Any]]]) -> None:
        """Make each SKU's manifest documents exactly ``links[sku]`` ({kind, url, title,
        document_id}); the catalog file's own links stay. One transaction."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        rows = [(sku, pos, d["kind"], d["url"], d.get("title"), d.get("document_id"))
                for sku, docs in links.items() for pos, d in enumerate(docs)]
        skus = list(links)
        with self.engine.begin() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                conn.execute(delete(ProductDocument).where(
                    ProductDocument.product_sku.in_(skus[i : i + _SQL_CHUNK]),
                    ProductDocument.source == "manifest"))
            if rows:
                conn.exec_driver_sql(
                    "INSERT INTO product_documents (product_sku, position, kind, url, title, "
                    f"document_id, source) VALUES ({', '.join([mark] * 6)}, 'manifest')", rows)

    def manifest_links(self, skus: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """{sku: [{kind, url, title, document_id}]} of the manifest's links of these SKUs."""
        out: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(skus), _SQL_CHUNK):
                for sku, kind, url, title, doc_id in conn.execute(
                        select(ProductDocument.product_sku, ProductDocument.kind,
                               ProductDocument.url, ProductDocument.title,
                               ProductDocument.document_id)
                        .where(ProductDocument.product_sku.in_(list(skus[i : i + _SQL_CHUNK])),
                               ProductDocument.source == "manifest")
                        .order_by(ProductDocument.product_sku, ProductDocument.position)):
                    out.setdefault(sku, []).append({"kind": kind, "url": url, "title": title,
                                                    "document_id": doc_id})
        return out


_DOCUMENT_INFO = (Document.id, Document.sha256, Document.media_type, Document.filename,
                  Document.size_bytes, Document.page_count, Document.text_chars, Document.status)


def document_text(parts: Iterable[tuple[int | None, str | None, str | None]],
                  limit: int = DOCUMENT_TEXT_CHARS) -> str:
    """The document text of one product for product search: each document's title and the
    start of its text, every document once, cut at ``limit`` characters."""
    out: list[str] = []
    size = 0
    seen: set[int] = set()
    for doc_id, title, head in parts:
        if doc_id is not None:
            if doc_id in seen:
                continue
            seen.add(doc_id)
        for piece in (title, head):
            if piece and size < limit:
                out.append(piece[: limit - size])
                size += len(out[-1]) + 1
    return " ".join(out)
