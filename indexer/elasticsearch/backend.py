"""The Elasticsearch search backend (``indexer.base.SearchBackend``).

Searches go to an alias (``<prefix>-products``); each full rebuild writes a new timestamped
index, loads it, refreshes it and then moves the alias in one ``_aliases`` call (remove + add),
so searches never see a half-built index; the old index is deleted only after the swap.
Incremental writes go through the alias to the index behind it; ``commit`` refreshes.
While a rebuild loads (a ``<alias>-building`` alias on the new index, which every process
sees, checked at most every ``MARKER_CACHE_S``), writes also go to the new index and are
journalled, so none is lost at the swap; the marker's heartbeat tells a rebuild whose process
died, which the next rebuild clears.

Product vectors (the text embeddings of the catalog store in ``text_vector``, the image
embeddings of search by photo in ``image_vector``) are indexed with the products and kept in
step by :meth:`ElasticsearchBackend.sync_vectors`, which writes the products whose vectors
the store gained (whole documents, read again from the store: ``_source`` keeps only what
hits show, so a partial update would rebuild a document without its derived fields);
neighbours come from a filtered kNN search. The published synonyms live in
the cluster as a synonym set read by the search analyzer (see ``mapping.STEM_SYNONYMS``).

The client's major version must be the server's: the first request reads the server's
``version.number`` and refuses (503, with what to install) on a mismatch. Every failure to
reach or use the cluster is a :class:`~catalog.errors.BackendUnavailable` naming the reason.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import numpy as np

from catalog.errors import BackendUnavailable, Conflict, DiscoveryError
from indexer.elasticsearch.compile import (
    compile_doc_freqs,
    compile_facets,
    compile_journal_deletes,
    compile_knn,
    compile_search,
    compile_similarities,
    compile_vector_skus,
    search_kwargs,
    split_words,
)
from indexer.elasticsearch.mapping import (
    IMAGE_VECTOR,
    SCHEMA_VERSION,
    TEXT_VECTOR,
    index_settings,
    index_template,
    mappings,
    synonym_rules,
    to_es_document,
)
from indexer.elasticsearch.parse import parse_knn, parse_search, parse_similarities
from indexer.plan import SearchPlan, SearchResult

log = logging.getLogger("discovery.elasticsearch")
Record = dict[str, Any]
Op = tuple[str, dict[str, Any], "dict[str, Any] | None"]
"""A bulk operation: the SKU, the action line and the document (None for a delete)."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DOC_FREQ_TTL_S = 60.0
DOC_FREQ_CACHE_SIZE = 50_000
SYNONYM_CHECK_S = 5.0
"""How often a process whose searches name other synonym rules than it last saw in the
cluster reads the cluster's set again (another process may have published them)."""
VECTOR_SYNC_OVERLAP = timedelta(seconds=30)
"""A vector sync re-sends what was stored this long before the last one it sent (a
transaction that committed late carries an earlier time), as ``embeddings.vectors`` does."""
SYNONYM_PAGE = 10_000
MARKER_CACHE_S = 2.0
"""How long a process trusts its last look at the rebuild marker (the ``building`` alias)
before writing: one marker request per this time instead of one per bulk write. A constant,
not a setting: every process must use the same, since a rebuild waits :data:`MARKER_WAIT_S`
for the answers other processes cached to expire."""
MARKER_WAIT_S = MARKER_CACHE_S + 1.0
"""How long a rebuild waits between setting its marker and reading the catalog store. A
process that cached "no rebuild" took that answer at time t0 (the clock read before the
request, so before the cluster answered, so before the marker existed) and uses it until
t0 + MARKER_CACHE_S; each of its index writes comes after the store write it reflects. So
every write sent to the live index alone was stored before t0 + MARKER_CACHE_S, before the
marker was set + MARKER_CACHE_S, before the rebuild reads its first product: the load reads
it. The extra second covers clocks running at slightly different rates."""
HEARTBEATS_PER_TIMEOUT = 5
"""A rebuild refreshes its heartbeat ``rebuild_stale_s / HEARTBEATS_PER_TIMEOUT`` apart, so
a few refreshes may fail (a cluster busy for a moment) before others take it for abandoned."""
VECTOR_FIELDS = {TEXT_VECTOR: ("text_vectors", "text_embedding"),
                 IMAGE_VECTOR: ("image_vectors", "image_embedding")}
"""Each vector field of the index: its watermark's key in the index ``_meta`` and the record
key :func:`~indexer.elasticsearch.mapping.to_es_document` reads it from. A product has one
image vector: the store keeps one per product and model (its first image that is a file
here, ``embeddings.image_pipeline``), so ``image_vector`` is a plain ``dense_vector`` and
kNN needs no nested documents."""


class IndexingFailed(DiscoveryError):
    """Some products could not be indexed: ``detail["failed"]`` names each SKU and the
    reason Elasticsearch gave. The others were written."""

    status_code = 502

    def __init__(self, failed: dict[str, str], *, written: int) -> None:
        shown = "; ".join(f"{sku}: {reason}" for sku, reason in list(failed.items())[:5])
        more = f" and {len(failed) - 5} more" if len(failed) > 5 else ""
        super().__init__({"message": f"{len(failed)} products were not indexed ({shown}{more})",
                          "failed": failed, "written": written})
        self.failed, self.written = failed, written


