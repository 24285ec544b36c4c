"""Small judged sets and synthetic sources built by the tests themselves (never the shared
data: its licences keep it out of the project)."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any


def write_judged_set(directory: Path, products: list[dict[str, Any]] | None = None,
                     queries: str | None = None, qrels: str | None = None) -> dict[str, Path]:
    """The three files; ``queries`` and ``qrels`` are written verbatim (to test bad lines)."""
    directory.mkdir(parents=True, exist_ok=True)
    if products is None:
        products = [{"sku": f"P{i}", "name": f"Product {i}"} for i in range(1, 6)]
    if queries is None:
        queries = "q1\thex bolt\nq2\tcable tie\n"
    if qrels is None:
        qrels = "q1 0 P1 2\nq1 0 P2 0\nq2 0 P3 1.33\n"
    paths = {"catalog": directory / "catalog.jsonl", "queries": directory / "queries.tsv",
             "qrels": directory / "qrels.txt"}
    paths["catalog"].write_text("".join(json.dumps(p) + "\n" for p in products))
    paths["queries"].write_text(queries, encoding="utf-8")
    paths["qrels"].write_text(qrels, encoding="utf-8")
    return paths


HOMEDEPOT_HEADER = ["id", "product_uid", "product_title", "search_term", "relevance"]


def homedepot_zip(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    """A Kaggle-shaped ``train.csv`` (fully quoted, latin-1) inside a zip."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HOMEDEPOT_HEADER)
    for i, row in enumerate(rows, start=1):
        writer.writerow([i, *row])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train.csv", buf.getvalue().encode("latin-1"))
    return path


def random_judgements(n_queries: int, n_products: int, seed: int, *,
                      grades: tuple[float, ...] = (0, 1, 2, 3), max_judged: int = 15,
                      run_length: int = 120) -> tuple[dict[str, list[str]], dict[str, dict[str, float]]]:
    """A random run and qrels where runs mix judged and unjudged products, some queries have
    no relevant (or no positive) judgement, some runs are empty or shorter than the cutoffs."""
    rng = random.Random(seed)
    products = [f"D{i}" for i in range(n_products)]
    qrels: dict[str, dict[str, float]] = {}
    run: dict[str, list[str]] = {}
    for q in range(n_queries):
        qid = f"Q{q}"
        judged = rng.sample(products, rng.randint(1, max_judged))
        qrels[qid] = {sku: rng.choice(grades) for sku in judged}
        length = rng.choice([0, 3, 10, 50, run_length])
        run[qid] = rng.sample(products, min(length, n_products))
        # make hits likely: move some judged products into the top of the run
        for sku in rng.sample(judged, rng.randint(0, len(judged))):
            if sku not in run[qid]:
                run[qid].insert(rng.randint(0, min(len(run[qid]), 12)), sku)
    return run, qrels
