"""Search, autocomplete and SKU lookup latency over HTTP against a real uvicorn process,
next to the raw engine time of the same queries, on a 100,000-product sample catalog.

    python benchmarks/bench_search.py [--products 100000] [--runs 3] [--queries 200]

Prints one JSON object. Targets (issue 2): search with 2 filters and 6 facets p95 <= 25 ms,
autocomplete keystrokes p95 <= 10 ms, SKU lookup p95 <= 5 ms, service overhead <= 5 ms median.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import RESULTS, Server, ensure_catalog, summary  # noqa: E402
from catalog.settings import Settings  # noqa: E402
from catalog.store import CatalogStore  # noqa: E402
from catalog.text import words  # noqa: E402
from indexer import tantivy_backend as tb  # noqa: E402
from indexer.plan import SearchPlan  # noqa: E402
from indexer.tantivy_backend import TantivyBackend  # noqa: E402
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


def raw_engine_ms(backend: TantivyBackend, service: SearchService, q: str, filters: list[str]
                  ) -> float:
    """Only tantivy's own work for the request: the top-20 search and the facet aggregations
    over the already compiled queries (no query building, no stored-document reads)."""
    plan = SearchPlan(text=parse_text(q, service.config), filters=parse_filters(filters),
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


def run_once(server: Server, service: SearchService, searches: list, typed: list, skus: list
             ) -> dict:
    backend = service.backend
    assert isinstance(backend, TantivyBackend)
    out: dict = {}
    client = Client(server.url)
    try:
        e2e, took, engine, raw, tantivy_only = [], [], [], [], []
        for q, filters in searches:
            params = [("q", q), ("facets", FACETS)] + [("filter", f) for f in filters]
            ms, body = client.get("/v1/search", params)
            e2e.append(ms)
            took.append(body["took_ms"])
            engine.append(body["engine_ms"])
            t0 = time.perf_counter()
            service.search(SearchRequest(q=q, filters=filters, facets=FACETS.split(",")))
            raw.append((time.perf_counter() - t0) * 1000)
            tantivy_only.append(raw_engine_ms(backend, service, q, filters))
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    data_dir = RESULTS / f"data-{args.products}"
    ensure_catalog(args.products, data_dir)
    settings = Settings(data_dir=data_dir)
    store = CatalogStore(settings.resolved_database_url())
    searches, typed, skus = workload(store, args.queries, seed=1)
    server = Server(data_dir)  # first: a start may rebuild a stale index
    try:
        backend = TantivyBackend(settings.index_dir, reload_interval_s=3600)
        service = SearchService(backend, settings)
        assert backend.count() == args.products, "in-process index does not match the server's"
        for q, f in searches[:20]:  # warm up both sides
            httpx.get(server.url + "/v1/search", params=[("q", q)] + [("filter", x) for x in f])
            service.search(SearchRequest(q=q, filters=f))
        runs = [run_once(server, service, searches, typed, skus) for _ in range(args.runs)]
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
        "per_run": runs,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
