"""Ingest throughput and peak memory (not a test): prints one JSON line.

    python -m benchmarks.bench_ingest_store 100000 [--format csv|xlsx|jsonl] [--sink] [--keep DIR]

Generates a flat file with every registry field (tests/ingestion/factories.py), ingests it
into a fresh SQLite store, then ingests it again (the unchanged path). Peak RSS is the
process's own (resource.getrusage), so run one size per process; with --keep, a second
run reuses the file and measures the ingest alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import orjson
import xlsxwriter

from catalog.settings import Settings
from catalog.store import CatalogStore
from ingestion import ingest_file
from tests.ingestion.factories import COLUMNS, FakeSink, flat_rows, write_csv


class CountingSink(FakeSink):
    def index_changed(self, records: list[dict]) -> None:
        self.count = getattr(self, "count", 0) + len(records)


def generate(path: Path, rows: int) -> None:
    tmp = path.with_name(path.name + ".part")
    if path.suffix == ".csv":
        write_csv(tmp, flat_rows(rows), COLUMNS)
    elif path.suffix == ".jsonl":
        with tmp.open("wb") as f:
            for row in flat_rows(rows):
                f.write(orjson.dumps({k: v for k, v in row.items() if v}) + b"\n")
    else:
        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_urls": False})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, COLUMNS)
        for i, row in enumerate(flat_rows(rows), 1):
            ws.write_row(i, 0, [row[c] for c in COLUMNS])
        wb.close()
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--format", choices=["csv", "xlsx", "jsonl"], default="csv")
    parser.add_argument("--sink", action="store_true", help="pass a counting sink")
    parser.add_argument("--keep", type=Path, help="folder for the CSV and store (kept)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"catalog-{args.rows}.{args.format}"
    if not path.exists():
        generate(path, args.rows)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db = folder / f"catalog-{args.rows}.db"
    db.unlink(missing_ok=True)
    store = CatalogStore(f"sqlite:///{db}")
    store.migrate()
    settings = Settings(data_dir=folder)
    sink = CountingSink() if args.sink else None
    started = time.perf_counter()
    first = ingest_file(path, store, sink, settings=settings)
    created_s = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_file(path, store, sink, settings=settings)
    unchanged_s = time.perf_counter() - started
    assert first.accepted == args.rows and again.unchanged == args.rows, first.to_dict()
    print(json.dumps({
        "rows": args.rows, "format": args.format, "file_mb": round(path.stat().st_size / 2**20, 1),
        "create_rows_per_s": round(args.rows / created_s),
        "unchanged_rows_per_s": round(args.rows / unchanged_s),
        "create_s": round(created_s, 1), "unchanged_s": round(unchanged_s, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_ingest_mb": round(rss_before / 1024),
    }))


if __name__ == "__main__":
    main()
