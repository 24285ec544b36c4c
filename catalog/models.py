"""SQLAlchemy models of the catalog: products (variants share a ``parent_sku``),
their extra attributes, documents and media."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_sku: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    mpn: Mapped[str | None] = mapped_column(String(64))  # found through the search index
    gtin: Mapped[str | None] = mapped_column(String(14))
    country_of_origin: Mapped[str | None] = mapped_column(String(2))
    category: Mapped[str | None] = mapped_column(String(300))
    color: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(120))
    material: Mapped[str | None] = mapped_column(String(120))
    composition: Mapped[str | None] = mapped_column(String(200))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    length_mm: Mapped[float | None] = mapped_column(Float)
    width_mm: Mapped[float | None] = mapped_column(Float)
    height_mm: Mapped[float | None] = mapped_column(Float)
    pieces_per_package: Mapped[int | None] = mapped_column(Integer)
    packages_per_pallet: Mapped[int | None] = mapped_column(Integer)
    price_per_piece: Mapped[float | None] = mapped_column(Float)
    price_per_package: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    shipping_methods: Mapped[list | None] = mapped_column(JSON)  # [{"method", "days"}]
    delivery_days: Mapped[int | None] = mapped_column(Integer)
    fulfilment_days: Mapped[int | None] = mapped_column(Integer)
    stock_level: Mapped[int | None] = mapped_column(Integer)
    availability: Mapped[str | None] = mapped_column(String(20))
    order_type: Mapped[str | None] = mapped_column(String(10))
    popularity: Mapped[float | None] = mapped_column(Float)
    variant_attributes: Mapped[dict | None] = mapped_column(JSON)
    attributes: Mapped[dict | None] = mapped_column(JSON)  # columns the registry does not know
    content_hash: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, server_default=func.now(), onupdate=func.now()
    )


class ProductEmbedding(Base):
    """The text embedding of a product under one model (S11). ``text_hash`` fingerprints the
    text that was embedded, so a re-ingest or reindex re-encodes only products whose embedded
    text changed; ``model_id`` keeps vectors of different models apart. ``vector`` holds
    ``dim`` little-endian float32 values. ``updated_at`` is set by the writer with
    microseconds, so that a vector index can pick up what changed since it last looked."""

    __tablename__ = "product_embeddings"
    __table_args__ = (
        Index("ix_product_embeddings_model_updated", "model_id", "updated_at"),
    )

    model_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    sku: Mapped[str] = mapped_column(
        ForeignKey("products.sku", ondelete="CASCADE"), primary_key=True, index=True
    )
    text_hash: Mapped[str] = mapped_column(String(32))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProductImageEmbedding(Base):
    """The image embedding of a product's main image under one image model (S8): the first
    of its images that is a file here (stored under ``<data_dir>/files`` or a local path;
    remote URLs are not fetched). ``image_hash`` is the SHA-256 of the image's bytes, so an
    unchanged image is never encoded again and products sharing an image share its vector;
    ``image_ref`` is the reference it came from and ``file_stamp`` the size and modification
    time of a local path (a re-run skips unchanged files without reading them). ``vector``
    holds ``dim`` little-endian float32 values; ``updated_at`` is set by the writer (see
    :class:`ProductEmbedding`)."""

    __tablename__ = "product_image_embeddings"
    __table_args__ = (
        Index("ix_product_image_embeddings_model_updated", "model_id", "updated_at"),
        Index("ix_product_image_embeddings_model_hash", "model_id", "image_hash"),
    )

    model_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    sku: Mapped[str] = mapped_column(
        ForeignKey("products.sku", ondelete="CASCADE"), primary_key=True, index=True
    )
    image_hash: Mapped[str] = mapped_column(String(64))
    image_ref: Mapped[str] = mapped_column(String(1000))
    file_stamp: Mapped[str | None] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProductDocument(Base):
    """A datasheet, certificate, catalog card, return form or offer attached to a product: a
    link to a stored :class:`Document` (``document_id``) or to a remote URL (``document_id``
    NULL). ``source`` is ``catalog`` (the catalog file's ``documents`` column) or ``manifest``
    (``discovery documents import``): re-ingesting the catalog replaces only its own links."""

    __tablename__ = "product_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_sku: Mapped[str] = mapped_column(
        ForeignKey("products.sku", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(String(300))
    document_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(10), server_default="catalog")


class Document(Base):
    """One distinct attached file (content-addressed: a certificate shared by 50 products is
    stored, extracted and indexed once). The file lives under ``<data_dir>/files``;
    ``status`` is ``ok`` (text extracted) or ``no_text`` (a scan without a text layer: listed
    on product cards, not searchable). ``head_text`` is the start of the text, which product
    search weighs in at a low weight."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("sha256", name="uq_documents_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
    text_chars: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    head_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class DocumentPage(Base):
    """The extracted text of one page (1-based) of a document; what document search finds."""

    __tablename__ = "document_pages"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class ProductMedia(Base):
    """An image, video, diagram or CAD/3D file referenced by a product: a remote URL, or a
    file stored under ``<data_dir>/files`` (``sha256`` set; served by ``/v1/media/{sha256}``)."""

    __tablename__ = "product_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_sku: Mapped[str] = mapped_column(
        ForeignKey("products.sku", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    content_type: Mapped[str | None] = mapped_column(String(100))


class SearchQuery(Base):
    """One search as the API served it (S14). ``id`` is the search id handed to the client, so
    that its clicks and add-to-carts can be tied back to the query."""

    __tablename__ = "search_queries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, server_default=func.now())
    query: Mapped[str] = mapped_column(String(1000))  # as typed
    query_norm: Mapped[str] = mapped_column(String(1000), index=True)  # reports group by this
    filters: Mapped[list | None] = mapped_column(JSON)
    hit_count: Mapped[int] = mapped_column(Integer)
    took_ms: Mapped[float] = mapped_column(Float)
    customer: Mapped[str | None] = mapped_column(String(64))
    config: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list | None] = mapped_column(JSON)  # ids of the query rules that fired


class SearchEvent(Base):
    """A click, add-to-cart or order that followed a search. ``search_id`` has no foreign key:
    events arrive independently of the (batched) query log and may name a search that was
    never stored."""

    __tablename__ = "search_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    search_id: Mapped[str | None] = mapped_column(String(64), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True, server_default=func.now())


class MerchandisingSet(Base):
    """The synonyms or the query rules a merchandiser manages, as a draft (previewed with
    ``config=draft``) and as the live set every search uses. ``body`` is what the
    configuration syntax holds: synonym rule lines, or rule tables as in ``[[rules]]``."""

    __tablename__ = "merchandising_sets"
    __table_args__ = (UniqueConstraint("kind", "state", name="uq_merchandising_sets_kind_state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # "synonyms" | "rules"
    state: Mapped[str] = mapped_column(String(10))  # "draft" | "live"
    body: Mapped[list] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime)


class PublicKey(Base):
    """A public (search-only) API key for a storefront (S12): like Algolia's search-only key it
    is an identifier, not a secret (it ships in the shop's JavaScript), so it is stored as is.
    ``origins`` lists the sites (``https://shop.example``) whose browsers may use it; a key is
    never deleted, only revoked, so that a leaked key stays recognisable."""

    __tablename__ = "public_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    origins: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # a key scoped to a customer company (its assortment and prices) and its expiry (0010);
    # no foreign key: the companies table belongs to commerce
    company_id: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class StaffAccount(Base):
    """A console user (S7): ``role`` is admin, merchandiser or analyst; ``username_key`` (the
    lower-cased name) makes names unique regardless of case. ``password_hash`` is scrypt with
    its parameters and salt (``commerce.staff``)."""

    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("username_key", name="uq_staff_users_username_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffSession(Base):
    """A console sign-in. Only the SHA-256 of the token is stored; ``expires_at`` slides with
    use."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)


class StaffLoginFailure(Base):
    """A failed console sign-in, for the per-username lockout (names that do not exist too)."""

    __tablename__ = "staff_login_failures"
    __table_args__ = (
        Index("ix_staff_login_failures_user_time", "username_key", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username_key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime)


class EvaluationRun(Base):
    """An evaluation of two configurations on an uploaded judged set (S14), run in the
    background by an API process (``runner``, alive while ``heartbeat_at`` advances).
    ``result`` holds the summary and comparison; ``per_query`` the large per-query detail."""

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), index=True)  # running | done | failed
    error: Mapped[str | None] = mapped_column(Text)
    config_a: Mapped[str] = mapped_column(String(64))
    config_b: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[list] = mapped_column(JSON)
    progress_done: Mapped[int] = mapped_column(Integer)
    progress_total: Mapped[int] = mapped_column(Integer)
    runner: Mapped[str | None] = mapped_column(String(40))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[dict | None] = mapped_column(JSON)
    per_query: Mapped[list | None] = mapped_column(JSON)
