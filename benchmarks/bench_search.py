"""Search, autocomplete and SKU lookup latency over HTTP against a real uvicorn process,
next to the raw engine time of the same queries, on a 100,000-product sample catalog.

    python benchmarks/bench_search.py [--products 100000] [--runs 3] [--queries 200]
                                      [--config NAME] [--hybrid] [--server-env NAME=VALUE]

Prints one JSON object. Targets (issue 2): search with 2 filters and 6 facets p95 <= 25 ms,
autocomplete keystrokes p95 <= 10 ms, SKU lookup p95 <= 5 ms, service overhead <= 5 ms median.

``--config NAME`` sends ``config=NAME`` with the searches (default: none, the server's
default configuration, ``DISCOVERY_SEARCH_CONFIG``: ``default``, which is hybrid); the
in-process and raw engine figures use the same configuration. The issue 2 targets are
lexical: measure them with ``--config lexical``. Whenever a search of the run is hybrid,
every product must have an embedding and the vector index be saved first: the benchmark
runs ``discovery embed`` (resumable, progress on stderr) when the store lacks any.

``--hybrid`` (issue 4: hybrid search p95 <= 60 ms through HTTP at 100,000 products, query
encoding included) in every run, after the figures above, searches ``config=hybrid`` next to
a lexical configuration (``--config`` when that one is lexical, else ``lexical``) on the same
queries, one after the other: once on queries the server has never encoded (query-embedding
cache misses: ``hybrid_search``) and once more on the same queries (cache hits:
``hybrid_search_cached_query``); before that the lexical searches of these queries alone
(``lexical_same_queries_alone``: what interleaving with hybrid searches costs them). Each
run takes its own queries (distinct query texts, with two filters and six facets like the
lexical workload). Beside them: the same hybrid searches
in process, timed part by part (lexical retrieval, query encoding, vector search, the feedback
round's vectors and second vector search, checking the
neighbours against the filters, fusion, the rest of the request); and, from a server of its
own whose default is lexical, the vector index's memory per 100,000 products and the
server's memory before and after its first hybrid searches (model and vectors loaded).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# This process's own vector searches (in-process figures) must not steal a core from the
# server it measures: OpenBLAS worker threads spin ~0.1 s of CPU after each call by default.
# Read once when numpy loads; not passed on to the server, which runs as configured.
if "OPENBLAS_THREAD_TIMEOUT" not in os.environ:
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"
    import numpy  # noqa: F401

    del os.environ["OPENBLAS_THREAD_TIMEOUT"]

import httpx  # noqa: E402
import orjson  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import (  # noqa: E402
    RESULTS,
    Server,
    ensure_catalog,
    ensure_embeddings,
    rss_mb,
    summary,
)
from catalog.settings import Settings  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from catalog.text import words  # noqa: E402
from indexer import tantivy_backend as tb  # noqa: E402
from indexer.plan import SearchPlan, TermsFilter  # noqa: E402
from indexer.tantivy_backend import TantivyBackend  # noqa: E402
from ranking import service as service_module  # noqa: E402
from ranking.config import SearchConfig, load_config  # noqa: E402
from ranking.query import parse_text  # noqa: E402
from ranking.service import (  # noqa: E402
    SearchRequest,
    SearchService,
    facet_requests,
    parse_filters,
)

FACETS = "category,brand,material,availability,price_per_piece,delivery_days"


def workload(store: CatalogStore, n_queries: int, seed: int) -> tuple[list, list, list]:
    """Queries a buyer would type, taken from the catalog itself: two or three words of a
    product name, filtered by two attributes that product has."""
    rng = random.Random(seed)
    records = []
    for batch in store.iter_records(batch_size=5_000):
        records += rng.sample(batch, min(len(batch), max(1, n_queries // 10)))
    rng.shuffle(records)
    searches, typed, skus = [], [], []
    for rec in records[:n_queries]:
        name_words = [w for w in words(rec["name"]) if w.isalpha()]
        q = " ".join(name_words[: rng.choice([1, 2, 3])])
        filters = [f"availability:{rec['availability']}"] if rec.get("availability") else []
        filters.append(rng.choice([f"brand:{rec['brand']}", "price_per_piece:..100",
                                   f"material:{rec.get('material')}"]))
        searches.append((q, filters[:2]))
        typed.append(" ".join(name_words[:2]))
        skus.append(rec["sku"])
    return searches, typed, skus


class Client:
    """A keep-alive HTTP/1.1 client with as little overhead of its own as the standard library
    allows, so that the figures are the service's and not the client's."""

    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def get(self, path: str, params: dict | list | None = None) -> tuple[float, dict]:
        url = path + ("?" + urlencode(params) if params else "")
        t0 = time.perf_counter()
        self.conn.request("GET", url)
        resp = self.conn.getresponse()
        body = resp.read()
        elapsed = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise RuntimeError(f"GET {url}: {resp.status} {body[:200]!r}")
        return elapsed, orjson.loads(body)

    def close(self) -> None:
        self.conn.close()


def raw_engine_ms(backend: TantivyBackend, config: SearchConfig, q: str, filters: list[str]
                  ) -> float:
    """Only tantivy's own work for the request: the top-20 search and the facet aggregations
    over the already compiled queries (no query building, no stored-document reads)."""
    plan = SearchPlan(text=parse_text(q, config), filters=parse_filters(filters),
                      facets=facet_requests(FACETS.split(",")), limit=20)
    searcher = backend._searcher()
    text_q = backend._text_query(plan.text, searcher) if plan.text else None
    fqs = [(f.field, backend._filter_query(f)) for f in plan.filters]
    query = tb._and([text_q] + [fq for _, fq in fqs])
    groups: dict = {}
    for req in plan.facets:
        key = req.field if any(f == req.field for f, _ in fqs) else None
        groups.setdefault(key, []).append(req)
    aggs = []
    for key, reqs in groups.items():
        agg: dict = {}
        for req in reqs:
            agg.update(tb._aggregations(req))
        aggs.append((tb._and([text_q] + [fq for f, fq in fqs if f != key]), agg))
    t0 = time.perf_counter()
    searcher.search(query, limit=20, count=True, weight_by_field="popularity_weight")
    for agg_query, agg in aggs:
        searcher.aggregate(agg_query, agg)
    return (time.perf_counter() - t0) * 1000


def search_params(q: str, filters: list[str], config: str | None) -> list[tuple[str, str]]:
    return ([("q", q), ("facets", FACETS)] + [("filter", f) for f in filters]
            + ([("config", config)] if config else []))


def run_once(server: Server, service: SearchService, searches: list, typed: list, skus: list,
             config: str | None = None) -> dict:
    backend = service.backend
    assert isinstance(backend, TantivyBackend)
    search_config = service.config if config is None else load_config(config)
    out: dict = {}
    client = Client(server.url)
    try:
        e2e, took, engine, raw, tantivy_only = [], [], [], [], []
        for q, filters in searches:
            ms, body = client.get("/v1/search", search_params(q, filters, config))
            e2e.append(ms)
            took.append(body["took_ms"])
            engine.append(body["engine_ms"])
            t0 = time.perf_counter()
            service.search(SearchRequest(q=q, filters=filters, facets=FACETS.split(","),
                                         config=config))
            raw.append((time.perf_counter() - t0) * 1000)
            tantivy_only.append(raw_engine_ms(backend, search_config, q, filters))
        out["search"] = {
            "http": summary(e2e), "service_took": summary(took), "engine": summary(engine),
            "in_process_same_queries": summary(raw), "raw_tantivy": summary(tantivy_only),
        }
        med_e2e, med_raw = statistics.median(e2e), statistics.median(tantivy_only)
        med_engine, med_took = statistics.median(engine), statistics.median(took)
        out["search"]["overhead_ms_median"] = round(med_e2e - med_raw, 3)
        out["search"]["overhead_breakdown_ms_median"] = {
            "backend_query_building_and_document_reads": round(med_engine - med_raw, 3),
            "ranking_highlights_and_response": round(med_took - med_engine, 3),
            "http_and_framework": round(med_e2e - med_took, 3),
        }
        keys = []
        for phrase in typed:
            for i in range(1, len(phrase) + 1):
                ms, _ = client.get("/v1/autocomplete", {"q": phrase[:i]})
                keys.append(ms)
        out["autocomplete_keystrokes"] = {"http": summary(keys)}
        lookups = []
        for sku in skus:
            ms, _ = client.get(f"/v1/products/{sku}")
            lookups.append(ms)
        out["sku_lookup"] = {"http": summary(lookups)}
    finally:
        client.close()
    return out


# -- hybrid search (issue 4) ---------------------------------------------------------------

HYBRID = "hybrid"
PARTS = ("lexical", "query_encoding", "vector_search", "verification", "similarities",
         "fusion", "feedback_vectors", "feedback_search")


def hybrid_pool(store: CatalogStore, n: int, seed: int) -> list[tuple[str, list[str]]]:
    """Searches like the lexical workload's but with distinct query texts (as the query cache
    keys them): each is new to a server's query-embedding cache the first time it is sent."""
    from embeddings import normalize_query

    seen: set[str] = set()
    out: list[tuple[str, list[str]]] = []
    for q, filters in workload(store, max(n * 8, 2_000), seed)[0]:
        key = normalize_query(q)
        if key and key not in seen:
            seen.add(key)
            out.append((q, filters))
    return out[:n]