@dataclass
class ElasticsearchConfig:
    url: str
    index_prefix: str = "discovery"
    api_key: str | None = None
    username: str | None = None
    password: str | None = None
    ca_certs: str | None = None
    request_timeout_s: float = 10.0
    bulk_batch_size: int = 1000
    bulk_max_retries: int = 5
    bulk_backoff_s: float = 0.5
    shards: int = 1
    replicas: int = 1
    refresh_interval: str = "1s"
    text_vector_dims: int = 384
    image_vector_dims: int = 512
    rebuild_stale_s: float = 300.0
    """A rebuild marker whose heartbeat is older than this is abandoned (its process died):
    writes stop going to its index, and the next rebuild (or write) deletes it and its
    journal. The same on every process; clocks must agree to well within it."""
    extra: dict[str, Any] = field(default_factory=dict)  # more client options (tests: node_class)

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticsearchConfig:
        if not settings.es_url:
            raise BackendUnavailable("DISCOVERY_SEARCH_BACKEND=elasticsearch needs DISCOVERY_ES_URL "
                                     "(e.g. http://localhost:9200)")
        return cls(url=settings.es_url, index_prefix=settings.es_index_prefix,
                   api_key=settings.es_api_key, username=settings.es_username,
                   password=settings.es_password,
                   ca_certs=str(settings.es_ca_certs) if settings.es_ca_certs else None,
                   request_timeout_s=settings.es_request_timeout_s,
                   bulk_batch_size=settings.es_bulk_batch_size,
                   bulk_max_retries=settings.es_bulk_max_retries,
                   shards=settings.es_shards, replicas=settings.es_replicas,
                   refresh_interval=settings.es_refresh_interval,
                   text_vector_dims=settings.es_text_vector_dims,
                   image_vector_dims=settings.es_image_vector_dims,
                   rebuild_stale_s=settings.es_rebuild_stale_s)

    @property
    def alias(self) -> str:
        return f"{self.index_prefix}-products"

    @property
    def template(self) -> str:
        return f"{self.index_prefix}-products"

    @property
    def building(self) -> str:
        """The alias on the index a rebuild is loading: the marker every process checks
        before writing (writes then go to both indices)."""
        return f"{self.alias}-building"

    @property
    def journal(self) -> str:
        """The alias of the index recording, by SKU, the last write made during a rebuild
        (outside the template's ``<alias>-*`` pattern: it is no product index)."""
        return f"{self.index_prefix}-rebuild-journal"

    @property
    def synonyms_set(self) -> str:
        """The Synonyms API set the search analyzer reads (the published synonyms)."""
        return f"{self.index_prefix}-synonyms"


class EmbeddingRows(Protocol):
    """Where stored embeddings are read: text (``catalog.store.CatalogStore``) or image
    (``catalog.image_embeddings.ImageEmbeddingStore``)."""

    def get_embeddings(self, model_id: str, skus: Sequence[str]) -> dict[str, Any]: ...

    def embedding_state(self, model_id: str) -> tuple[int, datetime | None]: ...

    def iter_embeddings(self, model_id: str, *, batch_size: int = ...,
                        updated_since: datetime | None = None) -> Iterator[list[Any]]: ...

    def embedding_skus(self, model_id: str) -> list[str]: ...


@runtime_checkable
class ProductRecords(Protocol):
    """Where a vector sync reads the products it writes again (``CatalogStore``)."""

    def get_many(self, skus: Sequence[str]) -> list[Record]: ...


def client_major() -> int:
    import elasticsearch

    return int(elasticsearch.__versionstr__.split(".")[0])


