"""The Elasticsearch search backend (``indexer.base.SearchBackend``).

Searches go to an alias (``<prefix>-products``); each full rebuild writes a new timestamped
index, loads it, refreshes it and then moves the alias in one ``_aliases`` call (remove + add),
so searches never see a half-built index; the old index is deleted only after the swap.
Incremental writes go through the alias to the index behind it; ``commit`` refreshes.

The client's major version must be the server's: the first request reads the server's
``version.number`` and refuses (503, with what to install) on a mismatch. Every failure to
reach or use the cluster is a :class:`~catalog.errors.BackendUnavailable` naming the reason.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.errors import BackendUnavailable, DiscoveryError
from indexer.elasticsearch.compile import (
    compile_doc_freqs,
    compile_facets,
    compile_knn,
    compile_search,
    search_kwargs,
    split_words,
)
from indexer.elasticsearch.mapping import (
    SCHEMA_VERSION,
    index_settings,
    index_template,
    mappings,
    to_es_document,
)
from indexer.elasticsearch.parse import parse_search
from indexer.plan import SearchPlan, SearchResult

log = logging.getLogger("discovery.elasticsearch")
Record = dict[str, Any]
Op = tuple[str, dict[str, Any], "dict[str, Any] | None"]
"""A bulk operation: the SKU, the action line and the document (None for a delete)."""
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DOC_FREQ_TTL_S = 60.0
DOC_FREQ_CACHE_SIZE = 50_000


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
                   image_vector_dims=settings.es_image_vector_dims)

    @property
    def alias(self) -> str:
        return f"{self.index_prefix}-products"

    @property
    def template(self) -> str:
        return f"{self.index_prefix}-products"


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

    def __init__(self, config: ElasticsearchConfig, *, sleep: Callable[[float], None] = time.sleep
                 ) -> None:
        try:
            import elasticsearch
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise BackendUnavailable("the Elasticsearch backend needs the elasticsearch client: "
                                     "pip install 'elasticsearch>=9,<10' (or >=8.18,<9 for an "
                                     "8.x server)") from exc
        self.config = config
        self._sleep = sleep
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
            self._ready = True

    def _alias_indices(self) -> list[str]:
        """The indices behind the alias (none on a fresh cluster)."""
        import elasticsearch

        def get() -> list[str]:
            try:
                return sorted(self.client.indices.get_alias(name=self.config.alias).body)
            except elasticsearch.NotFoundError:
                return []

        found: list[str] = self._call("reading the alias", get)
        return found

    def _new_index(self, refresh_interval: str, replicas: int) -> str:
        cfg = self.config
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        name = f"{cfg.alias}-{stamp}-{uuid.uuid4().hex[:6]}"
        self._call("storing the index template", lambda: self.client.indices.put_index_template(
            name=cfg.template, **index_template(f"{cfg.alias}-*", cfg.shards, cfg.replicas,
                                                cfg.refresh_interval, cfg.text_vector_dims,
                                                cfg.image_vector_dims)))
        settings = index_settings(cfg.shards, replicas, refresh_interval)
        self._call("creating an index", lambda: self.client.indices.create(
            index=name, settings=settings,
            mappings=mappings(cfg.text_vector_dims, cfg.image_vector_dims)))
        return name

    # -- reads ---------------------------------------------------------------------------
    def search(self, plan: SearchPlan) -> SearchResult:
        self._ensure()
        started = time.perf_counter()
        freqs = self._doc_freqs(split_words(plan))
        doc_freq = None if freqs is None else (lambda word: freqs.get(word, 0))
        body = compile_search(plan, doc_freq)
        response = self._call("search", lambda: self.client.search(
            index=self.config.alias, **search_kwargs(body))).body
        broad = None
        if plan.facets and plan.facet_text is not None and not (
                response.get("aggregations", {}).get("strict_total", {}).get("doc_count")):
            facets_body = compile_facets(plan, doc_freq)
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

    def nearest(self, plan: SearchPlan, vector: list[float], k: int,
                num_candidates: int | None = None) -> list[tuple[str, float]]:
        """The products nearest to a text embedding among those ``plan`` allows, with their
        cosine (Elasticsearch scores cosine as (1 + cos) / 2)."""
        self._ensure()
        body = compile_knn(plan, vector, k, num_candidates or 4 * k)
        found = self._call("kNN search", lambda: self.client.search(
            index=self.config.alias, **search_kwargs(body))).body
        return [(str(h["_source"]["source"]["sku"]), 2.0 * float(h["_score"]) - 1.0)
                for h in found["hits"]["hits"]]

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

    # -- writes --------------------------------------------------------------------------
    def _actions(self, records: Iterable[Record]) -> Iterator[tuple[str, dict[str, Any]]]:
        cfg = self.config
        for record in records:
            yield str(record["sku"]), to_es_document(record, cfg.text_vector_dims,
                                                     cfg.image_vector_dims)

    def index_changed(self, records: list[Record]) -> None:
        if not records:
            return
        self._ensure()
        ops = [(sku, {"index": {"_id": sku}}, doc) for sku, doc in self._actions(records)]
        self.bulk(self.config.alias, ops)

    def delete(self, skus: list[str]) -> None:
        if not skus:
            return
        self._ensure()
        self.bulk(self.config.alias, [(str(s), {"delete": {"_id": str(s)}}, None) for s in skus])

    def commit(self) -> None:
        self._ensure()
        self._call("refresh", lambda: self.client.indices.refresh(index=self.config.alias))
        self._df_cache.clear()  # new words are searchable now

    def bulk(self, index: str, ops: Sequence[Op]) -> int:
        """Writes ``(sku, action, document)`` operations in batches. A batch that fails with
        429/5xx or cannot be sent, and the items that fail with 429/5xx, are sent again after
        ``bulk_backoff_s`` x 2^attempt, up to ``bulk_max_retries`` times; items refused for good
        (a mapping error ...) are collected and raised together (:class:`IndexingFailed`) after
        every batch was tried. Returns the number written."""
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
                    items = self._bulk_once(index, pending)
                except _Retryable as exc:
                    retry, reasons = pending, {sku: exc.reason for sku, _, _ in pending}
                else:
                    for op, item in zip(pending, items, strict=True):
                        kind, result = next(iter(item.items()))
                        status = int(result.get("status", 500))
                        if status < 300 or (kind == "delete" and status == 404):
                            written += 1
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

    def _bulk_once(self, index: str, ops: Sequence[Op]) -> list[dict[str, Any]]:
        import elastic_transport
        import elasticsearch

        lines: list[dict[str, Any]] = []
        for _, action, doc in ops:
            lines.append(action)
            if doc is not None:
                lines.append(doc)
        try:
            response = self.client.bulk(index=index, operations=lines)
        except elasticsearch.ApiError as exc:
            if exc.meta.status in RETRY_STATUSES:
                raise _Retryable(_reason(exc)) from exc
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
        keeps serving. The old index is deleted after the swap."""
        self.check_server()
        cfg = self.config
        with self._lock:
            name = self._new_index("-1", 0)
            count = 0
            try:
                for batch in batches:
                    ops = [(sku, {"index": {"_id": sku}}, doc) for sku, doc in self._actions(batch)]
                    self.bulk(name, ops)
                    count += len(batch)
                    if progress:
                        progress(count)
                self._call("finishing the new index", lambda: self.client.indices.put_settings(
                    index=name, settings={"index": {"refresh_interval": cfg.refresh_interval,
                                                    "number_of_replicas": cfg.replicas}}))
                self._call("refreshing the new index",
                           lambda: self.client.indices.refresh(index=name))
                old = self._alias_indices()
                actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": cfg.alias}}
                                                 for o in old]
                actions.append({"add": {"index": name, "alias": cfg.alias}})
                self._call("swapping the alias",
                           lambda: self.client.indices.update_aliases(actions=actions))
            except BaseException:
                self._drop(name)
                raise
            for index in old:
                self._drop(index)
            self._ready, self.needs_rebuild = True, False
            self._df_cache.clear()
            return count

    def _drop(self, index: str) -> None:
        try:
            self.client.indices.delete(index=index)
        except Exception as exc:  # logged: a left-over index costs disk, not correctness
            log.warning("could not delete index %s: %s", index, _reason(exc))

    def close(self) -> None:
        self.client.close()


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