class Timings:
    """Milliseconds spent in each part of one in-process hybrid search. Query encoding and
    vector search may run in a worker thread beside the lexical search: besides the time of
    each part, ``semantic_wait`` is how long the request waited after its lexical search
    before it could check the neighbours (0 when they were ready)."""

    def __init__(self) -> None:
        self.ms = dict.fromkeys(PARTS, 0.0)
        self.lexical_end: float | None = None
        self.verification_start: float | None = None
        self.searched = False  # the first vector search done (the next: the feedback round's)
        self.pooling = False  # feedback vectors read: the next cosines rank the query's pool

    def add(self, part: str, t0: float) -> None:
        now = time.perf_counter()
        self.ms[part] += (now - t0) * 1000
        if part == "lexical" and self.lexical_end is None:
            self.lexical_end = now
        elif part == "verification" and self.verification_start is None:
            self.verification_start = t0

    def semantic_wait(self) -> float:
        if self.lexical_end is None or self.verification_start is None:
            return 0.0
        return max(0.0, (self.verification_start - self.lexical_end) * 1000)

    def critical_path(self, total: float) -> dict[str, float]:
        """The parts one after the other on the request's thread, and what is left."""
        ms = self.ms
        path = {"lexical": ms["lexical"], "semantic_wait": self.semantic_wait(),
                "verification": ms["verification"], "similarities": ms["similarities"],
                "fusion": ms["fusion"],
                "feedback": ms["feedback_vectors"] + ms["feedback_search"]}
        path["rest_of_request"] = total - sum(path.values())
        return path


