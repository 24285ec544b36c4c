"""Ingestion throughput (CSV -> store + index) and peak memory at two file sizes.

    python benchmarks/bench_ingest.py [--sizes 100000 1000000] [--runs 3]

Each run is a fresh `discovery ingest` process on a fresh data folder; its peak RSS comes from
the kernel (wait4). Targets (issue 2): >= 5,000 products/s; peak memory at 1,000,000 rows no
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


def ingest_once(csv: Path, data_dir: Path) -> dict[str, float]:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([DISCOVERY, "ingest", str(csv)], env=env_for(data_dir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise SystemExit(f"ingest of {csv} failed with exit code {code}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


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
        }
        shutil.rmtree(folder / f"data-{n}", ignore_errors=True)
    sizes = sorted(args.sizes)
    if len(sizes) > 1:
        lo, hi = out["sizes"][str(sizes[0])], out["sizes"][str(sizes[-1])]
        out["peak_rss_growth_mb"] = round(hi["peak_rss_mb_median"] - lo["peak_rss_mb_median"], 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
