"""Search by photo (issue 6, S8): image ingestion throughput and photo query latency on the CPU.

    python benchmarks/bench_images.py [--images 300] [--queries 100] [--index-size 100000]
                                      [--archs ViT-S-32-alt ViT-B-32] [--batch-sizes 16 32 64]

No CLIP weights can be downloaded here, so the encoders are open_clip architectures with
random weights (``DISCOVERY_CLIP_WEIGHTS=random``): the arithmetic, and so the speed, is the
same as with trained weights of the same architecture. ViT-S-32-alt is what the tests run;
ViT-B-32 is the default architecture (``DISCOVERY_CLIP_MODEL``); bigger ones (ViT-B-16,
ViT-L-14) are several to many times slower still.

For each architecture and number of torch threads (1 and 2: on a shared 2-core machine one
thread is often faster for a single photo, see the README):

* ``ingest``: ``embed_product_images`` over a fresh SQLite store of ``images`` products, each
  with its own 800x800 JPEG (a typical product shot): reading, hashing, decoding (JPEG draft
  mode), encoding in batches of ``DISCOVERY_CLIP_BATCH_SIZE`` (32) and storing; images/s of
  the whole run and of its parts. Then the same run again (nothing changed: nothing encoded).
* ``batch_sizes``: encoder forward passes alone over the same decoded images.
* ``query``: a buyer's photo (the product shot cropped, halved and re-encoded as JPEG at
  quality 60) decoded and encoded, then the exact vector search (top 200) over the catalog's
  vectors padded with random ones to ``index-size``; median and p95 of each part and of both,
  and of the whole ``ImageSearch`` (with the tantivy check of the neighbours) over the small
  catalog.

Prints one JSON object; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import summary  # noqa: E402
from embeddings import image_encoder  # noqa: E402, F401 - before torch, as in the product

# importing embeddings.image_encoder sets OMP_WAIT_POLICY=PASSIVE before torch loads, as the
# product does: without it, two threads on a busy 2-core machine took 2 s per photo (ViT-B-32)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def run_arch(arch: str, threads: int, folder: Path, photos: list[Path], queries: list[bytes],
             index_size: int, batch_sizes: list[int]) -> dict[str, Any]:
    import torch

    from catalog.files import FileStore
    from catalog.image_embeddings import ImageEmbeddingStore
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from embeddings.image_encoder import OpenClipEncoder
    from embeddings.image_pipeline import embed_product_images, file_locator
    from embeddings.images import open_image
    from embeddings.vectors import VectorIndex
    from indexer.tantivy_backend import TantivyBackend
    from ranking.config import load_config
    from ranking.image_search import EncodedImages, ImageSearch, ImageSearchRequest
    from ranking.service import SearchService
    from tests.factories import make_record

    torch.set_num_threads(threads)
    out: dict[str, Any] = {"arch": arch, "torch_threads": threads,
                           "weights": "random (same arithmetic as trained)"}
    t0 = time.perf_counter()
    encoder = OpenClipEncoder(model=arch, weights="random").load()
    out["model_load_s"] = round(time.perf_counter() - t0, 2)
    out["dim"], out["image_size"] = encoder.dim, encoder.image_size
    tower, _ = encoder._model()
    out["image_tower_params_m"] = round(sum(p.numel() for p in tower.parameters()) / 1e6, 1)

    data_dir = folder / f"{arch}-{threads}"
    store = CatalogStore(f"sqlite:///{data_dir / 'catalog.db'}")
    store.migrate()
    store.upsert([make_record(f"P{i:05d}", f"Product {i}", images=[str(p)])
                  for i, p in enumerate(photos)])
    images = ImageEmbeddingStore(store.engine)
    locate = file_locator(FileStore(data_dir / "files"))
    say(f"{arch}, {threads} thread(s): embedding {len(photos)} product images ...")
    report = embed_product_images(images, encoder, store.iter_skus(), total=len(photos),
                                  locate=locate)
    out["ingest"] = {
        "images": report.stored, "seconds": round(report.seconds, 2),
        "images_per_s_overall": round(report.stored / report.seconds, 1),
        "decode_s": round(report.decode_seconds, 2), "encode_s": round(report.encode_seconds, 2),
        "images_per_s_encode_only": round(report.encoded / report.encode_seconds, 1),
        "ms_per_image_decode": round(1000 * report.decode_seconds / report.encoded, 2),
    }
    again = embed_product_images(images, encoder, store.iter_skus(), total=len(photos),
                                 locate=locate)
    out["ingest_again_unchanged"] = {"encoded": again.encoded, "unchanged": again.unchanged,
                                     "seconds": round(again.seconds, 3)}

    decoded = [open_image(p.read_bytes(), min_side=encoder.image_size)
               for p in photos[: max(batch_sizes) * 2]]
    sweep = {}
    for size in batch_sizes:
        encoder.encode(decoded[:size], batch_size=size)  # warm
        t = time.perf_counter()
        encoder.encode(decoded, batch_size=size)
        sweep[str(size)] = round(len(decoded) / (time.perf_counter() - t), 1)
    out["batch_sizes_images_per_s"] = sweep

    index = VectorIndex.from_store(images, encoder.model_id, encoder.dim)
    padded = VectorIndex(encoder.model_id, encoder.dim)
    rng = np.random.default_rng(0)
    extra = max(0, index_size - len(index))
    for start in range(0, extra, 50_000):
        n = min(50_000, extra - start)
        noise = rng.standard_normal((n, encoder.dim)).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        padded.upsert([f"R{start + i}" for i in range(n)], noise)
    padded.upsert(index.skus(), np.vstack([index.vector(s) for s in index.skus()]))
    small = EncodedImages(encoder, index)
    encode_ms, search_ms, both_ms = [], [], []
    for data in queries[:3]:
        padded.search(small.image_vector(data), 200)  # warm
    for data in queries:
        t = time.perf_counter()
        vector = small.image_vector(data)
        t1 = time.perf_counter()
        padded.search(vector, 200)
        t2 = time.perf_counter()
        encode_ms.append((t1 - t) * 1000)
        search_ms.append((t2 - t1) * 1000)
        both_ms.append((t2 - t) * 1000)
    out["query"] = {"index_vectors": len(padded), "decode_and_encode": summary(encode_ms),
                    "vector_top200": summary(search_ms), "encode_plus_search": summary(both_ms)}

    backend = TantivyBackend(data_dir / "index", reload_interval_s=0)
    backend.rebuild(store.iter_records())
    search = ImageSearch(SearchService(backend, Settings(), load_config("lexical")), small, 200)
    whole, found = [], 0
    for i, data in enumerate(queries):
        t = time.perf_counter()
        body = search.search(data, ImageSearchRequest(page_size=20))
        whole.append((time.perf_counter() - t) * 1000)
        found += body["hits"][0]["sku"] == f"P{i % len(photos):05d}"
    out["image_search_endpoint_path"] = {"catalog_products": len(photos), **summary(whole),
                                         "original_first": f"{found}/{len(queries)}"}
    backend.close()
    store.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--archs", nargs="+", default=["ViT-S-32-alt", "ViT-B-32"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[16, 32, 64])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2],
                        help="torch intra-op threads (process-wide) to compare")
    args = parser.parse_args()

    from tests.embeddings.image_factory import cropped, encode, jpeg, product_photo, resized

    started_load = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        folder = Path(tmp)
        say(f"writing {args.images} product photos (800x800 JPEG) ...")
        photos = []
        (folder / "photos").mkdir()
        for i in range(args.images):
            path = folder / "photos" / f"p{i}.jpg"
            path.write_bytes(encode(product_photo(i, size=(800, 800)), "JPEG", quality=90))
            photos.append(path)
        queries = [jpeg(resized(cropped(product_photo(i % args.images, size=(800, 800)), 0.85),
                                0.5), 60) for i in range(args.queries)]
        results = [run_arch(arch, threads, folder, photos, queries, args.index_size,
                            args.batch_sizes)
                   for arch in args.archs for threads in args.threads]
    body = {
        "benchmark": "bench_images",
        "machine": {"cpus": len(os.sched_getaffinity(0)),
                    "load_average_start": started_load, "load_average_end": load_average()},
        "note": "random-initialised weights: the same arithmetic (and speed) as trained weights "
                "of the same architecture, but no visual meaning. ViT-S-32-alt is the tests' "
                "architecture; real deployments use trained weights of a bigger one (ViT-B-32 "
                "here is the default DISCOVERY_CLIP_MODEL; ViT-B-16 and ViT-L-14 are several "
                "to many times slower again).",
        "images": args.images, "queries": args.queries,
        "results": results,
        "summary": {f"{r['arch']} x{r['torch_threads']}": {
            "ingest_images_per_s": r["ingest"]["images_per_s_overall"],
            "query_median_ms": r["query"]["encode_plus_search"]["median_ms"],
            "query_p95_ms": r["query"]["encode_plus_search"]["p95_ms"]} for r in results},
    }
    sys.stdout.write(json.dumps(body, indent=2) + "\n")


if __name__ == "__main__":
    main()
