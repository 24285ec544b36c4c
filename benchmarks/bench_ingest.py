"""Ingestion throughput (CSV -> store + index, `--no-embed`) and peak memory at two file sizes.

    python benchmarks/bench_ingest.py [--sizes 100000 1000000] [--runs 3]

Each run is a fresh `discovery ingest` process on a fresh data folder. Peak memory is reported
twice: peak RSS from the kernel (wait4), which includes index files that tantivy maps while
merging segments, and the sampled peak of anonymous memory (what the processes allocate). Targets (issue 2): >= 5,000 products/s; peak memory at 1,000,000 rows no
more than 150 MB above 100,000 rows. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DISCOVERY, RESULTS, env_for  # noqa: E402


def _status_kb(pid: int) -> tuple[int, int]:
    """(RssAnon, RssFile) of a process in kB, 0s once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh)
        return int(fields["RssAnon"].split()[0]), int(fields["RssFile"].split()[0])
    except (OSError, KeyError):
        return 0, 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []


def ingest_once(csv: Path, data_dir: Path) -> dict[str, float]:
    """One `discovery ingest` process. Peak RSS from the kernel (wait4) counts the index
    files tantivy maps while merging segments (clean page cache the kernel can drop); the
    sampled peaks split it into memory the processes allocate (anonymous, the ingest process
    plus its reader process) and mapped files."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    # the store and the index only: ingestion with embeddings is bench_embed_ingest.py
    proc = subprocess.Popen([DISCOVERY, "ingest", str(csv), "--no-embed"], env=env_for(data_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_anon = peak_file = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        anon, mapped = _status_kb(proc.pid)
        anon += sum(_status_kb(child)[0] for child in _children(proc.pid))
        peak_anon, peak_file = max(peak_anon, anon), max(peak_file, mapped)
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"ingest of {csv} failed with exit code {code}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "peak_anon_mb": round(peak_anon / 1024, 1),
            "peak_mapped_files_mb": round(peak_file / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3, help="runs of the smallest size")
    args = ap.parse_args()
    folder = RESULTS / "ingest"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict = {"benchmark": "ingest_csv", "sizes": {}}
    for i, n in enumerate(sorted(args.sizes)):
        csv = folder / f"sample-{n}.csv"
        if not csv.exists():
            subprocess.run([DISCOVERY, "sample-catalog", "--products", str(n), "--out", str(csv)],
                           check=True, env=env_for(folder / "gen"))
        runs = [ingest_once(csv, folder / f"data-{n}") for _ in range(args.runs if i == 0 else 1)]
        rates = [n / r["seconds"] for r in runs]
        out["sizes"][str(n)] = {
            "runs": runs,
            "products_per_s_median": round(statistics.median(rates)),
            "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in runs),
            "peak_anon_mb_median": statistics.median(r["peak_anon_mb"] for r in runs),
        }
        shutil.rmtree(folder / f"data-{n}", ignore_errors=True)
    sizes = sorted(args.sizes)
    if len(sizes) > 1:
        lo, hi = out["sizes"][str(sizes[0])], out["sizes"][str(sizes[-1])]
        out["peak_rss_growth_mb"] = round(hi["peak_rss_mb_median"] - lo["peak_rss_mb_median"], 1)
        out["peak_anon_growth_mb"] = round(
            hi["peak_anon_mb_median"] - lo["peak_anon_mb_median"], 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
