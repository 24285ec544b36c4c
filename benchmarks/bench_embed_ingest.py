"""Ingestion with embeddings (issue 4): `discovery ingest FILE` as shipped, which stores and
indexes the products and then computes their text embeddings (`--no-embed` skips that part).

    python benchmarks/bench_embed_ingest.py [--sizes 10000 20000] [--runs 3]
                                            [--sweep-size 3000] [--batch-sizes 16 32 64 128]
                                            [--no-sweep]

* ``sizes``: each run ingests a sample-catalog CSV into a fresh data folder with one
  `discovery ingest` process and splits its wall time at the line the CLI prints when the
  store and index are written: rows/s of the store + index part, products/s of the embedding
  part (model load, encoding, storing the vectors, saving the vector index) and overall.
  ``encoder_products_per_s`` is the CLI's own figure (products per second of encoder time).
  Then the same file is ingested again into the same folder (it must encode nothing) and
  `discovery embed` run on it (it must encode nothing either).
* ``sweep``: encoder settings (``DISCOVERY_EMBEDDING_BATCH_SIZE`` 16/32/64/128, one thread
  instead of one per core, float32 instead of bfloat16, 96 or 64 word pieces instead of 128,
  sentence-transformers instead of the lean runtime; model load seconds of each)
  on the texts of the same ``sweep-size`` products, each in a process of its own that loads
  and warms the model first and then encodes them in `embed_products`' chunks (model load
  not timed), the settings in a rotating order, ``runs`` rounds, each compared with the
  default of its round (the machine is shared: the load changes between rounds).

Target: >= 300 products/s overall on the 2-core machine. Prints one JSON object; progress on
stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DISCOVERY, RESULTS, env_for  # noqa: E402

FOLDER = RESULTS / "embed-ingest"
_COUNTS = re.compile(r"rows_read=([\d,]+) .*\(([\d,]+) rows/s\)")
_EMBEDDED = re.compile(r"embedded ([\d,]+) products \(([\d,]+) unchanged\) at ([\d,.]+)/s")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def sample_csv(n: int) -> Path:
    csv = FOLDER / f"sample-{n}.csv"
    if not csv.exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        subprocess.run([DISCOVERY, "sample-catalog", "--products", str(n), "--out", str(csv)],
                       check=True, env=env_for(FOLDER / "gen"), stderr=subprocess.DEVNULL)
    return csv


def embedded_count(data_dir: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{data_dir / 'catalog.db'}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM product_embeddings").fetchone()[0])


def run_cli(args: list[str], data_dir: Path, extra_env: dict[str, str] | None = None
            ) -> dict[str, Any]:
    """One `discovery` process: wall time, the seconds at which each stderr line appeared,
    peak RSS (wait4) and stdout."""
    env = env_for(data_dir) | {"COLUMNS": "400"} | (extra_env or {})  # rich: no line wraps
    t0 = time.perf_counter()
    proc = subprocess.Popen([DISCOVERY, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    stdout: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.perf_counter() - t0, line.rstrip()))

    def read_stdout() -> None:
        assert proc.stdout is not None
        stdout.append(proc.stdout.read())

    readers = [threading.Thread(target=read_stderr), threading.Thread(target=read_stdout)]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    for r in readers:
        r.join()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"discovery {' '.join(args)} failed ({code}): "
                         + "\n".join(text for _, text in lines[-20:]))
    return {"seconds": seconds, "lines": lines, "stdout": "".join(stdout),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def ingest_with_embeddings(csv: Path, n: int, data_dir: Path) -> dict[str, Any]:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    load = load_average()
    first = run_cli(["ingest", str(csv)], data_dir)
    stored_at = next((t for t, text in first["lines"] if _COUNTS.search(text)), None)
    embedded = next((m for _, text in first["lines"] if (m := _EMBEDDED.search(text))), None)
    if stored_at is None or embedded is None:
        raise SystemExit("unexpected `discovery ingest` output:\n"
                         + "\n".join(text for _, text in first["lines"]))
    total, embed_s = first["seconds"], first["seconds"] - stored_at
    vectors = embedded_count(data_dir)
    again = run_cli(["ingest", str(csv)], data_dir)
    again_embedded = [text for _, text in again["lines"] if _EMBEDDED.search(text)]
    embed_again = run_cli(["embed", "--json"], data_dir)
    embed_body = json.loads(embed_again["stdout"].strip().splitlines()[-1])
    return {
        "seconds": round(total, 2),
        "store_and_index_seconds": round(stored_at, 2),
        "embedding_seconds": round(embed_s, 2),
        "store_and_index_rows_per_s": round(n / stored_at),
        "cli_rows_per_s": int(_COUNTS.search(next(
            text for _, text in first["lines"] if _COUNTS.search(text))).group(2)
            .replace(",", "")),
        "embedding_products_per_s": round(n / embed_s, 1),
        "encoder_products_per_s": float(embedded.group(3).replace(",", "")),
        "overall_products_per_s": round(n / total, 1),
        "encoded": int(embedded.group(1).replace(",", "")),
        "vectors_stored": vectors,
        "peak_rss_mb": first["peak_rss_mb"],
        "reingest_seconds": round(again["seconds"], 2),
        "reingest_encoded": sum(int(_EMBEDDED.search(t).group(1).replace(",", ""))  # type: ignore[union-attr]
                                for t in again_embedded),
        "reingest_summary": next((text for _, text in again["lines"] if _COUNTS.search(text)), ""),
        "embed_after_reingest": {"encoded": embed_body["encoded"],
                                 "unchanged": embed_body["unchanged"],
                                 "seconds": round(embed_again["seconds"], 2)},
        "load_average_before": load,
    }


SWEEP = {  # besides the batch sizes (each at the default batch size); name: environment
    "threads_1": {"DISCOVERY_EMBEDDING_THREADS": "1"},
    "float32": {"DISCOVERY_EMBEDDING_DTYPE": "float32"},
    "tokens_96": {"DISCOVERY_EMBEDDING_MAX_TOKENS": "96"},
    "tokens_64": {"DISCOVERY_EMBEDDING_MAX_TOKENS": "64"},
    "sentence_transformers": {"DISCOVERY_EMBEDDING_RUNTIME": "sentence-transformers"},
}
"""One thread instead of one per core, float32 instead of bfloat16, shorter product texts
(the first 96 or 64 word pieces instead of 128: fewer operations, less of the text), and
sentence-transformers instead of the lean BERT runtime (embeddings/bert.py)."""


def encode_worker(data_dir: Path, n: int) -> None:
    """In a process of its own (the encoder settings come from the environment, and torch's
    thread count is per process): the model loaded and warmed up, then the texts of ``n``
    products encoded as `embed_products` does, timed without the model load. Prints JSON."""
    from catalog.settings import Settings
    from catalog.store import CatalogStore
    from embeddings import get_encoder, product_text

    settings = Settings(data_dir=data_dir)
    store = CatalogStore(settings.resolved_database_url())
    texts: list[str] = []
    for batch in store.iter_records(batch_size=1_000):
        texts += [product_text(r) for r in batch]
        if len(texts) >= n:
            break
    texts = texts[:n]
    t0 = time.perf_counter()
    encoder = get_encoder(settings).load()
    encoder.encode(texts[:64])  # warm up
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(0, len(texts), 1_000):  # embed_products' chunks
        encoder.encode(texts[i : i + 1_000])
    seconds = time.perf_counter() - t0
    print(json.dumps({"products_per_s": round(len(texts) / seconds, 1),
                      "load_seconds": round(load_s, 2), "dtype": encoder.dtype,
                      "batch_size": encoder.batch_size}))


def sweep(n: int, rounds: int, batch_sizes: list[int]) -> dict[str, Any]:
    from catalog.settings import Settings

    default_batch = Settings().embedding_batch_size
    settings = {f"batch_{b}" + (" (default)" if b == default_batch else ""):
                {"DISCOVERY_EMBEDDING_BATCH_SIZE": str(b)} for b in batch_sizes}
    settings |= SWEEP
    template = FOLDER / f"sweep-template-{n}"
    if not (template / ".ingested").exists():
        shutil.rmtree(template, ignore_errors=True)
        template.mkdir(parents=True)
        run_cli(["ingest", str(sample_csv(n)), "--no-embed"], template)
        (template / ".ingested").touch()
    results: dict[str, list[dict[str, float]]] = {k: [] for k in settings}
    names = list(settings)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            load = load_average()
            done = subprocess.run(
                [sys.executable, __file__, "--encode-worker", str(template), str(n)],
                env=env_for(template) | settings[name], capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"encode worker {name} failed: {done.stderr[-2000:]}")
            body = json.loads(done.stdout.strip().splitlines()[-1])
            results[name].append({"encoder_products_per_s": body["products_per_s"],
                                  "model_load_seconds": body["load_seconds"],
                                  "dtype": body["dtype"], "load_average_1m": load[0]})
            say(f"  sweep round {r + 1}/{rounds} {name}: {body['products_per_s']:.0f} "
                f"products/s (load average {load[0]})")
    out: dict[str, Any] = {"products": n, "rounds": rounds, "settings": {}}
    default = next((k for k in names if "(default)" in k), names[0])
    base = results[default]
    for name, runs in results.items():
        out["settings"][name] = {
            "env": settings[name],
            "encoder_products_per_s_median": round(statistics.median(
                x["encoder_products_per_s"] for x in runs), 1),
            # relative to the default in the same round: the load changes between rounds
            "vs_default_same_round_median": round(statistics.median(
                a["encoder_products_per_s"] / b["encoder_products_per_s"]
                for a, b in zip(runs, base, strict=True)), 3),
            "runs": runs}
    out["fastest"] = max(out["settings"],
                         key=lambda k: out["settings"][k]["vs_default_same_round_median"])
    return out


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--encode-worker":
        encode_worker(Path(sys.argv[2]), int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sweep-size", type=int, default=3_000)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64, 128])
    ap.add_argument("--no-sweep", action="store_true")
    args = ap.parse_args()
    out: dict[str, Any] = {"benchmark": "ingest_with_embeddings", "cores": os.cpu_count(),
                           "sizes": {}}
    for n in args.sizes:
        csv = sample_csv(n)
        runs = []
        for i in range(args.runs):
            say(f"ingest with embeddings: {n:,} products, run {i + 1}/{args.runs} ...")
            runs.append(ingest_with_embeddings(csv, n, FOLDER / f"data-{n}"))
            say(f"  {runs[-1]['overall_products_per_s']}/s overall, store+index "
                f"{runs[-1]['store_and_index_rows_per_s']} rows/s, embedding "
                f"{runs[-1]['embedding_products_per_s']}/s")
        shutil.rmtree(FOLDER / f"data-{n}", ignore_errors=True)
        keys = ("overall_products_per_s", "store_and_index_rows_per_s",
                "embedding_products_per_s", "encoder_products_per_s", "reingest_seconds",
                "peak_rss_mb")
        out["sizes"][str(n)] = {f"{k}_median": statistics.median(r[k] for r in runs)
                                for k in keys}
        out["sizes"][str(n)]["reingest_encoded_max"] = max(r["reingest_encoded"] for r in runs)
        out["sizes"][str(n)]["runs"] = runs
    if not args.no_sweep:
        say(f"encoder settings on {args.sweep_size:,} products ...")
        out["sweep"] = sweep(args.sweep_size, args.runs, args.batch_sizes)
    out["load_average_end"] = load_average()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
