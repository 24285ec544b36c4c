"""The composition root: the one place that picks concrete store and search backend."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from api.background import RerunningJob
from api.images import ServedImages
from catalog.errors import BackendUnavailable, DiscoveryError, InvalidInput
from catalog.files import FileStore
from catalog.settings import Settings
from catalog.store import CatalogStore
from commerce.staff import StaffAccounts
from embeddings.speech import VoiceSearch
from evaluation.jobs import EvaluationJobs, EvaluationRuns
from indexer.base import SearchBackend
from indexer.documents import DocumentIndex
from indexer.plan import SearchPlan
from ranking.analytics import QueryLog
from ranking.config import load_config
from ranking.documents import DocumentSearchService
from ranking.hybrid import SemanticUnavailable
from ranking.merchandising import MerchandisingStore
from ranking.personal import PersonalSearch
from ranking.service import SearchService

log = logging.getLogger("discovery")


@dataclass
class Services:
    settings: Settings
    store: CatalogStore
    backend: SearchBackend
    search: SearchService
    analytics: QueryLog = field(default_factory=lambda: QueryLog(None, enabled=False))
    merchandising: MerchandisingStore | None = None  # synonyms and rules: draft and live
    semantic: ServedEmbeddings | None = None  # hybrid search; None when semantic search is off
    staff: StaffAccounts | None = None  # console users and sessions
    evaluations: EvaluationJobs | None = None  # console evaluations in a background thread
    images: ServedImages | None = None  # search by photo: the encoder loads on first use
    documents: DocumentIndex | None = None  # attached documents' text, page by page
    document_search: DocumentSearchService | None = None
    files: FileStore | None = None  # stored documents and media (<data_dir>/files)
    voice: VoiceSearch | None = None  # search by voice: the transcriber loads on first use
    personal: PersonalSearch | None = None  # buyers' assortments and prices (made on first use)

    def personal_search(self) -> PersonalSearch:
        if self.personal is None:
            self.personal = PersonalSearch(self.store.engine, currency=self.settings.price_currency)
        return self.personal

    def close(self) -> None:
        if self.evaluations is not None:
            self.evaluations.close()  # a running evaluation stops and is marked failed
        if self.semantic is not None:
            self.semantic.close()
        if self.images is not None:
            self.images.close()
        self.analytics.close()  # before the engine goes: it writes what is still queued
        self.backend.close()
        if self.documents is not None:
            self.documents.close()
        self.store.engine.dispose()


def make_backend(settings: Settings) -> SearchBackend:
    if settings.search_backend == "tantivy":
        from indexer.tantivy_backend import TantivyBackend

        return TantivyBackend(settings.index_dir, heap_mb=settings.index_heap_mb,
                              reload_interval_s=settings.index_reload_interval_s)
    if settings.search_backend == "elasticsearch":
        from indexer.elasticsearch import ElasticsearchBackend, ElasticsearchConfig

        return ElasticsearchBackend(ElasticsearchConfig.from_settings(settings))
    raise InvalidInput(
        f"unknown search backend {settings.search_backend!r}; supported: 'tantivy', "
        "'elasticsearch'",
        field="DISCOVERY_SEARCH_BACKEND",
    )


def make_document_index(settings: Settings) -> DocumentIndex:
    """The document index beside the product index (the same engine)."""
    from indexer.tantivy_documents import TantivyDocumentIndex

    return TantivyDocumentIndex(settings.data_dir / "documents-index",
                                heap_mb=min(settings.index_heap_mb, 64),
                                reload_interval_s=settings.index_reload_interval_s)


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(settings.resolved_database_url())
    store.migrate()
    backend = make_backend(settings)
    cluster = hasattr(backend, "attach_vectors")  # Elasticsearch
    images = ClusterImages(settings, store, backend) if cluster else ServedImages(settings, store)
    if cluster:
        attach_vectors(settings, store, backend)  # before a rebuild: it carries them
        attach_image_vectors(images, store, backend)
    heal_index(store, backend)
    documents = make_document_index(settings)
    heal_documents(store, documents)
    analytics = QueryLog(store.engine, enabled=settings.analytics_enabled,
                         flush_interval_s=settings.analytics_flush_interval_s).start()
    merchandising = MerchandisingStore(store.engine)
    semantic: ServedEmbeddings | None = None
    if settings.semantic_search:
        semantic = (ClusterEmbeddings(settings, store, backend) if cluster
                    else ServedEmbeddings(settings, store))
    search = SearchService(backend, settings, load_config(settings.search_config),
                           merchandising=merchandising, semantic=semantic)
    if cluster:
        publish_synonyms(backend, search, merchandising)
    staff = StaffAccounts(store.engine, session_hours=settings.console_session_hours)
    evaluations = EvaluationJobs(EvaluationRuns(store.engine),
                                 lambda spec, depth: evaluation_search(search, spec, depth),
                                 store.existing_skus, max_depth=settings.max_page_size)
    evaluations.recover()  # runs a stopped process left 'running' are marked failed
    return Services(settings, store, backend, search, analytics, merchandising, semantic,
                    staff=staff, evaluations=evaluations, images=images,
                    voice=VoiceSearch(settings, store),
                    documents=documents, files=FileStore(settings.data_dir / "files"),
                    document_search=DocumentSearchService(documents, store, settings))


def evaluation_search(service: SearchService, spec: str, depth: int) -> Callable[[str], list[str]]:
    """An evaluation's ``search(text) -> [sku]`` for a configuration spec: ``live`` is the
    served configuration with the published synonyms and rules, ``draft`` the same with the
    draft ones, any other a shipped configuration (with the published ones)."""
    from evaluation.harness import search_function

    return search_function(service, depth, config=None if spec == "live" else spec)


class ServedEmbeddings:
    """Semantic retrieval for a serving process (``ranking.hybrid.SemanticIndex``): the
    encoder and the vector index load on first use (``start`` warms them in the background),
    and the index picks up embeddings other processes stored every
    ``vector_sync_interval_s``. When the encoder cannot load, hybrid searches fall back to
    lexical results and the reason is logged once and shown by ``status``."""

    def __init__(self, settings: Settings, store: CatalogStore) -> None:
        self.settings, self.store = settings, store
        self._lock = threading.Lock()
        self._ready: tuple[Any, Any, Any] | None = None  # encoder, index, query cache
        self._error: str | None = None
        self._synced = 0.0
        self._syncing = threading.Lock()
        self._embedding = RerunningJob("embeddings", self._embed_once)
        self.last_embed: dict[str, Any] | None = None

    def start(self, *, catch_up: bool = False) -> ServedEmbeddings:
        """Load the encoder and the vector index in the background; with ``catch_up``, then
        embed the products that have no vector yet (e.g. a catalog ingested with
        ``--no-embed``): hybrid search covers them as their vectors land."""
        def warm() -> None:
            ready = self._load()
            if ready is not None and catch_up:
                stored, _ = self.store.embedding_state(ready[0].model_id)
                if stored < self.store.count():
                    self.embed_changed()

        threading.Thread(target=warm, name="embeddings-warmup", daemon=True).start()
        return self

    def _load(self) -> tuple[Any, Any, Any] | None:
        with self._lock:
            if self._ready is None and self._error is None:
                try:
                    from embeddings import QueryEmbeddingCache, get_encoder

                    encoder = get_encoder(self.settings).load()
                    index = self._open_index(encoder)
                    cache = QueryEmbeddingCache(self.settings.embedding_query_cache_size)
                    self._ready, self._synced = (encoder, index, cache), time.monotonic()
                    log.info("semantic search ready: %d product vectors", len(index))
                except DiscoveryError as exc:
                    self._error = str(exc.detail)
                    log.warning("semantic search unavailable, searches stay lexical: %s",
                                self._error)
            return self._ready

    def _open_index(self, encoder: Any) -> Any:
        """The vectors searched: the embedded vector index, saved in the data folder."""
        from embeddings import VectorIndex, vectors_dir

        return VectorIndex.open(vectors_dir(self.settings), self.store, encoder.model_id,
                                encoder.dim)

    def _parts(self) -> tuple[Any, Any, Any]:
        ready = self._ready or self._load()
        if ready is None:
            raise SemanticUnavailable(self._error or "semantic search is not available")
        if (time.monotonic() - self._synced > self.settings.vector_sync_interval_s
                and not self._syncing.locked()):  # off the request: a sync may take 100s of ms
            threading.Thread(target=self._sync, args=(ready[1],), name="vector-sync",
                             daemon=True).start()
        return ready

    def _sync(self, index: Any) -> None:
        if not self._syncing.acquire(blocking=False):
            return  # another request is syncing; this one searches what is there
        try:
            self._synced = time.monotonic()
            changes = index.sync(self.store)
            if changes["upserted"] or changes["deleted"]:
                log.info("vector index: %d vectors added or changed, %d removed",
                         changes["upserted"], changes["deleted"])
        finally:
            self._syncing.release()

    def status(self) -> dict[str, Any]:
        if self._ready is not None:
            return {"status": "ready", **self._ready[1].describe(),
                    "embedding": self._embedding.running,
                    "last_embed": self.last_embed}
        return {"status": "unavailable", "detail": self._error} if self._error else {
            "status": "loading"}

    def embed_changed(self) -> None:
        """Compute the embeddings of new and changed products in a background thread (after
        an import); a request while one runs makes it go round once more. The index picks
        the vectors up as they are stored."""
        self._embedding.request()

    def _embed_once(self) -> bool:
        from embeddings import embed_products

        ready = self._load()
        if ready is None:
            return False
        try:
            report = embed_products(self.store, ready[0])
            self._sync(ready[1])  # searches see the new vectors once this thread ends
            self.last_embed = report.to_dict()
        except Exception:  # a background job must log, not die silently
            log.exception("embedding new and changed products failed")
            return False
        return True

    def close(self) -> None:
        self._embedding.join(timeout=5)  # the stored vectors are safe; the next run resumes

    # -- ranking.hybrid.SemanticIndex ------------------------------------------------------
    def query_vector(self, text: str) -> np.ndarray:
        encoder, _, cache = self._parts()
        vector: np.ndarray = cache.encode(encoder, text)
        return vector

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = self._parts()[1].search(vector, k)
        return found

    def similarities(self, vector: np.ndarray, skus: Sequence[str]) -> dict[str, float]:
        found: dict[str, float] = self._parts()[1].scores(vector, skus)
        return found

    def vectors(self, skus: Sequence[str]) -> np.ndarray:
        found: np.ndarray = self._parts()[1].vectors(skus)
        return found


class ClusterEmbeddings(ServedEmbeddings):
    """Semantic retrieval on Elasticsearch: the query is encoded here, the product vectors
    live in the cluster (indexed with the products, kept in step by the vector sync, which
    rewrites the products whose vectors the store gained), and neighbours come from a kNN search
    filtered like the lexical one (``ranking.hybrid.FilteredNeighbours``). No local matrix."""

    def __init__(self, settings: Settings, store: CatalogStore, backend: Any) -> None:
        super().__init__(settings, store)
        self.backend = backend

    def _open_index(self, encoder: Any) -> Any:
        from indexer.elasticsearch.vectors import ClusterVectors

        index = ClusterVectors(self.backend, encoder.model_id, encoder.dim)
        index.sync(self.store)  # what was stored while no server ran
        return index

    def nearest_within(self, plan: SearchPlan, vector: np.ndarray, k: int
                       ) -> list[tuple[str, float]]:
        self._parts()  # loaded, and the vector sync kept going
        found: list[tuple[str, float]] = self.backend.nearest(plan, vector, k)
        return found

    def vectors(self, skus: Sequence[str]) -> np.ndarray:
        """The products' vectors from the catalog store, which the cluster's are synced from
        (the index does not return them)."""
        from embeddings.vectors import decode_rows

        encoder = self._parts()[0]
        rows = self.store.get_embeddings(encoder.model_id, list(skus))
        return decode_rows([rows[s] for s in skus if s in rows], encoder.dim)


class ClusterImages(ServedImages):
    """Search by photo on Elasticsearch: the photo is encoded here, the products' image
    vectors live in the cluster's ``image_vector`` (indexed with the products, kept in step
    by the vector sync as the text vectors are), and neighbours come from a kNN search
    narrowed by the words, filters and rules (``ranking.hybrid.FilteredNeighbours``). No
    local image-vector index."""

    def __init__(self, settings: Settings, store: CatalogStore, backend: Any) -> None:
        super().__init__(settings, store)
        self.backend = backend

    def _open_index(self, encoder: Any) -> Any:
        from indexer.elasticsearch.mapping import IMAGE_VECTOR
        from indexer.elasticsearch.vectors import ClusterVectors

        index = ClusterVectors(self.backend, encoder.model_id, encoder.dim, IMAGE_VECTOR)
        index.sync(self.images)  # what was stored while no server ran
        return index

    def nearest_within(self, plan: SearchPlan, vector: np.ndarray, k: int
                       ) -> list[tuple[str, float]]:
        from indexer.elasticsearch.mapping import IMAGE_VECTOR

        self._parts()  # loaded, and the vector sync kept going
        found: list[tuple[str, float]] = self.backend.nearest(
            plan, vector, k, field=IMAGE_VECTOR, match_text=True)
        return found


def attach_image_vectors(images: ServedImages, store: CatalogStore, backend: Any) -> None:
    """Elasticsearch indexes the stored image vectors of the configured image model with the
    products (none when search by photo is not configured); a vector sync reads the products
    from the catalog store."""
    from catalog.image_embeddings import ImageEmbeddingStore
    from indexer.elasticsearch.mapping import IMAGE_VECTOR

    def model_id() -> str | None:  # read when a product is first written
        return images.encoder.model_id if images.configured else None

    backend.attach_vectors(ImageEmbeddingStore(store.engine), model_id, field=IMAGE_VECTOR,
                           records=store)


def attach_vectors(settings: Settings, store: CatalogStore, backend: Any) -> None:
    """Elasticsearch indexes the stored text vectors of the served model with the products
    (none when semantic search is off)."""
    if not settings.semantic_search:
        return
    model: list[str] = []

    def model_id() -> str:  # read when a product is first written (hashes the weights once)
        if not model:
            from embeddings import get_encoder

            model.append(get_encoder(settings).model_id)
        return model[0]

    backend.attach_vectors(store, model_id)


def publish_synonyms(backend: Any, search: SearchService,
                     merchandising: MerchandisingStore) -> None:
    """Elasticsearch's synonym set holds the synonyms searches use (the published ones, or
    the configuration's own before any were published): sent at start when they differ, and
    on every publish. A set the cluster refuses at publish time is a 503 with the reason
    (the publication itself is stored; the next start or publish sends the set again); until
    the set holds them, searches expand the rules themselves."""
    def publish() -> None:
        backend.publish_synonyms(search.configuration().synonym_rules)

    merchandising.on_publish.append(publish)
    try:
        publish()
    except BackendUnavailable as exc:  # down at start: searches expand synonyms themselves
        log.warning("synonym set not published at start: %s", exc.detail)


def heal_index(store: CatalogStore, backend: SearchBackend) -> None:
    """The index is derived from the store: rebuild it when it was written by another version
    of the product, or lost (an empty index beside a store with products)."""
    try:
        empty = backend.count() == 0
    except BackendUnavailable as exc:  # a cluster that is down: serve 503s, heal on a rebuild
        log.warning("search backend unavailable at start, index not checked: %s", exc.detail)
        return
    stale = bool(getattr(backend, "needs_rebuild", False))
    if stale or (empty and store.count() > 0):
        log.warning("search index is %s; rebuilding it from the catalog store",
                    "from another version" if stale else "empty")
        n = backend.rebuild(store.iter_records())
        log.warning("search index rebuilt: %d products", n)


def heal_documents(store: CatalogStore, index: DocumentIndex) -> None:
    """The document index is derived from the store too: rebuilt when written by another
    version or lost."""
    stale = bool(getattr(index, "needs_rebuild", False))
    if stale or (index.count() == 0 and store.document_page_count() > 0):
        log.warning("document index is %s; rebuilding it from the catalog store",
                    "from another version" if stale else "empty")
        n = index.rebuild(store.iter_document_pages())
        log.warning("document index rebuilt: %d documents", n)
