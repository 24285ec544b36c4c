"""Documents and media figures (S2, P1, P2), printed as JSON:

- the sample catalog with and without its files (20,000 products; files for 400);
- text extraction from the sample's documents (pages per second, PDF only and all);
- ``ingest_file`` of that catalog into a fresh store and both indexes (semantic search off),
  and a re-ingest (nothing changes);
- document search latency (in process), thumbnail making and serving from the cache, the PDF
  product sheet, and the sizes of the stored files and the document index.

    .venv/bin/python benchmarks/bench_documents.py [--products 20000] [--queries 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"median_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)] * 1000, 2)}


def _size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from api.container import build_services
    from api.product_sheet import render_product_sheet
    from api.routers.products import product_card
    from api.thumbnails import render, thumbnail
    from catalog.sample import files_dir, write_catalog
    from catalog.settings import Settings
    from ingestion import ingest_file
    from ingestion.documents import extract, media_type_of

    out: dict[str, object] = {"products": args.products}
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        write_catalog(root / "plain.csv", args.products)
        out["sample_without_files_s"] = round(time.perf_counter() - started, 2)
        written: dict[str, int] = {}
        started = time.perf_counter()
        write_catalog(root / "sample.csv", args.products, files=True, files_written=written)
        out["sample_with_files_s"] = round(time.perf_counter() - started, 2)
        out["files_written"] = written
        out["files_mb"] = _size_mb(files_dir(root / "sample.csv"))

        documents = [p for p in files_dir(root / "sample.csv").rglob("*")
                     if p.is_file() and media_type_of(p, p.read_bytes()[:8])]
        for label, chosen in (("pdf", [p for p in documents if p.suffix == ".pdf"]),
                              ("all", documents)):
            pages = 0
            started = time.perf_counter()
            for path in chosen:
                pages += len(extract(path, media_type_of(path, path.read_bytes()[:8]) or "").pages)
            seconds = time.perf_counter() - started
            out[f"extract_{label}"] = {"documents": len(chosen), "pages": pages,
                                       "pages_per_s": round(pages / seconds, 1),
                                       "documents_per_s": round(len(chosen) / seconds, 1)}

        settings = Settings(data_dir=root / "data", semantic_search=False,
                            analytics_enabled=False)
        svc = build_services(settings)
        try:
            for label in ("ingest", "reingest"):
                started = time.perf_counter()
                report = ingest_file(root / "sample.csv", svc.store, svc.backend,
                                     settings=settings, files_base=root,
                                     document_sink=svc.documents, files=svc.files)
                seconds = time.perf_counter() - started
                out[label] = {"seconds": round(seconds, 2),
                              "rows_per_s": round(report.rows_read / seconds),
                              "documents": report.documents, "notices": len(report.notices)}
            assert svc.document_search is not None
            words = ["salt spray", "tightening torque", "IP65", "edge crush", "burst strength",
                     "certificate", "drinking water", "vibration emission", "hardened",
                     "recycled fibres", "assembly instructions", "storage temperature",
                     "EN 388", "ISO 9227", "halogen-free", "press tool", "whiteness"]
            times = []
            for i in range(args.queries):
                started = time.perf_counter()
                svc.document_search.search(words[i % len(words)])
                times.append(time.perf_counter() - started)
            out["document_search"] = _ms(times)
            out["document_index_mb"] = _size_mb(settings.data_dir / "documents-index")
            out["product_index_mb"] = _size_mb(settings.data_dir / "index")

            cards = [product_card(svc, f"{sku}") for sku in
                     [r["sku"] for batch in svc.store.iter_records(batch_size=500)
                      for r in batch if r["images"] and r["images"][0].startswith("/v1/")][:50]]
            cache = settings.data_dir / "thumbnails"
            made, cached, sheets = [], [], []
            for card in cards:
                sha = card["media"]["image"][0]["id"]
                assert svc.files is not None
                source = svc.files.path(sha)
                started = time.perf_counter()
                thumbnail(source, cache, sha, 200, settings.max_image_pixels)
                made.append(time.perf_counter() - started)
                started = time.perf_counter()
                thumbnail(source, cache, sha, 200, settings.max_image_pixels)
                cached.append(time.perf_counter() - started)
                started = time.perf_counter()
                picture = render(source, 512, settings.max_image_pixels)[0]
                render_product_sheet(card, base_url="http://127.0.0.1:8000", image=picture)
                sheets.append(time.perf_counter() - started)
            out["thumbnail_made"] = _ms(made)
            out["thumbnail_cached"] = _ms(cached)
            out["product_sheet"] = _ms(sheets)
        finally:
            svc.close()
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