def _reason(exc: Exception) -> str:
    """What went wrong, in one line, from any client error."""
    import elastic_transport
    import elasticsearch

    if isinstance(exc, elasticsearch.AuthenticationException):
        return "Elasticsearch refused the credentials (401): check DISCOVERY_ES_API_KEY or " \
               "DISCOVERY_ES_USERNAME/DISCOVERY_ES_PASSWORD"
    if isinstance(exc, elasticsearch.AuthorizationException):
        return f"the Elasticsearch user may not do this (403): {_api_reason(exc)}"
    if isinstance(exc, elasticsearch.UnsupportedProductError):
        return "the server at DISCOVERY_ES_URL is not Elasticsearch"
    if isinstance(exc, elasticsearch.ApiError):
        return f"Elasticsearch answered {exc.meta.status}: {_api_reason(exc)}"
    if isinstance(exc, elastic_transport.ConnectionTimeout):
        return f"Elasticsearch did not answer in time: {exc.message}"
    if isinstance(exc, elastic_transport.TransportError):
        return f"Elasticsearch cannot be reached: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _api_reason(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('type')}: {error.get('reason')}"
    return str(getattr(exc, "message", exc))


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(self, config: ElasticsearchConfig, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        """``sleep`` (bulk backoff, the rebuild's wait for cached marker answers to expire)
        and ``clock`` (wall-clock seconds: rebuild heartbeats, compared across processes,
        and the marker cache) are injectable for tests."""
        try:
            import elasticsearch
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise BackendUnavailable("the Elasticsearch backend needs the elasticsearch client: "
                                     "pip install 'elasticsearch>=9,<10' (or >=8.18,<9 for an "
                                     "8.x server)") from exc
        self.config = config
        self._sleep = sleep
        self._clock = clock
        self._marker: tuple[float, bool] | None = None  # (checked at, a live rebuild marked)
        # no retries in the transport (a search fails fast with 503; bulk retries itself), and
        # a 429/5xx answer is not taken for a dead node
        options: dict[str, Any] = {"request_timeout": config.request_timeout_s, "max_retries": 0,
                                   "retry_on_timeout": False, "retry_on_status": (),
                                   **config.extra}
        if config.api_key:
            options["api_key"] = config.api_key
        elif config.username:
            options["basic_auth"] = (config.username, config.password or "")
        if config.ca_certs:
            options["ca_certs"] = config.ca_certs
        self.client = elasticsearch.Elasticsearch(config.url, **options)
        self._checked: str | None = None  # the server's version once checked
        self._ready = False  # the alias exists
        self._lock = threading.Lock()
        self.needs_rebuild = False
        self._df_cache: dict[str, tuple[float, int]] = {}
        self._vectors: dict[str, tuple[EmbeddingRows, Callable[[], str | None]]] = {}
        self._records: ProductRecords | None = None  # the catalog store, for vector syncs
        self._cluster_synonyms: frozenset[str] | None = None  # rule ids of the cluster's set
        self._synonyms_read_at = float("-inf")
        self._rule_ids: dict[tuple[str, ...], frozenset[str]] = {}

    # -- connection and errors -----------------------------------------------------------
    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        """One client call; client errors become BackendUnavailable with the reason."""
        import elastic_transport
        import elasticsearch

        try:
            return fn()
        except (elasticsearch.ApiError, elastic_transport.TransportError,
                elasticsearch.UnsupportedProductError) as exc:
            status = getattr(getattr(exc, "meta", None), "status", None)
            reason = _api_reason(exc).lower()
            if status == 400 and ("media_type_header_exception" in reason
                                  or "compatible" in reason):
                raise self._mismatch(None) from exc
            raise BackendUnavailable(f"{what}: {_reason(exc)}") from exc

    def _mismatch(self, server: str | None) -> BackendUnavailable:
        major = client_major()
        found = f"Elasticsearch {server}" if server else "an Elasticsearch server of another major"
        want = int(server.split(".")[0]) if server else None
        if want in (8, 9):
            low = "8.18" if want == 8 else "9"  # elasticsearch.dsl is in 8.x clients from 8.18
            install = f"pip install 'elasticsearch>={low},<{want + 1}' (the es{want} extra)"
        elif want is not None:
            install = "only 8.x and 9.x servers are supported"
        else:
            install = "install the client whose major version is the server's"
        return BackendUnavailable(
            f"{found} cannot be used with the elasticsearch client {major}.x: the client's "
            f"major version must be the server's; {install}")

    def check_server(self) -> str:
        """The server's version; a client of another major is refused (once checked, kept)."""
        if self._checked is not None:
            return self._checked

        def info() -> Any:  # without the client's compatibility headers, which 8.x refuses
            import elasticsearch
            from elasticsearch.exceptions import HTTP_EXCEPTIONS

            headers = {**dict(getattr(self.client, "_headers", None) or {}),  # credentials
                       "accept": "application/json"}
            response = self.client.transport.perform_request("GET", "/", headers=headers)
            status = response.meta.status
            if status >= 400:  # the transport does not raise: as the client would
                error = HTTP_EXCEPTIONS.get(status, elasticsearch.ApiError)
                raise error(message=str(response.body), meta=response.meta, body=response.body)
            return response.body

        body = self._call("version check", info)
        version = str(((body or {}).get("version") or {}).get("number") or "")
        if not version[:1].isdigit():
            raise BackendUnavailable("the server at DISCOVERY_ES_URL is not Elasticsearch "
                                     "(no version.number)")
        if int(version.split(".")[0]) != client_major():
            raise self._mismatch(version)
        self._checked = version
        return version

    def _ensure(self) -> None:
        """The alias exists (a fresh cluster gets an empty index); an index written by another
        schema version is flagged for a rebuild."""
        if self._ready:
            return
        self.check_server()
        with self._lock:
            if self._ready:
                return
            indices = self._alias_indices()
            if not indices:
                name = self._new_index(self.config.refresh_interval, self.config.replicas)
                self._call("creating the alias", lambda: self.client.indices.update_aliases(
                    actions=[{"add": {"index": name, "alias": self.config.alias}}]))
            else:
                found = self._call("reading the mapping", lambda: self.client.indices.get_mapping(
                    index=self.config.alias)).body
                versions = {str(((m.get("mappings") or {}).get("_meta") or {}).get(
                    "schema_version")) for m in found.values()}
                self.needs_rebuild = versions != {SCHEMA_VERSION}
                if self._cluster_synonyms is None:
                    self._cluster_synonyms = self._read_synonyms()
            self._ready = True

    def _alias_indices(self, alias: str | None = None) -> list[str]:
        """The indices behind the alias (none on a fresh cluster)."""
        import elasticsearch

        def get() -> list[str]:
            try:
                return sorted(self.client.indices.get_alias(name=alias or self.config.alias).body)
            except elasticsearch.NotFoundError:
                return []

        found: list[str] = self._call("reading the alias", get)
        return found

    def _index_name(self) -> str:
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        return f"{self.config.alias}-{stamp}-{uuid.uuid4().hex[:6]}"

    def _journal_of(self, index: str) -> str:
        """The journal index of the rebuild loading ``index``."""
        return f"{self.config.journal}-{index.removeprefix(self.config.alias + '-')}"

    def _new_index(self, refresh_interval: str, replicas: int, name: str | None = None,
                   meta: dict[str, Any] | None = None) -> str:
        """A new product index (``meta``: more ``_meta`` entries, a rebuild's heartbeat)."""
        cfg = self.config
        name = name or self._index_name()
        # an index whose analyzer names a missing synonym set has no shards (red): the set
        # first, empty until synonyms are published
        if self._cluster_synonyms is None:
            self._cluster_synonyms = self._read_synonyms()
        if self._cluster_synonyms is None:
            self._put_synonyms([])
        self._call("storing the index template", lambda: self.client.indices.put_index_template(
            name=cfg.template, **index_template(f"{cfg.alias}-*", cfg.shards, cfg.replicas,
                                                cfg.refresh_interval, cfg.text_vector_dims,
                                                cfg.image_vector_dims, cfg.synonyms_set)))
        settings = index_settings(cfg.shards, replicas, refresh_interval, cfg.synonyms_set)
        body = mappings(cfg.text_vector_dims, cfg.image_vector_dims, synonyms=True)
        if meta:
            body = {**body, "_meta": {**body.get("_meta", {}), **meta}}
        self._call("creating an index", lambda: self.client.indices.create(
            index=name, settings=settings, mappings=body))
        return name

    # -- synonyms ------------------------------------------------------------------------
    def _read_synonyms(self) -> frozenset[str] | None:
        """The rule ids of the cluster's synonym set; None when there is no set."""
        import elasticsearch

        name = self.config.synonyms_set

        def get() -> frozenset[str] | None:
            ids: set[str] = set()
            start = 0
            while True:
                try:
                    page = self.client.synonyms.get_synonym(id=name, from_=start,
                                                            size=SYNONYM_PAGE).body
                except elasticsearch.NotFoundError:
                    return None
                rules = page.get("synonyms_set") or []
                ids.update(str(r.get("id")) for r in rules)
                start += len(rules)
                if not rules or start >= int(page.get("count") or 0):
                    return frozenset(ids)

        found: frozenset[str] | None = self._call("reading the synonym set", get)
        self._synonyms_read_at = time.monotonic()
        return found

    def _put_synonyms(self, rules: list[dict[str, str]]) -> None:
        self._call("publishing the synonym set", lambda: self.client.synonyms.put_synonym(
            id=self.config.synonyms_set, synonyms_set=rules))
        self._cluster_synonyms = frozenset(r["id"] for r in rules)
        self._synonyms_read_at = time.monotonic()

    def _ids_of(self, lines: Sequence[str]) -> frozenset[str]:
        key = tuple(lines)
        ids = self._rule_ids.get(key)
        if ids is None:
            if len(self._rule_ids) > 16:
                self._rule_ids.clear()
            ids = self._rule_ids[key] = frozenset(r["id"] for r in synonym_rules(key))
        return ids

    def publish_synonyms(self, lines: Sequence[str]) -> bool:
        """Make the cluster's synonym set hold these rules (``ranking.synonyms`` lines), if it
        does not already; Elasticsearch reloads the search analyzers that read the set (8.10
        and later). Returns whether the set changed."""
        self.check_server()
        rules = synonym_rules(lines)
        if self._read_synonyms() == frozenset(r["id"] for r in rules):
            self._cluster_synonyms = frozenset(r["id"] for r in rules)
            return False
        self._put_synonyms(rules)
        log.info("synonym set %s published: %d rules", self.config.synonyms_set, len(rules))
        return True

    def for_synonyms(self, lines: Sequence[str]) -> Any:
        """The backend to search with these synonym rules: this one when the cluster's set
        holds them (the plan's alternatives are then left to the analyzer), otherwise a view
        that searches the plan's alternatives with the analyzer that applies no synonyms
        (a draft preview, a configuration's own rules, a set not published yet)."""
        self._ensure()
        wanted = self._ids_of(lines)
        if wanted != self._cluster_synonyms and \
                time.monotonic() - self._synonyms_read_at > SYNONYM_CHECK_S:
            self._cluster_synonyms = self._read_synonyms()  # published by another process?
        return self if wanted == self._cluster_synonyms else QueryTimeSynonyms(self)

    # -- reads ---------------------------------------------------------------------------
    def search(self, plan: SearchPlan) -> SearchResult:
        self._ensure()
        return self.search_with(plan, index_synonyms=self._cluster_synonyms is not None)

    def search_with(self, plan: SearchPlan, *, index_synonyms: bool) -> SearchResult:
        """``index_synonyms``: the cluster's synonym set applies (and the plan's synonym
        alternatives are left out); otherwise the plan's alternatives apply alone."""
        self._ensure()
        started = time.perf_counter()
        freqs = self._doc_freqs(split_words(plan))
        doc_freq = None if freqs is None else (lambda word: freqs.get(word, 0))
        body = compile_search(plan, doc_freq, index_synonyms)
        response = self._call("search", lambda: self.client.search(
            index=self.config.alias, **search_kwargs(body))).body
        broad = None
        if plan.facets and plan.facet_text is not None and not (
                response.get("aggregations", {}).get("strict_total", {}).get("doc_count")):
            facets_body = compile_facets(plan, doc_freq, index_synonyms)
            broad = self._call("facet counts", lambda: self.client.search(
                index=self.config.alias, **search_kwargs(facets_body))).body
        result = parse_search(plan, response, broad)
        result.engine_ms = (time.perf_counter() - started) * 1000
        return result

    def _doc_freqs(self, words: list[str]) -> dict[str, int] | None:
        """How many products hold each word (to split compound words), from a cache kept for
        ``DOC_FREQ_TTL_S``; the words not in it are asked in one request."""
        if not words:
            return None
        now = time.monotonic()
        known = {w: hit[1] for w in words
                 if (hit := self._df_cache.get(w)) is not None and now - hit[0] < DOC_FREQ_TTL_S}
        missing = [w for w in words if w not in known]
        if missing:
            body = compile_doc_freqs(missing)
            found = self._call("word frequencies", lambda: self.client.search(
                index=self.config.alias, **search_kwargs(body))).body
            buckets = found["aggregations"]["doc_freq"]["buckets"]
            if len(self._df_cache) > DOC_FREQ_CACHE_SIZE:
                self._df_cache.clear()
            for w in missing:
                known[w] = int(buckets.get(w, {}).get("doc_count", 0))
                self._df_cache[w] = (now, known[w])
        return known

    def nearest(self, plan: SearchPlan, vector: Sequence[float], k: int,
                num_candidates: int | None = None, *, field: str = TEXT_VECTOR,
                match_text: bool = False) -> list[tuple[str, float]]:
        """The products nearest to an embedding in ``field`` among those ``plan`` allows, with
        their cosine (Elasticsearch scores cosine as (1 + cos) / 2). ``match_text``: they must
        match the plan's text too (search by photo), read as a search would read it."""
        self._ensure()
        doc_freq = None
        if match_text and plan.text is not None:
            freqs = self._doc_freqs(split_words(plan))
            doc_freq = None if freqs is None else (lambda word: freqs.get(word, 0))
        body = compile_knn(plan, [float(x) for x in vector], k, num_candidates or 4 * k, field,
                           match_text=match_text, doc_freq=doc_freq,
                           index_synonyms=self._cluster_synonyms is not None)
        found = self._call("kNN search", lambda: self.client.search(
            index=self.config.alias, **search_kwargs(body))).body
        return parse_knn(found)

    def similarities(self, vector: Sequence[float], skus: Sequence[str], *,
                     field: str = TEXT_VECTOR) -> dict[str, float]:
        """The cosine of an embedding with each of these products that has a vector (exact:
        a ``script_score``), for the blend fusion of hybrid search."""
        if not skus:
            return {}
        self._ensure()
        body = compile_similarities([float(x) for x in vector], list(skus), field)
        found = self._call("vector similarities", lambda: self.client.search(
            index=self.config.alias, **search_kwargs(body))).body
        return parse_similarities(found)

    def vector_count(self, field: str = TEXT_VECTOR) -> int:
        """Products that have a vector in ``field`` in the index."""
        self._ensure()
        found = self._call("count", lambda: self.client.count(
            index=self.config.alias, query={"exists": {"field": field}})).body
        return int(found["count"])

    # -- vectors -------------------------------------------------------------------------
    def _dims(self, field: str) -> int:
        return self.config.image_vector_dims if field == IMAGE_VECTOR else \
            self.config.text_vector_dims

    def attach_vectors(self, source: EmbeddingRows, model_id: Callable[[], str | None], *,
                       field: str = TEXT_VECTOR, records: ProductRecords | None = None
                       ) -> None:
        """Index the stored embeddings of ``model_id()`` (None: none yet) in ``field`` with
        the products: written products and rebuilds carry their vectors from ``source``.
        ``records``: where a vector sync reads the products it writes again (the catalog
        store; by default ``source`` when it is one)."""
        if field not in VECTOR_FIELDS:
            raise ValueError(f"no vector field {field!r} in the index")
        self._vectors[field] = (source, model_id)
        if records is not None:
            self._records = records
        elif self._records is None and isinstance(source, ProductRecords):
            self._records = source

    def _model(self, field: str = TEXT_VECTOR) -> tuple[EmbeddingRows, str] | None:
        if field not in self._vectors:
            return None
        source, model_id = self._vectors[field]
        try:
            model = model_id()
        except DiscoveryError as exc:  # no model: products are indexed without these vectors
            log.warning("products indexed without %s: %s", field, exc.detail)
            return None
        return None if model is None else (source, model)

    def _vectors_of(self, skus: Sequence[str]) -> dict[str, dict[str, list[float]]]:
        """{sku: {record key: vector}} of the stored vectors of every attached field."""
        out: dict[str, dict[str, list[float]]] = {}
        if not skus:
            return out
        for kind in self._vectors:
            found = self._model(kind)
            if found is None:
                continue
            source, model = found
            key, dims = VECTOR_FIELDS[kind][1], self._dims(kind)
            for sku, row in source.get_embeddings(model, list(skus)).items():
                if row.dim == dims:
                    out.setdefault(sku, {})[key] = \
                        np.frombuffer(row.vector, dtype="<f4").astype(float).tolist()
        return out

    def _index_meta(self, index: str) -> dict[str, Any]:
        found = self._call("reading the mapping", lambda: self.client.indices.get_mapping(
            index=index)).body
        for body in found.values():
            meta = (body.get("mappings") or {}).get("_meta")
            if isinstance(meta, dict):
                return meta
        return {}

    def _vector_meta(self, index: str, field: str = TEXT_VECTOR) -> dict[str, Any]:
        meta = self._index_meta(index).get(VECTOR_FIELDS[field][0])
        return meta if isinstance(meta, dict) else {}

    def _mark_vectors(self, index: str, marks: dict[str, tuple[str, datetime | None]],
                      known: dict[str, Any] | None = None) -> None:
        """Store the watermarks ``{field: (model, synced up to)}`` in the index's ``_meta``
        (which a mapping update replaces whole: the other fields' watermarks are kept from
        ``known`` or read first; two processes marking different fields at once may lose one
        of them, and that field's next sync is then a full one, nothing worse)."""
        meta = self._vector_meta_of(marks, self._index_meta(index) if known is None else known)
        self._call("storing the vector watermark", lambda: self.client.indices.put_mapping(
            index=index, meta=meta))

    @staticmethod
    def _vector_meta_of(marks: dict[str, tuple[str, datetime | None]], known: dict[str, Any]
                        ) -> dict[str, Any]:
        meta = dict(known)
        meta["schema_version"] = SCHEMA_VERSION
        for kind, (model, synced_at) in marks.items():
            meta[VECTOR_FIELDS[kind][0]] = {
                "model_id": model, "synced_at": synced_at.isoformat() if synced_at else None}
        return meta

    def sync_vectors(self, source: EmbeddingRows, model_id: str, *, full: bool = False,
                     field: str = TEXT_VECTOR, records: ProductRecords | None = None
                     ) -> dict[str, int]:
        """Bring ``field`` in step with the store: the products whose vectors were stored
        since the index last took them (a watermark in the index's ``_meta``, shared by every
        process; all of them for another model or a ``full`` sync) are written again, read
        from the catalog store with all their vectors. A partial update would not do: the
        index keeps only what hits show in ``_source``, and Elasticsearch rebuilds an updated
        document from its ``_source``. When the index holds another number of vectors than
        the store (a product's image went away, a write was missed), the SKUs are compared
        and the products that differ are written again. Products the store no longer holds
        are skipped. Products are written with the vectors of every attached field (and
        this one's, attached here if it was not). Returns {"upserted", "deleted"} (vectors
        gained and dropped)."""
        self._ensure()
        cfg = self.config
        catalog = records or self._records or (
            source if isinstance(source, ProductRecords) else None)
        if catalog is None:
            raise ValueError("a vector sync writes products again: attach_vectors(..., "
                             "records=<catalog store>) or pass records")
        if field not in self._vectors:  # the products written carry what is synced
            self._vectors[field] = (source, lambda: model_id)
        meta = self._vector_meta(cfg.alias, field)
        since = None
        if not full and meta.get("model_id") == model_id and meta.get("synced_at"):
            since = datetime.fromisoformat(str(meta["synced_at"])) - VECTOR_SYNC_OVERLAP
        stored, newest = source.embedding_state(model_id)
        dims = self._dims(field)
        sent = 0
        for rows in source.iter_embeddings(model_id, batch_size=cfg.bulk_batch_size,
                                           updated_since=since):
            sent += self._rewrite(catalog, [r.sku for r in rows if r.dim == dims])
        dropped = 0
        if sent:
            self.commit()  # the writes above are counted (and listed) below
        if self.vector_count(field) != stored:
            held = self._vector_skus(field)
            kept = set(source.embedding_skus(model_id))
            dropped = self._rewrite(catalog, sorted(held - kept))
            sent += self._rewrite(catalog, sorted(kept - held))
        if newest is not None and (since is None or sent
                                   or meta.get("synced_at") != newest.isoformat()):
            for index in self._alias_indices():
                self._mark_vectors(index, {field: (model_id, newest)})
        return {"upserted": sent, "deleted": dropped}

    def _rewrite(self, catalog: ProductRecords, skus: Sequence[str]) -> int:
        """Write these products again from the store (with their stored vectors)."""
        written = 0
        for start in range(0, len(skus), max(self.config.bulk_batch_size, 1)):
            found = catalog.get_many(list(skus[start:start + self.config.bulk_batch_size]))
            self.index_changed(found)
            written += len(found)
        return written

    def _vector_skus(self, field: str) -> set[str]:
        """The SKUs of the products holding a vector in ``field``, read page by page."""
        out: set[str] = set()
        after: list[Any] | None = None

        def page(kwargs: dict[str, Any]) -> Callable[[], Any]:
            return lambda: self.client.search(index=self.config.alias, **kwargs)

        while True:
            body = compile_vector_skus(field, self.config.bulk_batch_size, after)
            hits = self._call("listing the vectors", page(search_kwargs(body))).body["hits"]["hits"]
            if not hits:
                return out
            out.update(str(h["_id"]) for h in hits)
            after = hits[-1]["sort"]

    def count(self) -> int:
        self._ensure()
        found = self._call("count", lambda: self.client.count(index=self.config.alias)).body
        return int(found["count"])

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = {"backend": self.name, "alias": self.config.alias,
                               "client": _client_version()}
        try:
            out["server"] = self.check_server()
            self._ensure()
            cluster = self._call("cluster health", lambda: self.client.cluster.health()).body
            out["cluster"] = {"name": cluster.get("cluster_name"), "status": cluster.get("status"),
                              "nodes": cluster.get("number_of_nodes")}
            out["indices"] = self._alias_indices()
            out["documents"] = self.count()
            out["status"] = "error" if cluster.get("status") == "red" else "ok"
            if out["status"] == "error":
                out["detail"] = "the cluster is red: some primary shards are not allocated"
        except DiscoveryError as exc:
            out["status"], out["detail"] = "error", exc.detail
        return out

    # -- the rebuild marker --------------------------------------------------------------
    def _rebuilding(self) -> bool:
        """Whether a live rebuild is loading (writes then go to its index too), as seen at
        most :data:`MARKER_CACHE_S` ago: consecutive bulk writes cost one marker request per
        that time, not one each. Correct because a rebuild reads the store only
        :data:`MARKER_WAIT_S` after setting its marker (see there). The time is read before
        the request, so the answer is never trusted past that time + MARKER_CACHE_S."""
        now = self._clock()
        cached = self._marker
        if cached is not None and 0 <= now - cached[0] < MARKER_CACHE_S:
            return cached[1]
        live = bool(self._live_rebuilds(now))
        self._marker = (now, live)
        return live

    def _live_rebuilds(self, now: float) -> dict[str, float]:
        """{index: heartbeat age in s} of the rebuilds loading now (the indices behind the
        ``building`` alias, in one request). A marker whose heartbeat is older than
        ``rebuild_stale_s`` (or has none: left by a version without heartbeats) was left by
        a process that died: its index and journal are deleted, with a warning, and it is
        not counted. A rebuild still alive but taken for abandoned (a clock far off, a
        cluster unreachable for that long) cannot swap: see :meth:`rebuild`."""
        import elasticsearch

        cfg = self.config

        def get() -> Any:
            try:
                return self.client.indices.get_mapping(
                    index=cfg.building, filter_path="*.mappings._meta").body
            except elasticsearch.NotFoundError:
                return {}

        found = self._call("reading the rebuild marker", get) or {}
        live: dict[str, float] = {}
        for index, body in sorted(found.items()):
            meta = ((body or {}).get("mappings") or {}).get("_meta") or {}
            beat = (meta.get("rebuild") or {}).get("heartbeat")
            age = now - float(beat) if isinstance(beat, int | float) else float("inf")
            if age <= cfg.rebuild_stale_s:
                live[index] = age
                continue
            log.warning("rebuild of %s abandoned (its heartbeat is %s old, more than "
                        "DISCOVERY_ES_REBUILD_STALE_S=%gs: its process died): deleting it and "
                        "its journal %s", index,
                        f"{age:.0f}s" if age != float("inf") else "missing",
                        cfg.rebuild_stale_s, self._journal_of(index))
            self._drop(index)
            self._drop(self._journal_of(index))
        return live

    # -- writes --------------------------------------------------------------------------
    def _actions(self, records: Sequence[Record]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Engine documents, with the stored vectors (text, image) of each product."""
        cfg = self.config
        vectors = self._vectors_of([str(r["sku"]) for r in records])
        for record in records:
            sku = str(record["sku"])
            if sku in vectors:
                record = {**record, **vectors[sku]}
            yield sku, to_es_document(record, cfg.text_vector_dims, cfg.image_vector_dims)

    def index_changed(self, records: list[Record]) -> None:
        if not records:
            return
        self._ensure()
        self._write([(sku, {"index": {"_id": sku}}, doc) for sku, doc in self._actions(records)])

    def delete(self, skus: list[str]) -> None:
        if not skus:
            return
        self._ensure()
        self._write([(str(s), {"delete": {"_id": str(s)}}, None) for s in skus])

    def _write(self, ops: Sequence[Op]) -> None:
        """Incremental writes. While a rebuild loads a new index (its ``building`` alias
        exists), each write is first journalled, then sent to the new index (through the
        alias: once the rebuild ended, the alias is gone and that part is skipped), then to
        the live alias, so a write is in the index that serves after the swap whenever the
        swap happens. The rebuild loads with ``create`` (never over a written product) and
        replays the journalled deletes before swapping. The marker check is cached for
        :data:`MARKER_CACHE_S` (:meth:`_rebuilding`); a rebuild that ended meanwhile makes
        the first two writes no-ops (``require_alias``)."""
        cfg = self.config
        if self._rebuilding():
            kinds = {sku: "delete" if "delete" in action else "upsert" for sku, action, _ in ops
                     if "update" not in action}
            if kinds:
                self.bulk(cfg.journal, [(sku, {"index": {"_id": sku}}, {"sku": sku, "op": op})
                                        for sku, op in kinds.items()], require_alias=True)
            self.bulk(cfg.building, ops, require_alias=True)
        self.bulk(cfg.alias, ops)

    def commit(self) -> None:
        self._ensure()
        self._call("refresh", lambda: self.client.indices.refresh(index=self.config.alias))
        self._df_cache.clear()  # new words are searchable now

    def bulk(self, index: str, ops: Sequence[Op], *, require_alias: bool = False) -> int:
        """Writes ``(sku, action, document)`` operations in batches. A batch that fails with
        429/5xx or cannot be sent, and the items that fail with 429/5xx, are sent again after
        ``bulk_backoff_s`` x 2^attempt, up to ``bulk_max_retries`` times; items refused for good
        (a mapping error ...) are collected and raised together (:class:`IndexingFailed`) after
        every batch was tried. Returns the number written. Not failures: deleting or updating
        a product the index does not hold (404), creating one it already holds (409: a
        write during a rebuild was newer), and, with ``require_alias``, an alias that is gone
        (the rebuild it marked has ended)."""
        cfg = self.config
        failed: dict[str, str] = {}
        written = 0
        for start in range(0, len(ops), max(cfg.bulk_batch_size, 1)):
            pending = list(ops[start:start + cfg.bulk_batch_size])
            attempt = 0
            while pending:
                retry: list[Op] = []
                reasons: dict[str, str] = {}
                try:
                    items = self._bulk_once(index, pending, require_alias)
                except _Retryable as exc:
                    retry, reasons = pending, {sku: exc.reason for sku, _, _ in pending}
                else:
                    for op, item in zip(pending, items, strict=True):
                        kind, result = next(iter(item.items()))
                        status = int(result.get("status", 500))
                        if status < 300 or (kind in ("delete", "update") and status == 404) \
                                or (kind == "create" and status == 409):
                            written += 1
                        elif require_alias and status == 404:
                            pass
                        elif status in RETRY_STATUSES:
                            retry.append(op)
                            reasons[op[0]] = _item_reason(result)
                        else:
                            failed[op[0]] = _item_reason(result)
                if retry and attempt < cfg.bulk_max_retries:
                    delay = cfg.bulk_backoff_s * (2 ** attempt)
                    log.warning("bulk: %d items to retry in %.1fs (%s)", len(retry), delay,
                                next(iter(reasons.values())))
                    self._sleep(delay)
                    attempt += 1
                    pending = retry
                else:
                    failed.update({sku: f"{reasons[sku]} (after {attempt} retries)"
                                   for sku, _, _ in retry})
                    pending = []
        if failed:
            raise IndexingFailed(failed, written=written)
        return written

    def _bulk_once(self, index: str, ops: Sequence[Op], require_alias: bool = False
                   ) -> list[dict[str, Any]]:
        import elastic_transport
        import elasticsearch

        lines: list[dict[str, Any]] = []
        for _, action, doc in ops:
            lines.append(action)
            if doc is not None:
                lines.append(doc)
        try:
            extra: dict[str, Any] = {"require_alias": True} if require_alias else {}
            response = self.client.bulk(index=index, operations=lines, **extra)
        except elasticsearch.ApiError as exc:
            if exc.meta.status in RETRY_STATUSES:
                raise _Retryable(_reason(exc)) from exc
            if require_alias and exc.meta.status == 404:  # the marked rebuild has ended
                return [{next(iter(action)): {"status": 404}} for _, action, _ in ops]
            raise BackendUnavailable(f"bulk indexing: {_reason(exc)}") from exc
        except elastic_transport.TransportError as exc:  # connection refused, timeout
            raise _Retryable(_reason(exc)) from exc
        items: list[dict[str, Any]] = response.body["items"]
        return items

    def rebuild(self, batches: Iterable[list[Record]],
                progress: Callable[[int], None] | None = None) -> int:
        """A new index (no refreshes, no replicas while loading), bulk-loaded, then given the
        configured refresh interval and replicas, refreshed, and swapped in under the alias in
        one ``_aliases`` call. Any failure before the swap deletes the new index; the old one
        keeps serving. The old index is deleted after the swap.

        Writes made meanwhile (by any process) are not lost: the new index carries the
        ``building`` alias while it loads, which sends writes to both indices (see
        :meth:`_write`); the load uses ``create``, so it never replaces a product written
        meanwhile, and the deletes journalled meanwhile are applied to the new index before
        the swap, which also removes the ``building`` alias. The store is read only
        :data:`MARKER_WAIT_S` after the marker is set (writers cache their marker check).

        A rebuild loading now refuses this one (409). The marker carries a heartbeat
        (:class:`_Heartbeat`); one older than ``rebuild_stale_s`` was left by a process that
        died, and its index and journal are deleted first. Vectors come from the store
        (``attach_vectors``); the new index records up to when, per vector field, for
        :meth:`sync_vectors`."""
        self.check_server()
        cfg = self.config
        with self._lock:
            running = self._live_rebuilds(self._clock())  # abandoned ones are deleted
            if running:
                ages = ", ".join(f"{i} (heartbeat {a:.0f}s ago)" for i, a in running.items())
                raise Conflict(f"another rebuild is loading {ages} (alias {cfg.building}); "
                               "wait for it: if its process died, it counts as abandoned "
                               f"{cfg.rebuild_stale_s:g}s after its last heartbeat "
                               "(DISCOVERY_ES_REBUILD_STALE_S)")
            marks: dict[str, tuple[str, datetime | None]] = {}
            for kind in self._vectors:  # read before the load: the sync resends the rest
                if (model := self._model(kind)) is not None:
                    marks[kind] = (model[1], model[0].embedding_state(model[1])[1])
            name = self._index_name()
            journal = self._journal_of(name)
            beat = _Heartbeat(self, name, journal,
                              cfg.rebuild_stale_s / HEARTBEATS_PER_TIMEOUT)
            self._new_index("-1", 0, name=name, meta=beat.meta())
            count = 0
            try:
                beat.start()
                self._call("creating the rebuild journal", lambda: self.client.indices.create(
                    index=journal, settings={"number_of_shards": 1, "number_of_replicas": 0},
                    mappings={"dynamic": "strict", "properties": {
                        "sku": {"type": "keyword"}, "op": {"type": "keyword"}}}))
                self._call("marking the rebuild", lambda: self.client.indices.update_aliases(
                    actions=[{"add": {"index": name, "alias": cfg.building}},
                             {"add": {"index": journal, "alias": cfg.journal}}]))
                self._marker = None
                others = [i for i in self._alias_indices(cfg.building) if i != name]
                if others:  # marked at the same moment (two servers starting): never both
                    raise Conflict(f"another rebuild is loading {', '.join(others)} (alias "
                                   f"{cfg.building}); wait for it")
                # writers that cached "no rebuild" before the marker existed write to the live
                # index alone until their answer expires; each of those writes is in the store
                # by then, so the load must read the store after it (see MARKER_WAIT_S)
                self._sleep(MARKER_WAIT_S)
                for batch in batches:
                    ops = [(sku, {"create": {"_id": sku}}, doc)
                           for sku, doc in self._actions(batch)]
                    self.bulk(name, ops)
                    count += len(batch)
                    if progress:
                        progress(count)
                self._replay_deletes(journal, name)
                if marks:
                    beat.update(self._vector_meta_of(marks, known={}))
                self._call("finishing the new index", lambda: self.client.indices.put_settings(
                    index=name, settings={"index": {"refresh_interval": cfg.refresh_interval,
                                                    "number_of_replicas": cfg.replicas}}))
                self._call("refreshing the new index",
                           lambda: self.client.indices.refresh(index=name))
                old = self._alias_indices()
                actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": cfg.alias}}
                                                 for o in old]
                actions.append({"add": {"index": name, "alias": cfg.alias}})
                # must_exist: a rebuild another process took for abandoned (and deleted, its
                # marker with it) fails here rather than swapping in what it loaded since
                actions.append({"remove": {"index": name, "alias": cfg.building,
                                           "must_exist": True}})
                self._call("swapping the alias",
                           lambda: self.client.indices.update_aliases(actions=actions))
            except BaseException:
                beat.stop()
                self._drop(name)  # its building alias goes with it: writes stop going there
                self._drop(journal)
                self._marker = None
                raise
            beat.stop()
            self._marker = None
            self._drop(journal)
            for index in old:
                self._drop(index)
            self._ready, self.needs_rebuild = True, False
            self._df_cache.clear()
            return count

    def _replay_deletes(self, journal: str, index: str) -> None:
        """Products deleted while the new index loaded, which the load may have written
        after the delete reached it (it read them before), leave the new index. A delete
        journalled after this read reaches the new index itself, after its load."""
        self._call("refreshing the rebuild journal",
                   lambda: self.client.indices.refresh(index=journal))
        after: list[Any] | None = None

        def page(kwargs: dict[str, Any]) -> Callable[[], Any]:
            return lambda: self.client.search(index=journal, **kwargs)

        while True:
            body = compile_journal_deletes(self.config.bulk_batch_size, after)
            found = self._call("reading the rebuild journal", page(search_kwargs(body))).body
            hits = found["hits"]["hits"]
            if not hits:
                return
            self.bulk(index, [(str(h["_id"]), {"delete": {"_id": str(h["_id"])}}, None)
                              for h in hits])
            after = hits[-1]["sort"]

    def _drop(self, index: str) -> None:
        import elasticsearch

        try:
            self.client.indices.delete(index=index)
        except elasticsearch.NotFoundError:  # gone already (another process cleaned up)
            pass
        except Exception as exc:  # logged: a left-over index costs disk, not correctness
            log.warning("could not delete index %s: %s", index, _reason(exc))

    def close(self) -> None:
        self.client.close()


class QueryTimeSynonyms:
    """The backend searching plans with their own synonym alternatives and no synonyms from
    the cluster (``ElasticsearchBackend.for_synonyms``); everything else is the backend's."""

    def __init__(self, backend: ElasticsearchBackend) -> None:
        self.backend = backend

    def search(self, plan: SearchPlan) -> SearchResult:
        return self.backend.search_with(plan, index_synonyms=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


class _Heartbeat:
    """The liveness of a rebuild: ``_meta.rebuild.heartbeat`` (wall-clock seconds) of the
    index it loads, set when the index is created and refreshed every ``interval`` seconds by
    a thread until the rebuild ends, however long a batch, the journal replay or the refresh
    takes. Other processes take a marker whose heartbeat is older than ``rebuild_stale_s``
    for the leftover of a dead process (``ElasticsearchBackend._live_rebuilds``). A mapping
    update replaces the whole ``_meta``: the rebuild's other entries (vector watermarks) go
    through :meth:`update`, and every write holds the lock, so a heartbeat never drops them.
    The swapped-in index keeps the last ``rebuild`` entry; it is read only while an index
    carries the ``building`` alias."""

    def __init__(self, backend: ElasticsearchBackend, index: str, journal: str,
                 interval: float) -> None:
        self.backend, self.index, self.interval = backend, index, max(interval, 0.01)
        self.info = {"journal": journal, "host": socket.gethostname(), "pid": os.getpid(),
                     "started": backend._clock()}
        self.base: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def meta(self) -> dict[str, Any]:
        return {**self.base, "rebuild": {**self.info, "heartbeat": self.backend._clock()}}

    def beat(self) -> None:
        with self._lock:
            meta = self.meta()
            self.backend._call("refreshing the rebuild heartbeat",
                               lambda: self.backend.client.indices.put_mapping(
                                   index=self.index, meta=meta))

    def update(self, base: dict[str, Any]) -> None:
        """Replace the other ``_meta`` entries (written now, with a heartbeat)."""
        with self._lock:
            self.base = dict(base)
        self.beat()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {self.index}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except DiscoveryError as exc:  # the next one may get through
                log.warning("rebuild heartbeat of %s not stored: %s", self.index, exc.detail)


class _Retryable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _item_reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or f"status {result.get('status')}")


def _client_version() -> str:
    import elasticsearch

    return str(elasticsearch.__versionstr__)
