"""Vector search and text encoding figures for semantic search (issue 4), as one JSON object.

    python benchmarks/bench_vectors.py [--sizes 100000,1000000] [--runs 3] [--queries 200]
                                       [--products 2000] [--skip-encoder] [--hnsw-max 100000]

* ``vectors``: the exact index (``embeddings.vectors.VectorIndex``, float32, numpy) over
  random L2-normalised 384-d vectors: build time, memory per 100,000 vectors, query latency
  (median and p95 over ``--runs`` runs of ``--queries`` queries) for top-10 and top-100,
  unfiltered and with filters allowing 1 % and 30 % of the products. Beside it, where
  installed (``pip install -c constraints.txt -e ".[bench]"``), HNSW from faiss-cpu and
  hnswlib up to ``--hnsw-max`` vectors: build time, memory, latency and recall@10 against
  the exact answer, on random vectors (the worst case for a graph index) and on clustered
  ones (closer to real embeddings).
* ``encoder``: the default model on this machine: query encoding latency (uncached and
  cached), product encoding throughput for ``product_text`` of sample-catalog products by
  dtype and batch size, and ``embed_products`` into a fresh SQLite store (what an ingest
  with embeddings adds per product).
* ``hybrid_vector_side``: query encoding + exact top-100 at 100,000 vectors, per query: the
  part of a hybrid search this package adds to the lexical search of bench_search.py.

Targets: full hybrid search p95 <= 60 ms at 100,000 products on 2 cores; ingestion with
embeddings >= 300 products/s.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import summary  # noqa: E402
from embeddings.encoder import product_text  # noqa: E402
from embeddings.vectors import VectorIndex  # noqa: E402

DIM = 384


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    out = np.empty((n, DIM), dtype=np.float32)
    for i in range(0, n, 100_000):  # in slices: no float64 copy of a million rows
        block = rng.standard_normal((min(100_000, n - i), DIM), dtype=np.float32)
        out[i : i + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def clustered(rng: np.random.Generator, n: int, clusters: int = 2_000) -> np.ndarray:
    """Vectors around cluster centres (nearest-neighbour cosine ~0.8, as product embeddings
    of one catalog have): a fairer test of a graph index than uniform random vectors."""
    centres = unit(rng, clusters)
    out = centres[rng.integers(0, clusters, n)] + 0.035 * rng.standard_normal((n, DIM),
                                                                              dtype=np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def timed(fn: Callable[[np.ndarray], Any], queries: np.ndarray, runs: int) -> dict[str, float]:
    for q in queries[:5]:
        fn(q)
    samples = []
    for _ in range(runs):
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - t0) * 1000)
    return summary(samples)


def exact_figures(n: int, rng: np.random.Generator, runs: int, n_queries: int) -> dict[str, Any]:
    data = unit(rng, n)
    queries = unit(rng, n_queries)
    skus = [f"SKU-{i:07d}" for i in range(n)]
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = VectorIndex("bench", DIM)
    index.reserve(n)  # as VectorIndex.from_store does: it knows the count
    for i in range(0, n, 10_000):  # as a sync from the store feeds it
        index.upsert(skus[i : i + 10_000], data[i : i + 10_000])
    build_s = time.perf_counter() - t0
    grown_mb = rss_mb() - before
    out: dict[str, Any] = {
        "build_s": round(build_s, 2),
        "matrix_mb_per_100k": round(index.nbytes / 2**20 * 100_000 / n, 1),
        "rss_mb_per_100k": round(grown_mb * 100_000 / n, 1),
        "top10": timed(lambda q: index.search(q, 10), queries, runs),
        "top100": timed(lambda q: index.search(q, 100), queries, runs),
    }
    for share in (0.01, 0.3):
        allowed = set(rng.choice(skus, int(n * share), replace=False).tolist())
        selection = index.select(allowed)
        pct = int(share * 100)
        out[f"top10_filter_{pct}pct_skus"] = timed(
            lambda q, a=allowed: index.search(q, 10, allowed=a), queries, max(1, runs // 3))
        out[f"top10_filter_{pct}pct_selection"] = timed(
            lambda q, a=selection: index.search(q, 10, allowed=a), queries, runs)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        index.save(tmp)
        out["save_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        loaded = VectorIndex.load(tmp)
        loaded.search(queries[0], 10)
        out["load_mmap_and_first_query_s"] = round(time.perf_counter() - t0, 2)
        del loaded
    return out


def hnsw_figures(n: int, rng: np.random.Generator, n_queries: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dist_name, make in (("random", unit), ("clustered", clustered)):
        data = make(rng, n)
        queries = make(rng, n_queries)
        exact = [set(np.argpartition(-(data @ q), 10)[:10].tolist()) for q in queries]

        def recall(ids: list[list[int]], exact: list[set[int]] = exact) -> float:
            return round(float(np.mean([len(set(i[:10]) & e) / 10
                                        for i, e in zip(ids, exact, strict=True)])), 3)

        try:
            import faiss

            faiss.omp_set_num_threads(os.cpu_count() or 1)
            before = rss_mb()
            t0 = time.perf_counter()
            index = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 100
            index.add(data)
            entry: dict[str, Any] = {"build_s": round(time.perf_counter() - t0, 1),
                                     "rss_mb_per_100k": round((rss_mb() - before) * 1e5 / n, 1)}
            faiss.omp_set_num_threads(1)
            for ef in (64, 256):
                index.hnsw.efSearch = ef
                ids = [index.search(q[None], 10)[1][0].tolist() for q in queries]
                entry[f"ef{ef}"] = {"recall@10": recall(ids), **timed(
                    lambda q, i=index: i.search(q[None], 10), queries, 1)}
            out[f"faiss_hnsw_m32_{dist_name}"] = entry
            del index
        except ImportError:
            out["faiss"] = "skipped: faiss-cpu not installed"
        try:
            import hnswlib

            before = rss_mb()
            t0 = time.perf_counter()
            h = hnswlib.Index(space="ip", dim=DIM)
            h.init_index(max_elements=n, ef_construction=100, M=16)
            h.set_num_threads(os.cpu_count() or 1)
            h.add_items(data)
            entry = {"build_s": round(time.perf_counter() - t0, 1),
                     "rss_mb_per_100k": round((rss_mb() - before) * 1e5 / n, 1)}
            h.set_num_threads(1)
            for ef in (64, 256):
                h.set_ef(ef)
                ids = [h.knn_query(q, 10)[0][0].tolist() for q in queries]
                entry[f"ef{ef}"] = {"recall@10": recall(ids), **timed(
                    lambda q, i=h: i.knn_query(q, 10), queries, 1)}
            out[f"hnswlib_m16_{dist_name}"] = entry
            del h
        except ImportError:
            out["hnswlib"] = "skipped: hnswlib not installed"
        del data
        gc.collect()
    return out


QUERIES = ["cordless drill", "hex bolt m8 stainless", "nitrile gloves size l",
           "cable ties black 200 mm", "safety shoes s3 composite toe", "white wall paint 10 l",
           "circuit breaker 16a", "mailing tube with caps", "threaded rod m10 galvanised",
           "pallet wrap film", "led panel 60x60 neutral white", "ear defenders snr 30"]


def encoder_figures(n_products: int, runs: int) -> dict[str, Any]:
    import torch

    from catalog.sample import generate_records
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from embeddings.cache import QueryEmbeddingCache, encode_query
    from embeddings.encoder import SentenceTransformerEncoder, native_bf16
    from embeddings.pipeline import embed_products

    records = list(generate_records(n_products))
    texts = [product_text(r) for r in records]
    out: dict[str, Any] = {"torch_threads": torch.get_num_threads(), "native_bf16": native_bf16(),
                           "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
                           "product_text_chars_median": int(np.median([len(t) for t in texts]))}
    t0 = time.perf_counter()
    default = SentenceTransformerEncoder().load()
    out["model_id"] = default.model_id
    out["load_s"] = round(time.perf_counter() - t0, 2)
    dtypes = ["bfloat16", "float32"] if native_bf16() else ["float32"]
    throughput: dict[str, Any] = {}
    for dtype in dtypes:
        for max_tokens in (64, 128):
            enc = SentenceTransformerEncoder(dtype=dtype, max_tokens=max_tokens).load()
            enc.encode(texts[:64])
            for batch in (16, 32, 64):
                t0 = time.perf_counter()
                enc.encode(texts, batch_size=batch)
                throughput[f"{dtype}_t{max_tokens}_b{batch}"] = round(
                    len(texts) / (time.perf_counter() - t0), 1)
    out["products_per_s"] = throughput

    words = " ".join(QUERIES).split()
    rng = np.random.default_rng(0)
    distinct = [" ".join(rng.choice(words, rng.integers(1, 5))) + f" {i}" for i in range(200)]
    samples = []
    for _ in range(runs):
        for q in distinct:
            t0 = time.perf_counter()
            default.encode([q])
            samples.append((time.perf_counter() - t0) * 1000)
    out["query_encode_uncached"] = summary(samples)
    cache = QueryEmbeddingCache(1000)
    for q in QUERIES:
        encode_query(default, q, cache)
    samples = []
    for _ in range(runs * 20):
        for q in QUERIES:
            t0 = time.perf_counter()
            encode_query(default, q.upper(), cache)
            samples.append((time.perf_counter() - t0) * 1000)
    out["query_encode_cached"] = summary(samples)

    with tempfile.TemporaryDirectory() as tmp:
        store = CatalogStore(f"sqlite:///{tmp}/catalog.db")
        store.migrate()
        store.upsert(records)
        report = embed_products(store, default, batch_size=Settings().embedding_batch_size)
        again = embed_products(store, default)
        store.engine.dispose()
    out["embed_products"] = {**report.to_dict(),
                             "end_to_end_products_per_s": round(report.seen / report.seconds, 1),
                             "rerun_unchanged_s": round(again.seconds, 3)}
    return out


def hybrid_vector_side(runs: int) -> dict[str, Any]:
    from embeddings.encoder import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder().load()
    rng = np.random.default_rng(1)
    n = 100_000
    index = VectorIndex("bench", DIM)
    index.upsert([f"SKU-{i:07d}" for i in range(n)], unit(rng, n))
    words = " ".join(QUERIES).split()
    distinct = [" ".join(rng.choice(words, rng.integers(1, 5))) + f" {i}" for i in range(200)]
    samples = []
    for _ in range(runs):
        for q in distinct:
            t0 = time.perf_counter()
            index.search(encoder.encode([q])[0], 100)
            samples.append((time.perf_counter() - t0) * 1000)
    return {"products": n, "encode_plus_top100_uncached": summary(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--hnsw-max", type=int, default=100_000,
                        help="largest size HNSW is built at (1,000,000 takes 15+ min on 2 cores)")
    parser.add_argument("--skip-encoder", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(42)
    result: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()[0],
                              "vectors": {}}
    for n in (int(s) for s in args.sizes.split(",")):
        entry: dict[str, Any] = {"exact_float32": exact_figures(n, rng, args.runs, args.queries)}
        if n <= args.hnsw_max:
            entry["hnsw"] = hnsw_figures(n, rng, args.queries)
        result["vectors"][str(n)] = entry
        print(json.dumps({n: entry}), file=sys.stderr, flush=True)
    if not args.skip_encoder:
        result["encoder"] = encoder_figures(args.products, args.runs)
        result["hybrid_vector_side"] = hybrid_vector_side(args.runs)
    result["load_avg_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