class TimedBackend:
    """The search backend as SearchService sees it, timing each search: the neighbours'
    check against the filters (a plan with no text and a ``sku`` terms filter) apart from
    the lexical retrieval."""

    def __init__(self, backend: TantivyBackend) -> None:
        self.backend = backend
        self.timings = Timings()

    def search(self, plan: SearchPlan) -> Any:
        t0 = time.perf_counter()
        try:
            return self.backend.search(plan)
        finally:
            checking = plan.text is None and any(
                isinstance(f, TermsFilter) and f.field == "sku" for f in plan.filters)
            self.timings.add("verification" if checking else "lexical", t0)

    def __getattr__(self, name: str) -> Any:  # everything else as it is
        return getattr(self.backend, name)


class TimedSemantic:
    """ranking.hybrid.SemanticIndex around EmbeddingSearch, timing each call."""

    def __init__(self, inner: Any, timings: Timings) -> None:
        self.inner, self.timings = inner, timings

    def query_vector(self, text: str) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.query_vector(text)
        finally:
            self.timings.add("query_encoding", t0)

    def nearest(self, vector: Any, k: int) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.nearest(vector, k)
        finally:
            self.timings.add("feedback_search" if self.timings.searched else "vector_search", t0)
            self.timings.searched = True

    def similarities(self, vector: Any, skus: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.similarities(vector, skus)
        finally:  # the feedback round's search on the embedded index: cosines of the pool
            self.timings.add("feedback_search" if self.timings.pooling else "similarities", t0)
            self.timings.pooling = False

    def vectors(self, skus: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner.vectors(skus)
        finally:
            self.timings.add("feedback_vectors", t0)
            self.timings.pooling = True


class InProcessHybrid:
    """A SearchService over the same index and the saved vectors, its hybrid path timed part
    by part (``ranking.service.fuse`` is wrapped in this process only)."""

    def __init__(self, backend: TantivyBackend, settings: Settings, store: CatalogStore) -> None:
        from embeddings import QueryEmbeddingCache, VectorIndex, get_encoder, vectors_dir
        from ranking.hybrid import EmbeddingSearch

        self.encoder = get_encoder(settings).load()
        self.index = VectorIndex.open(vectors_dir(settings), store, self.encoder.model_id,
                                      self.encoder.dim)
        self.cache = QueryEmbeddingCache(settings.embedding_query_cache_size)
        self.backend = TimedBackend(backend)
        self.timings = self.backend.timings
        semantic = TimedSemantic(EmbeddingSearch(self.encoder, self.index, self.cache),
                                 self.timings)
        self.service = SearchService(self.backend, settings, semantic=semantic)  # type: ignore[arg-type]
        fuse = service_module.fuse

        def timed_fuse(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fuse(*args, **kwargs)
            finally:
                self.timings.add("fusion", t0)

        service_module.fuse = timed_fuse  # type: ignore[assignment]
        self.encoder.encode(["warm up"])

    def search(self, q: str, filters: list[str], config: str | None
               ) -> tuple[float, dict, dict, dict]:
        """(total ms, ms per part, ms per part of the request's own thread, response)."""
        self.backend.timings = self.timings = Timings()
        self.service.semantic.timings = self.timings  # type: ignore[union-attr]
        t0 = time.perf_counter()
        body = self.service.search(SearchRequest(q=q, filters=filters, facets=FACETS.split(","),
                                                 config=config))
        total = (time.perf_counter() - t0) * 1000
        return total, dict(self.timings.ms), self.timings.critical_path(total), body


def part_stats(samples: dict[str, list[float]]) -> dict:
    return {k: {"median": round(statistics.median(v), 3), "mean": round(statistics.fmean(v), 3),
                "p95": summary(v)["p95_ms"]} for k, v in samples.items()}


def hybrid_once(server: Server, local: InProcessHybrid, searches: list, config: str | None
                ) -> dict:
    """The lexical configuration alone on these searches; then it and config=hybrid on the same
    searches, one after the other, twice: the first pass encodes every query (cache misses),
    the second finds them cached. Then the same searches in process (own cache, also cold then
    warm), timed by part."""
    client = Client(server.url)
    out: dict = {}
    try:
        alone = [client.get("/v1/search", search_params(q, filters, config))[0]
                 for q, filters in searches]
        out["lexical_alone_http"] = summary(alone)
        for phase in ("cold", "warm"):
            lexical, hybrid, took, engine, retrieval = [], [], [], [], []
            for q, filters in searches:
                ms, _ = client.get("/v1/search", search_params(q, filters, config))
                lexical.append(ms)
                ms, body = client.get("/v1/search", search_params(q, filters, HYBRID))
                hybrid.append(ms)
                took.append(body["took_ms"])
                engine.append(body["engine_ms"])
                retrieval.append(body.get("retrieval") == "hybrid")
            out[phase] = {
                "lexical_http": summary(lexical), "hybrid_http": summary(hybrid),
                "hybrid_service_took": summary(took), "hybrid_engine": summary(engine),
                "hybrid_retrieval_share": round(sum(retrieval) / len(retrieval), 3),
                "ratio_median": round(statistics.median(hybrid) / statistics.median(lexical), 2),
            }
        hits0, misses0 = local.cache.hits, local.cache.misses
        for phase in ("cold", "warm"):
            totals, lexical_local = [], []
            parts: dict[str, list[float]] = {k: [] for k in PARTS}
            path: dict[str, list[float]] = {}
            for q, filters in searches:
                t0 = time.perf_counter()
                local.service.search(SearchRequest(q=q, filters=filters,
                                                   facets=FACETS.split(","), config=config))
                lexical_local.append((time.perf_counter() - t0) * 1000)
                total, ms, on_thread, _ = local.search(q, filters, HYBRID)
                totals.append(total)
                for k in PARTS:
                    parts[k].append(ms[k])
                for k, v in on_thread.items():
                    path.setdefault(k, []).append(v)

            out[phase]["in_process"] = {
                "lexical": summary(lexical_local), "hybrid": summary(totals),
                "hybrid_parts_ms": part_stats(parts),
                "hybrid_request_thread_ms": part_stats(path),
                "query_cache": {"hits": local.cache.hits - hits0,
                                "misses": local.cache.misses - misses0},
            }
            hits0, misses0 = local.cache.hits, local.cache.misses
    finally:
        client.close()
    return out


def hybrid_result(runs: list[dict], hybrid: dict, across: Callable[[list[str]], dict]
                  ) -> dict:
    """The hybrid figures across runs: medians of the runs' medians and p95s."""
    def parts(phase: str, key: str = "hybrid_parts_ms") -> dict:
        names = runs[0]["hybrid"][phase]["in_process"][key]
        return {name: {stat: round(statistics.median(
            r["hybrid"][phase]["in_process"][key][name][stat] for r in runs), 3)
            for stat in ("median", "mean", "p95")} for name in names}

    def ratio(phase: str, stat: str) -> float:
        return round(statistics.median(
            r["hybrid"][phase]["hybrid_http"][stat] / r["hybrid"][phase]["lexical_http"][stat]
            for r in runs), 2)

    out = {
        "hybrid_search": across(["hybrid", "cold", "hybrid_http"]),
        "hybrid_search_cached_query": across(["hybrid", "warm", "hybrid_http"]),
        "lexical_same_queries_alone": across(["hybrid", "lexical_alone_http"]),
        "lexical_same_queries": across(["hybrid", "cold", "lexical_http"]),
        "lexical_same_queries_second_pass": across(["hybrid", "warm", "lexical_http"]),
        "hybrid_over_lexical": {
            "median_ratio": ratio("cold", "median_ms"), "p95_ratio": ratio("cold", "p95_ms"),
            "median_ratio_cached_query": ratio("warm", "median_ms"),
            "p95_ratio_cached_query": ratio("warm", "p95_ms")},
        "hybrid_service_took": across(["hybrid", "cold", "hybrid_service_took"]),
        "hybrid_retrieval_share": min(r["hybrid"][p]["hybrid_retrieval_share"]
                                      for r in runs for p in ("cold", "warm")),
        "hybrid_in_process": {
            "cold": {"lexical": across(["hybrid", "cold", "in_process", "lexical"]),
                     "hybrid": across(["hybrid", "cold", "in_process", "hybrid"]),
                     "hybrid_parts_ms": parts("cold"),
                     "hybrid_request_thread_ms": parts("cold", "hybrid_request_thread_ms"),
                     "query_cache": runs[-1]["hybrid"]["cold"]["in_process"]["query_cache"]},
            "warm": {"lexical": across(["hybrid", "warm", "in_process", "lexical"]),
                     "hybrid": across(["hybrid", "warm", "in_process", "hybrid"]),
                     "hybrid_parts_ms": parts("warm"),
                     "hybrid_request_thread_ms": parts("warm", "hybrid_request_thread_ms"),
                     "query_cache": runs[-1]["hybrid"]["warm"]["in_process"]["query_cache"]},
        },
        "hybrid_queries_per_run": runs[0]["hybrid"]["cold"]["hybrid_http"]["n"],
    }
    out.update(hybrid)
    return out


def hybrid_enabled(name: str | None, settings: Settings) -> bool:
    """Whether searches naming this configuration (None: the server's default) are hybrid."""
    return settings.semantic_search and load_config(name or settings.search_config).hybrid.enabled


def semantic_status(server: Server) -> dict:
    return dict(httpx.get(server.url + "/v1/health", timeout=60).json()["semantic"])


def wait_until_semantic_ready(server: Server, timeout_s: float = 900) -> float:
    """Seconds until the server's background warm-up (model and vectors) is done."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if semantic_status(server).get("status") in ("ready", "unavailable", "off"):
            return time.monotonic() - t0
        time.sleep(0.5)
    raise RuntimeError(f"semantic search not ready after {timeout_s} s")


def server_memory(data_dir: Path, warm_up: list, lexical: str, server_env: dict[str, str]
                  ) -> dict:
    """A server of its own whose default configuration is lexical, so that nothing loads the
    encoder before its first hybrid search: its memory at start, after that search (which
    loads the model and the vectors) and 19 more, and the vector index it reports."""
    server = Server(data_dir, env=server_env | {"DISCOVERY_SEARCH_CONFIG": lexical})
    try:
        out: dict = {"server_rss_mb_before_hybrid": rss_mb(server.proc.pid)}
        client = Client(server.url)
        client.conn.timeout = 900  # the first hybrid search loads the model and the vectors
        first = [client.get("/v1/search", search_params(q, f, HYBRID))[0] for q, f in warm_up]
        client.close()
        out["first_hybrid_search_ms"] = round(first[0], 1)
        out["warm_up_searches_after_first_ms_median"] = round(statistics.median(first[1:]), 3)
        out["server_rss_mb_after_hybrid_warm_up"] = rss_mb(server.proc.pid)
        semantic = semantic_status(server)
        out["vector_index"] = {
            "status": semantic.get("status"), "count": semantic.get("count"),
            "bytes": semantic.get("bytes"),
            "mb_per_100000_products": round(
                semantic["bytes"] / 2**20 * 100_000 / semantic["count"], 1)
            if semantic.get("count") else None}
        return out
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--config", default=None,
                    help="search configuration named on the search requests (default: none, "
                    "the server's default, DISCOVERY_SEARCH_CONFIG)")
    ap.add_argument("--hybrid", action="store_true",
                    help="also measure config=hybrid next to lexical searches (issue 4)")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment variable of the server processes (repeatable), e.g. "
                    "DISCOVERY_EMBEDDING_THREADS=1")
    args = ap.parse_args()
    server_env = dict(item.split("=", 1) for item in args.server_env)
    data_dir = RESULTS / f"data-{args.products}"
    ensure_catalog(args.products, data_dir)
    settings = Settings(data_dir=data_dir)
    store = CatalogStore(settings.resolved_database_url())
    searches, typed, skus = workload(store, args.queries, seed=1)
    main_hybrid = hybrid_enabled(args.config, settings)  # are the main searches hybrid?
    server_hybrid = hybrid_enabled(None, settings)  # does the server warm semantic search up?
    # the lexical searches that hybrid ones are compared with
    lexical = args.config if args.config and not main_hybrid else "lexical"
    hybrid: dict = {}
    if args.hybrid or main_hybrid or server_hybrid:
        # before any server starts: a server whose default is hybrid would otherwise embed
        # the missing products in the background while it is measured
        hybrid["embeddings"] = ensure_embeddings(data_dir)
    if args.hybrid:
        pool = hybrid_pool(store, args.queries * args.runs + 20, seed=2)
        warm_up, pool = pool[:20], pool[20:]
        batches = [pool[i * args.queries : (i + 1) * args.queries] for i in range(args.runs)]
        hybrid["lexical_config"] = lexical
        hybrid.update(server_memory(data_dir, warm_up, lexical, server_env))
    server = Server(data_dir, env=server_env)  # first: a start may rebuild a stale index
    try:
        if server_hybrid:
            hybrid["server_semantic_ready_s"] = round(wait_until_semantic_ready(server), 1)
        backend = TantivyBackend(settings.index_dir, reload_interval_s=3600)
        assert backend.count() == args.products, "in-process index does not match the server's"
        local = InProcessHybrid(backend, settings, store) if args.hybrid or main_hybrid else None
        semantic = None
        if local is not None:  # the in-process figures search as the server does
            from embeddings import QueryEmbeddingCache
            from ranking.hybrid import EmbeddingSearch

            semantic = EmbeddingSearch(local.encoder, local.index, QueryEmbeddingCache(
                settings.embedding_query_cache_size))
        service = SearchService(backend, settings, load_config(settings.search_config),
                                semantic=semantic)
        client = Client(server.url)
        client.conn.timeout = 900  # a first hybrid search may load the model
        for q, f in searches[:20]:  # warm up both sides
            client.get("/v1/search", [("q", q)] + [("filter", x) for x in f]
                       + ([("config", args.config)] if args.config else []))
            service.search(SearchRequest(q=q, filters=f, config=args.config))
        if args.hybrid:
            for q, f in warm_up:
                client.get("/v1/search", search_params(q, f, HYBRID))
        client.close()
        runs = []
        for i in range(args.runs):
            run = run_once(server, service, searches, typed, skus, args.config)
            if args.hybrid:
                assert local is not None
                run["hybrid"] = hybrid_once(server, local, batches[i], lexical)
            runs.append(run)
        if args.hybrid:
            hybrid["server_rss_mb_after_runs"] = rss_mb(server.proc.pid)
    finally:
        server.stop()

    def across(path: list[str]) -> dict[str, float]:
        vals = []
        for r in runs:
            node = r
            for p in path:
                node = node[p]
            vals.append(node)
        return {"median_ms": round(statistics.median(v["median_ms"] for v in vals), 3),
                "p95_ms": round(statistics.median(v["p95_ms"] for v in vals), 3),
                "p95_ms_worst_run": round(max(v["p95_ms"] for v in vals), 3)}

    result = {
        "benchmark": "search_http",
        "products": args.products,
        "runs": args.runs,
        "queries_per_run": len(searches),
        "search_2_filters_6_facets": across(["search", "http"]),
        "search_backend": across(["search", "engine"]),
        "search_raw_tantivy": across(["search", "raw_tantivy"]),
        "search_in_process": across(["search", "in_process_same_queries"]),
        "search_overhead_ms_median": round(statistics.median(
            r["search"]["overhead_ms_median"] for r in runs), 3),
        "overhead_breakdown_ms_median": runs[-1]["search"]["overhead_breakdown_ms_median"],
        "autocomplete_keystrokes": across(["autocomplete_keystrokes", "http"]),
        "sku_lookup": across(["sku_lookup", "http"]),
    }
    result["config"] = args.config or f"none (server default: {settings.search_config})"
    result["config_is_hybrid"] = main_hybrid
    if server_env:
        result["server_env"] = server_env
    if args.hybrid:
        result.update(hybrid_result(runs, hybrid, across))
    elif hybrid:
        result.update(hybrid)
    result["per_run"] = runs
    result["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
